/**
 * Stage 2 of distributed mode: one key partition. Per step it reads the
 * messages of its input stream in order, drops any whose batch seq is not
 * newer than the last applied from that source (idempotent re-emission),
 * merges the partials and closes every window the **minimum** watermark over
 * the input partitions has passed (`KeyPanes`, ../key-panes.ts: the same window
 * algebra as a Kafka key partition's), and hands the worker the closed rows,
 * its offset, its progress and its rebuild point to commit in one step
 * (`JobLog.commit`; Redis: one fenced Lua script).
 *
 * No per-key state is written to the server on the hot path: a new owner
 * rebuilds the open windows by replaying its input stream from the recorded
 * rebuild point (the first message of the oldest open pane) — its input is
 * its changelog. Only a graceful hand-over (`handOver`) stores the open
 * windows, so the next owner starts without a replay.
 */
import { plural } from '../../core/plural.js';
import { decodeState, encodeState } from '../../checkpoint/codec.js';
import type { Stage2Message } from '../backend.js';
import type { Stage2Commit } from './types.js';
import { KeyPanes, sourcesOf } from '../key-panes.js';
import { ORIGIN } from '../log-backend.js';
import type { PaneTable } from '../pane-table.js';
import { packRows } from '../partials.js';
import type { JobContext, RedisStep } from './context.js';
import type { JobLog } from './job-log.js';

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

/** One key partition held by this worker: reads and commits through `JobLog`; the window algebra is `KeyPanes`. */
export class Stage2Unit {
  readonly unit: string;
  private panes: KeyPanes;
  private offset = ORIGIN;
  private doneFlag = false;
  /** Time (ms) and messages of the last rebuild, for logs and tests. */
  rebuild: { messages: number; panes: number; ms: number } | null = null;

  constructor(private readonly ctx: JobContext, readonly partition: number, readonly epoch: number) {
    this.unit = `s2:${partition}`;
    this.panes = new KeyPanes(ctx);
  }

  /** True once every input partition has ended and every window is out. */
  get done(): boolean {
    return this.doneFlag;
  }

  /** Loads the committed progress and rebuilds the open windows from the rebuild point. */
  async open(): Promise<void> {
    const { ctx, panes } = this;
    const t0 = ctx.now();
    const st = await ctx.log.stage2State(this.partition);
    const handOver = st.handOver === undefined ? undefined : (decodeState(JSON.parse(st.handOver)) as ReturnType<PaneTable['snapshot']>);
    panes.reset(st.sealedMs, sourcesOf(st.sources), handOver);
    this.offset = st.offset;
    this.doneFlag = st.done;
    this.rebuild = null;
    if (handOver) {
      // Also seen at start-up: the first worker takes every unit and hands the surplus over.
      ctx.say(`dstream: took over key partition ${this.partition} from a graceful hand-over: ${plural(panes.size, 'open pane')}, no replay`);
    } else if (st.rebuild !== ORIGIN && st.offset !== ORIGIN) {
      const n = await replayOnce(ctx.log, this.partition, st.rebuild, st.offset, (m) => panes.merge(m.data, m.id));
      this.rebuild = { messages: n, panes: panes.size, ms: ctx.now() - t0 };
      if (panes.size > 0) {
        ctx.say(`dstream: rebuilt key partition ${this.partition}: ${plural(n, 'message')}, ${plural(panes.size, 'open pane')} in ${this.rebuild.ms} ms`);
      }
    }
  }

  /**
   * Graceful hand-over (SIGTERM, or a surplus unit at rebalance): stores the open windows for the
   * next owner, who then starts without replaying, and frees the unit.
   */
  async handOver(): Promise<void> {
    const snap = JSON.stringify(encodeState(this.panes.table.snapshot()));
    await this.ctx.log.handOverStage2(this.ctx.worker, this.epoch, this.partition, this.offset, snap);
  }

  /**
   * Applies new messages and closes windows, for the worker to commit (`JobLog.commit`). The panes move
   * on at once: a step that is not committed is followed by `open` again (the worker's rule).
   * @returns the step, or null when there is nothing to commit.
   */
  async prepare(): Promise<RedisStep | null> {
    const { ctx, panes } = this;
    if (this.doneFlag) return null;
    const msgs = await ctx.log.readStage2(this.partition, this.offset, MESSAGES_PER_STEP);
    if (msgs.length === 0) return null;
    let late = 0;
    for (const m of msgs) late += panes.receive(m, m.id) ?? 0;
    const { windows, watermarkMs, done } = panes.close();
    const { packs, rows } = packRows(windows);
    const last = msgs[msgs.length - 1]!.id;
    const stage2: Stage2Commit = {
      prevOffset: this.offset, offset: last, rebuild: panes.table.rebuildPoint(last),
      sources: JSON.stringify(panes.storedSources()), sealedMs: panes.table.lastClosedEndMs, done, rowsAdded: rows, lateAdded: late, rowPacks: packs,
      closedMs: watermarkMs - ctx.allowedLatenessMs,
    };
    return {
      commit: { unit: this.unit, epoch: this.epoch, write: { q: this.partition, stage2, output: ctx.output } },
      adopt: async () => {
        this.offset = last;
        this.doneFlag = done;
        if (late > 0) ctx.say(`dstream: key partition ${this.partition}: ${late} partial aggregates arrived after their windows closed (late; dropped)`);
      },
    };
  }
}
