/**
 * Spark's `mapWithState(StateSpec.function(fn).timeout(...))`:
 * `output = fn(key, value, state, batchTimeMs)` for every `[key, value]`
 * record, as it arrives; `state` offers `get()`, `exists()`, `update(s)`,
 * `remove()`, `isTimingOut()` (see state-handle.ts).
 *
 * State timeout, as Spark's `MapWithStateRDDRecord`: a key that has state and
 * gets a value is refreshed even when the function does not call `update()`;
 * a key idle strictly longer than the timeout (batch time, or the watermark vs
 * its latest event time) gets one more call with `value = undefined` and
 * `isTimingOut() === true`, then is removed. Spark does this only in
 * checkpoint batches; here it happens at the end of every batch.
 *
 * Output: by default the function's results (`undefined` → nothing), as
 * Spark's mapped stream; with an output mode, the state table after the
 * batch's timeouts instead (Spark's `stateSnapshots()`): `complete` every key
 * every batch, `update` the keys touched in the batch.
 */
import { isPair, type BatchInfo } from '../core/types.js';
import type { IssueLog } from '../core/issues.js';
import type { StreamNode } from '../core/node.js';
import type { WatermarkTracker } from '../windows/watermark.js';
import type { OutputMode, StateTimeout } from './output-mode.js';
import { StateHandle } from './state-handle.js';
import { KeyedStateNode, type InitialState } from './keyed-state-node.js';

/** Options of a `MapWithStateNode`. */
export interface MapWithStateOptions {
  fn: (key: unknown, value: unknown, state: StateHandle, batchTimeMs: number) => unknown;
  label: string;
  issues: IssueLog;
  /** `undefined`: output the function's results; else the state table. `append` is refused at plan time. */
  mode?: Exclude<OutputMode, 'append'>;
  timeout?: StateTimeout;
  tracker?: WatermarkTracker;
  maxKeys?: number;
  /** Batch time of the records being received (processing-time update times). */
  currentBatchTimeMs: () => number;
  /** State to start with (`--initial-state`). */
  initial?: InitialState;
}

/** Node of map-with-state (see module doc). */
export class MapWithStateNode extends KeyedStateNode implements StreamNode {
  private readonly handle = new StateHandle();
  private touched = new Set<unknown>();

  constructor(private readonly o: MapWithStateOptions) {
    super(o.label, o.issues, o.maxKeys);
    this.seed(o.initial, o.timeout?.eventTime ?? false);
  }

  private invoke(k: unknown, key: unknown, value: unknown, timingOut: boolean, raw: unknown, batchTimeMs: number): { ok: boolean; out: unknown } {
    const e = this.store.get(k);
    const h = this.handle;
    h.bind(e !== undefined, e?.state, timingOut);
    try {
      return { ok: true, out: this.o.fn(key, value, h, batchTimeMs) };
    } catch (err) {
      this.o.issues.userError(this.o.label, raw, err);
      return { ok: false, out: undefined };
    }
  }

  record(value: unknown, tMs: number): void {
    if (!isPair(value)) {
      this.o.issues.badRecord('not-a-pair', this.o.label, value, 'expected a [key, value] pair');
      return;
    }
    const k = this.keys.encode(value[0]);
    if (this.byText !== null) this.claim(k);
    const batchTimeMs = this.o.currentBatchTimeMs();
    const r = this.invoke(k, value[0], value[1], false, value, batchTimeMs);
    if (!r.ok) return;
    const h = this.handle;
    const timeout = this.o.timeout;
    if (h.removed) this.store.delete(k);
    else if (h.updated || (timeout && h.exists())) {
      // With a timeout, a value refreshes a key that keeps its state (Spark's MapWithStateRDDRecord).
      this.store.set(k, h.get(), timeout?.eventTime ? tMs : batchTimeMs);
    }
    if (this.o.mode === 'update') this.touched.add(k);
    else if (this.o.mode === undefined && r.out !== undefined) this.out.record(r.out, tMs);
  }


  endBatch(batch: BatchInfo): void {
    const { store, o } = this;
    if (o.timeout) {
      const eventTime = o.timeout.eventTime;
      const now = eventTime ? o.tracker!.advance(batch) : batch.timeMs;
      if (eventTime) this.settleInitial(now);
      const limit = now - o.timeout.ms;
      this.o.issues.current = undefined; // a timeout call has no input line
      for (const [k, e] of [...store.map]) {
        if (e.lastUpdateMs < limit) {
          const key = this.keys.decode(k);
          const r = this.invoke(k, key, undefined, true, [key], batch.timeMs);
          store.delete(k);
          if (r.ok && o.mode === undefined && r.out !== undefined) this.out.record(r.out, NaN);
        } else if (!eventTime) break; // processing time: entries are in update order
      }
    }
    // State snapshots after the timeouts: a key that timed out in this batch is not in its table (as Spark's stateSnapshots).
    if (o.mode === 'complete') for (const [k, e] of store.map) this.out.record([this.keys.decode(k), e.state], NaN);
    else if (o.mode === 'update') {
      for (const k of this.touched) {
        const e = store.get(k);
        if (e) this.out.record([this.keys.decode(k), e.state], NaN);
      }
      this.touched = new Set();
    }
    this.out.endBatch(batch);
  }
}
