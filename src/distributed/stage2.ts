/**
 * Stage 2 of distributed mode: one key partition. Per step it reads the
 * messages of its input stream in order, drops any whose batch seq is not
 * newer than the last applied from that source (idempotent re-emission),
 * merges the partials into a `PaneTable`, closes every window the **minimum**
 * watermark over the input partitions has passed (an input partition at its
 * end counts as +∞, an idle one is left out), and commits the closed rows,
 * its offset, its progress and its rebuild point in one fenced Lua script.
 *
 * No per-key state is written to the server on the hot path: a new owner
 * rebuilds the open windows by replaying its input stream from the recorded
 * rebuild point (the first message of the oldest open pane) — its input is
 * its changelog. Only a graceful hand-over (`handOver`) stores the open
 * windows, so the next owner starts without a replay.
 */
import { decodeState, encodeState } from '../checkpoint/codec.js';
import type { Stage2Message } from './backend.js';
import { committed, type JobContext } from './job-context.js';
import { ORIGIN, type JobLog } from './log-backend.js';
import { PaneTable } from './pane-table.js';
import { packRows, unpackPartials } from './partials.js';
import { TopN } from '../operators/top.js';

/** The `n` best of `records` in rank order (`--top`: by value descending, ties by key). */
export function topOf(records: unknown[], n: number): unknown[] {
  const t = new TopN(n);
  for (const r of records) t.add(r);
  return t.items;
}

/** Progress of one input partition as seen by a key partition. */
export interface SourceProgress {
  seq: number;
  watermarkMs: number;
  eof: boolean;
  idle: boolean;
}

/** The per-source progress stored with a key partition (`Stage2State.sources`), parsed. */
export function sourcesOf(json: string): Map<number, SourceProgress> {
  return new Map(Object.entries(JSON.parse(json) as Record<string, SourceProgress>).map(([k, v]) => [Number(k), {
    ...v, watermarkMs: v.watermarkMs === null ? (v.eof ? Infinity : -Infinity) : v.watermarkMs,
  }]));
}

/**
 * Replays the messages of key partition `q` from `from` to `to` (inclusive) into `apply`, each
 * stage-1 batch (source, seq) once; returns how many messages were read.
 */
export async function replayOnce(log: JobLog, q: number, from: string, to: string, apply: (m: Stage2Message) => void): Promise<number> {
  const seen = new Set<string>();
  return log.readStage2Range(q, from, to, (m) => {
    const k = `${m.source}:${m.seq}`;
    if (seen.has(k)) return;
    seen.add(k);
    apply(m);
  });
}

/** Messages read per step at most. */
const MESSAGES_PER_STEP = 256;

/**
 * The minimum watermark over input partitions `0 … n−1` (see module doc); −∞ while any has not
 * reported. When none is active: +∞ if any has ended, else (all idle) the largest idle watermark.
 */
export function minWatermark(sources: Map<number, SourceProgress>, n: number): number {
  let min = Infinity;
  let active = 0;
  for (let p = 0; p < n; p++) {
    const s = sources.get(p);
    if (!s) return -Infinity;
    if (s.eof) continue;
    if (s.idle) continue;
    active++;
    if (s.watermarkMs < min) min = s.watermarkMs;
  }
  if (active === 0) {
    // No active partition. Some at their end: +∞ (idle ones are left out). All idle: the largest
    // of their watermarks, as Flink's StatusWatermarkValve does when every input channel is idle.
    let anyEnded = false;
    let max = -Infinity;
    for (let p = 0; p < n; p++) {
      const s = sources.get(p)!;
      if (s.eof) anyEnded = true;
      else if (s.watermarkMs > max) max = s.watermarkMs;
    }
    return anyEnded ? Infinity : max;
  }
  return min;
}

/** One key partition held by this worker. */
export class Stage2Unit {
  readonly unit: string;
  private table!: PaneTable;
  private sources = new Map<number, SourceProgress>();
  private offset = ORIGIN;
  private doneFlag = false;
  /** Time (ms) and messages of the last rebuild, for logs and tests. */
  rebuild: { messages: number; panes: number; ms: number } | null = null;

  constructor(private readonly ctx: JobContext, readonly partition: number, readonly epoch: number) {
    this.unit = `s2:${partition}`;
  }

