/**
 * `--update-state-by-key` in distributed mode, per key partition.
 *
 * **What a batch is.** Distributed input has no processing-time batches
 * common to all input partitions, so a batch is a run of the topic's *lines*:
 * line k of input partition p (of n) is line g = k·n + p of the topic (the
 * order `dstream publish` spread the input round-robin), and batch b holds
 * lines [b·N, (b+1)·N) with N = `--max-records-per-batch` (without it, the
 * whole input is one batch) — the batches a local run of the published file
 * makes with the same flag. Batch b's time is (b+1)·`--batch` (logical time,
 * as locally).
 *
 * **Stage 1** (`StateCollector`) runs the stateless operators and sends each
 * `[key, value]` record, tagged `[g, i, value]` (i: its place among the
 * line's records), to the key's partition, grouped by batch (the "pane" of
 * the message). Its watermark is its line frontier k·n + p: every line of
 * the partition before it is committed.
 *
 * **Stage 2** (`StateUnit`) gathers the values of open batches and closes
 * batch b once the minimum line frontier over the input partitions has
 * passed (b+1)·N (or every partition has ended): for each key with values,
 * in topic order, and each key with state, `state = fn(values, state,
 * batchTime)` (`undefined` removes it). The keys' states are written with
 * every stage-2 commit (the same atomic step as its offset and rows) and
 * restored by a new owner, which replays its input from the first message
 * of the oldest open batch for the rest. As a local run of a file, the
 * table is output once, at the end: every key with its final state, in key
 * order (`dstream cat` merges the key partitions).
 */
import { decodeState, encodeState } from '../checkpoint/codec.js';
import { compareKeys } from '../core/compare.js';
import { isPair } from '../core/types.js';
import type { PrefixOptions } from '../engine/prefix-chain.js';
import type { PanePartials } from '../engine/map-side-combine.js';
import type { Stage2Message } from './backend.js';
import { committed, type JobContext, type UpdateStateSettings } from './job-context.js';
import { compareOffsets, ORIGIN } from './log-backend.js';
import { packByKeyPartition, packRows, unpackPartials } from './partials.js';
import { minWatermark, replayOnce, sourcesOf, type SourceProgress } from './stage2.js';
import { LineCollector } from './rows.js';

/** A value of a key with its place in the topic: line g, i-th record of the line. */
type Tagged = [number, number, unknown];

/** A map key for a decoded record key. */
function keyId(key: unknown): string {
  return typeof key === 'string' ? key : `\u0001${JSON.stringify(encodeState(key))}`;
}

/** Stage 1 of a state job (see module doc). */
export class StateCollector extends LineCollector {
  private batches = new Map<number, Map<string, [unknown, Tagged[]]>>();
  /** Place of the next record among its line's. */
  private index = 0;
  private lastLine = -1;

  /**
   * @param s.inputPartitions n, s.partition p: line k of p is line k·n + p of the topic.
   * @throws ConfigError for an invalid function or parser.
   */
  constructor(o: PrefixOptions, private readonly s: { label: string; batchLines: number; inputPartitions: number; partition: number; keyPartitions: number }) {
    super(o);
  }

  protected collect(value: unknown): void {
    if (!isPair(value)) {
      this.issues.badRecord('not-a-pair', this.s.label, value, 'expected a [key, value] pair');
      return;
    }
    const g = this.ordinal * this.s.inputPartitions + this.s.partition;
    if (g !== this.lastLine) {
      this.lastLine = g;
      this.index = 0;
    }
    const b = Number.isFinite(this.s.batchLines) ? Math.floor(g / this.s.batchLines) : 0;
    let keys = this.batches.get(b);
    if (!keys) this.batches.set(b, (keys = new Map()));
    const id = keyId(value[0]);
    const e = keys.get(id);
    const v: Tagged = [g, this.index++, value[1]];
    if (e) e[1].push(v);
    else keys.set(id, [value[0], [v]]);
  }

  protected clear(): void {
    this.batches = new Map();
  }

  /** The tagged values since `begin`, one payload per key partition (batches as panes). */
  take(): string[] {
    this.endBatch();
    const parts: PanePartials[] = [...this.batches].sort((a, b) => a[0] - b[0]).map(([b, keys]) => [b, [...keys.values()]]);
    this.batches = new Map();
    return packByKeyPartition(parts, this.s.keyPartitions);
  }

  /** The line frontier after the lines so far: every line of the topic in this partition before it is committed. */
  frontier(): number {
    return this.ordinal * this.s.inputPartitions + this.s.partition;
  }
}

/** Open batch: the first message that gave it values (replay point), and its values per key. */
interface OpenBatch {
  first: string;
  keys: Map<string, [unknown, Tagged[]]>;
}

/** The snapshot written with every stage-2 commit of a state job. */
interface StateSnapshot {
  /** Batches closed (0 … closed−1). */
  closed: number;
  state: [unknown, unknown][];
}

/** One key partition of a state job held by this worker (see module doc). */
export class StateUnit {
  readonly unit: string;
  private sources = new Map<number, SourceProgress>();
  private offset = ORIGIN;
  private doneFlag = false;
  private closed = 0;
  private state = new Map<string, [unknown, unknown]>();
  private open_ = new Map<number, OpenBatch>();

  constructor(private readonly ctx: JobContext, readonly partition: number, readonly epoch: number) {
    this.unit = `s2:${partition}`;
  }

  get done(): boolean {
    return this.doneFlag;
  }

  private get settings(): UpdateStateSettings {
    return this.ctx.updateState!;
  }

