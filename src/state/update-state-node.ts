/**
 * Spark's `updateStateByKey(updateFunc)`: at the end of every batch,
 * `newState = fn(values, state, batchTimeMs)` is called for each key with new values in the
 * batch and, as in Spark, for every key that has state but no new values
 * (`values = []`); `undefined` removes the key. Output (the stream after it,
 * `[key, state]` pairs) by output mode:
 * - `complete` (default, what DStream's updateStateByKey shows): every key, every batch;
 * - `update`: keys that got values in the batch, and keys without values whose
 *   state the function changed: compared by value (state-change.ts), so a state
 *   mutated in place and returned counts, and an equal fresh copy does not;
 * - `append`: a key's final state, once, when it times out (needs a state timeout).
 *
 * With a state timeout, a key with no new values for longer than that (batch
 * time, or watermark vs its latest event time) is removed. An initial state
 * (Spark's `initialRDD`) is in the store before the first batch, so its keys
 * are called with `values = []` in the first batch as in Spark.
 *
 * Bounded input (`batch.bounded`: a file, `--once`) prints the table once per
 * run, at its last batch, sorted by key (so N cron runs end with the table of
 * one run over the same input): `complete` every key, `update` the keys that
 * changed in the run; nothing at all when nothing changed in the run.
 *
 * When the function throws for a key, each input line that gave the key a
 * value in the batch is a skipped record. Only with `IssueLog.keepInputs`
 * (`--dead-letter`) are those lines kept until the batch ends, to be written
 * there and named on stderr (at most `KEPT_INPUTS_PER_BATCH` per batch; past
 * it counted, not kept): holding every line of a batch doubled this node's CPU
 * time on a file of 1,000,000 lines (garbage collection). Without, stderr
 * shows what the function was given (`[key, values]`).
 */
import { compareKeys } from '../core/compare.js';
import { isPair, type BatchInfo } from '../core/types.js';
import type { IssueLog } from '../core/issues.js';
import type { StreamNode } from '../core/node.js';
import type { WatermarkTracker } from '../windows/watermark.js';
import type { OutputMode, StateTimeout } from './output-mode.js';
import { KeyedStateNode, type InitialState } from './keyed-state-node.js';
import { markState, stateChanged } from './state-change.js';

/** Most input lines an `UpdateStateNode` keeps per batch to name them if the function throws (bounds its memory). */
export const KEPT_INPUTS_PER_BATCH = 1 << 20;

/** Options of an `UpdateStateNode`. */
export interface UpdateStateOptions {
  fn: (values: unknown[], state: unknown, batchTimeMs: number) => unknown;
  label: string;
  issues: IssueLog;
  mode: OutputMode;
  timeout?: StateTimeout;
  tracker?: WatermarkTracker;
  maxKeys?: number;
  /** State to start with (`--initial-state`). */
  initial?: InitialState;
}

/** A key's values in a batch, and the input lines they came from. */
interface BatchKey {
  values: unknown[];
  /** `IssueLog.recordsSeen` at the last value: the input line it came from. */
  seq: number;
  /** Input lines that gave values (several values of one line count once). */
  lines: number;
  /** With `IssueLog.keepInputs`: those lines, flat `[raw, rawSeq, …]` (`IssueLog.userError`'s `inputs`); else null. */
  inputs: unknown[] | null;
}

/** Node of update-state-by-key (see module doc). */
export class UpdateStateNode extends KeyedStateNode implements StreamNode {
  private batchValues = new Map<unknown, BatchKey>();
  private batchMaxTime = new Map<unknown, number>();
  /** Input lines kept in this batch (at most `KEPT_INPUTS_PER_BATCH`). */
  private keptInputs = 0;
  /** Input lines of skipped records in this batch past `KEPT_INPUTS_PER_BATCH` (not in `--dead-letter`), and whether that was said. */
  private unkept = 0;
  private toldUnkept = false;
  /** Bounded input: keys changed in this run (output at its last batch). */
  private runChanged = new Set<unknown>();

  constructor(private readonly o: UpdateStateOptions) {
    super(o.label, o.issues, o.maxKeys);
    this.seed(o.initial, o.timeout?.eventTime ?? false);
  }

  record(value: unknown, tMs: number): void {
    if (!isPair(value)) {
      this.o.issues.badRecord('not-a-pair', this.o.label, value, 'expected a [key, value] pair');
      return;
    }
    const k = this.keys.encode(value[0]);
    if (this.byText !== null) this.claim(k);
    const e = this.batchValues.get(k);
    const seq = this.o.issues.recordsSeen;
    if (e === undefined) this.batchValues.set(k, { values: [value[1]], seq, lines: 1, inputs: this.o.issues.keepInputs ? [this.kept(), seq] : null });
    else {
      e.values.push(value[1]);
      if (e.seq !== seq) {
        e.seq = seq;
        e.lines++;
        if (e.inputs !== null) e.inputs.push(this.kept(), seq);
      }
    }
    if (tMs === tMs && !(this.batchMaxTime.get(k)! >= tMs)) this.batchMaxTime.set(k, tMs);
  }

