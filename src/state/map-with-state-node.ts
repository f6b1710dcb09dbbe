/**
 * Spark's `mapWithState(StateSpec.function(fn).timeout(...))`:
 * `output = fn(key, value, state)` for every `[key, value]` record, as it
 * arrives; `state` offers `get()`, `exists()`, `update(s)`, `remove()`,
 * `isTimingOut()`. With a state timeout, a key idle that long (batch time, or
 * the watermark vs its latest event time) gets one more call with
 * `value = undefined` and `isTimingOut() === true`, then is removed.
 *
 * Output: by default the function's results (`undefined` → nothing), as
 * Spark's mapped stream; with an output mode, the state table instead
 * (Spark's `stateSnapshots()`): `complete` every key every batch, `update` the
 * keys touched in the batch.
 */
import { isPair, type BatchInfo } from '../core/types.js';
import type { IssueLog } from '../engine/issues.js';
import type { StreamNode } from '../engine/node.js';
import type { WatermarkTracker } from '../windows/watermark.js';
import type { OutputMode, StateTimeout } from './output-mode.js';
import { StateHandle } from './state-handle.js';
import { KeyedStateNode } from './keyed-state-node.js';

/** Options of a `MapWithStateNode`. */
export interface MapWithStateOptions {
  fn: (key: unknown, value: unknown, state: StateHandle) => unknown;
  label: string;
  issues: IssueLog;
  /** `undefined`: output the function's results; else the state table. `append` is refused at plan time. */
  mode?: Exclude<OutputMode, 'append'>;
  timeout?: StateTimeout;
  tracker?: WatermarkTracker;
  maxKeys?: number;
  /** Batch time of the records being received (processing-time update times). */
  currentBatchTimeMs: () => number;
}

/** Node of map-with-state (see module doc). */
export class MapWithStateNode extends KeyedStateNode implements StreamNode {
  private readonly handle = new StateHandle();
  private touched = new Set<unknown>();

  constructor(private readonly o: MapWithStateOptions) {
    super(o.label, o.issues, o.maxKeys);
  }

  private invoke(k: unknown, key: unknown, value: unknown, timingOut: boolean, raw: unknown): { ok: boolean; out: unknown } {
    const e = this.store.get(k);
    const h = this.handle;
    h.bind(e !== undefined, e?.state, timingOut);
    try {
      return { ok: true, out: this.o.fn(key, value, h) };
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
    const r = this.invoke(k, value[0], value[1], false, value);
    if (!r.ok) return;
    const h = this.handle;
    if (h.removed) this.store.delete(k);
    else if (h.updated) this.store.set(k, h.newState, this.o.timeout?.eventTime ? tMs : this.o.currentBatchTimeMs());
    if (this.o.mode === 'update') this.touched.add(k);
    else if (this.o.mode === undefined && r.out !== undefined) this.out.record(r.out, tMs);
  }


  endBatch(batch: BatchInfo): void {
    const { store, o } = this;
    // State snapshots before timeouts, so the final batch still shows the keys it times out.
    if (o.mode === 'complete') for (const [k, e] of store.map) this.out.record([this.keys.decode(k), e.state], NaN);
    else if (o.mode === 'update') {
      for (const k of this.touched) {
        const e = store.get(k);
        if (e) this.out.record([this.keys.decode(k), e.state], NaN);
      }
      this.touched = new Set();
    }
    if (o.timeout) {
      const eventTime = o.timeout.eventTime;
      const now = eventTime ? o.tracker!.advance(batch) : batch.timeMs;
      const limit = now - o.timeout.ms;
      for (const [k, e] of [...store.map]) {
        if (e.lastUpdateMs <= limit) {
          const key = this.keys.decode(k);
          const r = this.invoke(k, key, undefined, true, [key]);
          store.delete(k);
          if (r.ok && o.mode === undefined && r.out !== undefined) this.out.record(r.out, NaN);
        } else if (!eventTime) break; // processing time: entries are in update order
      }
    }
    this.out.endBatch(batch);
  }
}