  /** Loads the committed progress and state, then replays the open batches' values. */
  async open(): Promise<void> {
    const { ctx } = this;
    const st = await ctx.log.stage2State(this.partition);
    this.offset = st.offset;
    this.doneFlag = st.done;
    this.sources = sourcesOf(st.sources);
    this.closed = 0;
    this.state = new Map();
    this.open_ = new Map();
    if (st.handOver !== undefined) {
      const snap = decodeState(JSON.parse(st.handOver)) as StateSnapshot;
      this.closed = snap.closed;
      for (const [k, s] of snap.state) this.state.set(keyId(k), [k, s]);
    }
    if (st.rebuild !== ORIGIN && st.offset !== ORIGIN) {
      const n = await replayOnce(ctx.log, this.partition, st.rebuild, st.offset, (m) => this.apply(m));
      if (this.open_.size > 0) ctx.say(`dstream: rebuilt key partition ${this.partition}: ${this.state.size} keys' state, ${n} messages replayed for ${this.open_.size} open batches`);
    }
  }

  /** Adds the values of one message to its open batches (batches already closed are skipped). */
  private apply(m: Stage2Message): void {
    for (const [b, entries] of unpackPartials(m.data)) {
      if (b < this.closed) continue;
      let batch = this.open_.get(b);
      if (!batch) this.open_.set(b, (batch = { first: m.id, keys: new Map() }));
      for (const [key, values] of entries as [unknown, Tagged[]][]) {
        const id = keyId(key);
        const e = batch.keys.get(id);
        if (e) e[1].push(...values);
        else batch.keys.set(id, [key, values]);
      }
    }
  }

  /** Calls the function for batch `b` (see module doc). */
  private closeBatch(b: number): void {
    const { fn, label, issues, batchIntervalMs } = this.settings;
    const timeMs = (b + 1) * batchIntervalMs;
    const batch = this.open_.get(b);
    this.open_.delete(b);
    const call = (key: unknown, values: unknown[], old: unknown): { ok: boolean; next: unknown } => {
      try {
        return { ok: true, next: fn(values, old, timeMs) };
      } catch (e) {
        issues.userError(label, [key, values], e);
        return { ok: false, next: undefined };
      }
    };
    const seen = new Set<string>();
    for (const [id, [key, tagged]] of batch?.keys ?? []) {
      seen.add(id);
      tagged.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
      const r = call(key, tagged.map((t) => t[2]), this.state.get(id)?.[1]);
      if (!r.ok) continue;
      if (r.next === undefined) this.state.delete(id);
      else this.state.set(id, [key, r.next]);
    }
    for (const [id, [key, s]] of [...this.state]) {
      if (seen.has(id)) continue;
      const r = call(key, [], s);
      if (!r.ok) continue;
      if (r.next === undefined) this.state.delete(id);
      else this.state.set(id, [key, r.next]);
    }
  }

  /** Stores the state for the next owner and frees the unit. */
  async handOver(): Promise<void> {
    await this.ctx.log.handOverStage2(this.ctx.worker, this.epoch, this.partition, this.offset, this.snapshot());
  }

  private snapshot(): string {
    const snap: StateSnapshot = { closed: this.closed, state: [...this.state.values()] };
    return JSON.stringify(encodeState(snap));
  }

  /**
   * Applies new messages, closes the batches every input partition has passed; at the end, outputs the table.
   * @returns true when something was committed.
   * @throws FencedError when the lease was lost.
   */
  async step(): Promise<boolean> {
    const { ctx } = this;
    if (this.doneFlag) return false;
    const msgs = await ctx.log.readStage2(this.partition, this.offset, 256);
    if (msgs.length === 0) return false;
    for (const m of msgs) {
      const s = this.sources.get(m.source);
      if (s && m.seq <= s.seq) continue; // re-emitted batch: already applied
      this.sources.set(m.source, { seq: m.seq, eof: m.eof, idle: m.idle, watermarkMs: Math.max(m.watermarkMs, s?.watermarkMs ?? -Infinity) });
      this.apply(m);
    }
    const n = ctx.inputPartitions;
    const N = this.settings.batchLines;
    let allEnded = this.sources.size === n;
    let lines = 0;
    for (const [p, s] of this.sources) {
      if (!s.eof) allEnded = false;
      else lines += (s.watermarkMs - p) / n;
    }
    // Batches to close: all of them at the end of the input, else those below the minimum line frontier.
    const batches = allEnded ? (Number.isFinite(N) ? Math.ceil(lines / N) : lines > 0 ? 1 : 0) : Number.isFinite(N) ? Math.floor(minWatermark(this.sources, n) / N) : 0;
    while (this.closed < batches) this.closeBatch(this.closed++);
    const done = allEnded && this.closed >= batches;
    let rows = { packs: [] as string[], rows: 0 };
    if (done && this.closed > 0) {
      // The table once, as a local run of the file prints it: every key, in key order, at the last batch's time (batch count here; cat multiplies).
      const records = [...this.state.values()].sort((a, b) => compareKeys(a[0], b[0]));
      if (records.length) rows = packRows([{ startMs: this.closed, endMs: this.closed, records }]);
    }
    let first: string | undefined;
    for (const b of this.open_.values()) if (first === undefined || compareOffsets(b.first, first) < 0) first = b.first;
    const last = msgs[msgs.length - 1]!.id;
    const r = await ctx.log.commitStage2(ctx.worker, this.epoch, this.partition, {
      prevOffset: this.offset, offset: last, rebuild: first ?? last, sources: JSON.stringify(Object.fromEntries(this.sources)),
      sealedMs: -Infinity, done, rowsAdded: rows.rows, lateAdded: 0, rowPacks: rows.packs, closedMs: -Infinity,
      state: this.snapshot(),
    }, ctx.output);
    if (!(await committed(r, this))) return false;
    this.offset = last;
    this.doneFlag = done;
    return true;
  }
}