  /** The current input line, to keep; `undefined` (counted, not kept) past `KEPT_INPUTS_PER_BATCH` in the batch. */
  private kept(): unknown {
    return this.keptInputs++ < KEPT_INPUTS_PER_BATCH ? this.o.issues.current : undefined;
  }

  /** Calls the function; when it throws, each input line of `batchKey` (none for a key with state only) is a skipped record. */
  private call(k: unknown, values: unknown[], state: unknown, batchTimeMs: number, batchKey?: BatchKey): { ok: boolean; next: unknown } {
    try {
      return { ok: true, next: this.o.fn(values, state, batchTimeMs) };
    } catch (e) {
      const inputs = batchKey === undefined ? [] : batchKey.inputs ?? new Array<unknown>(2 * batchKey.lines).fill(undefined);
      if (batchKey?.inputs) for (let i = 0; i < inputs.length; i += 2) if (inputs[i] === undefined) this.unkept++;
      this.o.issues.userError(this.o.label, [this.keys.decode(k), values], e, inputs);
      return { ok: false, next: undefined };
    }
  }

  endBatch(batch: BatchInfo): void {
    const { store, o } = this;
    const eventTime = o.timeout?.eventTime ?? false;
    const now = eventTime ? o.tracker!.advance(batch) : batch.timeMs;
    if (eventTime) this.settleInitial(now);
    const changed: unknown[] = [];
    // Only `update` and a bounded run's table look at which keys without values changed.
    const compare = o.mode === 'update' || batch.bounded;
    for (const [k, b] of this.batchValues) {
      const old = store.get(k);
      const r = this.call(k, b.values, old?.state, batch.timeMs, b);
      if (!r.ok) continue;
      if (r.next === undefined) {
        if (old) store.delete(k);
        continue;
      }
      store.set(k, r.next, eventTime ? this.batchMaxTime.get(k) ?? -Infinity : batch.timeMs);
      changed.push(k);
    }
    for (const [k, e] of [...store.map]) {
      if (this.batchValues.has(k)) continue;
      const before = e.state;
      const mark = compare ? markState(before) : undefined;
      const r = this.call(k, [], before, batch.timeMs);
      if (!r.ok) continue;
      if (r.next === undefined) {
        store.delete(k);
        continue;
      }
      if (r.next !== before) store.replace(k, r.next);
      if (mark === undefined ? r.next !== before : stateChanged(before, mark, r.next)) changed.push(k);
    }
    this.batchValues = new Map();
    this.batchMaxTime = new Map();
    this.keptInputs = 0;
    if (this.unkept > 0 && !this.toldUnkept) {
      this.toldUnkept = true;
      o.issues.warn(o.label, `${this.unkept} input lines of records skipped in batch ${batch.timeMs} are not in --dead-letter: a batch keeps at most ${KEPT_INPUTS_PER_BATCH} lines for it (counted all the same; said once)`);
    }
    this.unkept = 0;
    const out = this.out;
    // Output before timeouts, so the table of the final batch still shows the keys it times out.
    if (batch.bounded && o.mode !== 'append') this.outputRun(batch, changed);
    else if (o.mode === 'complete') for (const [k, e] of store.map) out.record([this.keys.decode(k), e.state], NaN);
    else if (o.mode === 'update') {
      for (const k of changed) {
        const e = store.get(k);
        if (e) out.record([this.keys.decode(k), e.state], NaN);
      }
    }
    if (o.timeout) {
      const limit = now - o.timeout.ms;
      for (const [k, e] of [...store.map]) {
        if (e.lastUpdateMs < limit) {
          if (o.mode === 'append') out.record([this.keys.decode(k), e.state], NaN);
          store.delete(k);
        } else if (!eventTime) break; // processing time: entries are in update order
      }
    }
    out.endBatch(batch);
  }

  /** Bounded input: the run's table at its last batch, sorted by key (see module doc). */
  private outputRun(batch: BatchInfo, changed: unknown[]): void {
    for (const k of changed) this.runChanged.add(k);
    if (!batch.last || this.runChanged.size === 0) return;
    const keys = this.o.mode === 'complete' ? [...this.store.map.keys()] : [...this.runChanged].filter((k) => this.store.get(k));
    const rows = keys.map((k) => [this.keys.decode(k), this.store.get(k)!.state] as [unknown, unknown]);
    rows.sort((a, b) => compareKeys(a[0], b[0]));
    for (const r of rows) this.out.record(r, NaN);
    this.runChanged = new Set();
  }
}