  /** True once every input partition has ended and every window is out. */
  get done(): boolean {
    return this.doneFlag;
  }

  /** Loads the committed progress and rebuilds the open windows from the rebuild point. */
  async open(): Promise<void> {
    const { ctx } = this;
    const t0 = ctx.now();
    const st = await ctx.log.stage2State(this.partition);
    this.table = new PaneTable(ctx.spec, ctx.mergeReducer(), ctx.allowedLatenessMs);
    this.table.lastClosedEndMs = st.sealedMs;
    this.offset = st.offset;
    this.doneFlag = st.done;
    this.sources = sourcesOf(st.sources);
    this.rebuild = null;
    if (st.handOver !== undefined) {
      this.table.restore(decodeState(JSON.parse(st.handOver)) as ReturnType<PaneTable['snapshot']>);
      // Also seen at start-up: the first worker takes every unit and hands the surplus over.
      ctx.say(`dstream: took over key partition ${this.partition} from a graceful hand-over: ${this.table.size} open panes, no replay`);
    } else if (st.rebuild !== ORIGIN && st.offset !== ORIGIN) {
      const n = await replayOnce(ctx.log, this.partition, st.rebuild, st.offset, (m) => this.apply(m));
      this.rebuild = { messages: n, panes: this.table.size, ms: ctx.now() - t0 };
      if (this.table.size > 0) {
        ctx.say(`dstream: rebuilt key partition ${this.partition}: ${n} messages, ${this.table.size} open panes in ${this.rebuild.ms} ms`);
      }
    }
  }

  /** Merges the partials of one message; returns how many were late (all their windows closed). */
  private apply(m: Stage2Message): number {
    let late = 0;
    for (const [pane, entries] of unpackPartials(m.data)) {
      for (const [k, v] of entries) if (!this.table.add(pane, k, v, m.id)) late++;
    }
    return late;
  }

  /**
   * Graceful hand-over (SIGTERM, or a surplus unit at rebalance): stores the open windows for the
   * next owner, who then starts without replaying, and frees the unit.
   */
  async handOver(): Promise<void> {
    const snap = JSON.stringify(encodeState(this.table.snapshot()));
    await this.ctx.log.handOverStage2(this.ctx.worker, this.epoch, this.partition, this.offset, snap);
  }

  /**
   * Applies new messages and closes windows.
   * @returns true when something was committed.
   * @throws FencedError when the lease was lost.
   */
  async step(): Promise<boolean> {
    const { ctx } = this;
    if (this.doneFlag) return false;
    const msgs = await ctx.log.readStage2(this.partition, this.offset, MESSAGES_PER_STEP);
    if (msgs.length === 0) return false;
    let late = 0;
    for (const m of msgs) {
      const s = this.sources.get(m.source);
      if (s && m.seq <= s.seq) continue; // re-emitted batch: already applied
      this.sources.set(m.source, {
        seq: m.seq, eof: m.eof, idle: m.idle,
        watermarkMs: Math.max(m.watermarkMs, s && !s.idle ? s.watermarkMs : -Infinity),
      });
      late += this.apply(m);
    }
    const watermarkMs = minWatermark(this.sources, ctx.inputPartitions);
    const closed = this.table.close(watermarkMs);
    if (ctx.top !== undefined) for (const w of closed) w.records = topOf(w.records, ctx.top);
    const { packs, rows } = packRows(closed);
    let allEnded = this.sources.size === ctx.inputPartitions;
    for (const s of this.sources.values()) if (!s.eof) allEnded = false;
    const done = allEnded && this.table.size === 0;
    const last = msgs[msgs.length - 1]!.id;
    const r = await ctx.log.commitStage2(ctx.worker, this.epoch, this.partition, {
      prevOffset: this.offset, offset: last, rebuild: this.table.rebuildPoint(last),
      sources: JSON.stringify(Object.fromEntries(this.sources)), sealedMs: this.table.lastClosedEndMs, done, rowsAdded: rows, lateAdded: late, rowPacks: packs,
      closedMs: watermarkMs - ctx.allowedLatenessMs,
    }, ctx.output);
    if (!(await committed(r, this))) return false;
    this.offset = last;
    this.doneFlag = done;
    if (late > 0) ctx.say(`dstream: key partition ${this.partition}: ${late} partial aggregates arrived after their windows closed (late; dropped)`);
    return true;
  }
}
