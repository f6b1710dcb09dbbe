/**
 * The physical node of a windowed operator: decides *which pane* a record
 * belongs to and *when* a window is emitted (Flink separates window assignment
 * from triggering in the same way), and leaves *what is kept* to a `PaneStore`.
 *
 * Processing time (Spark's DStream windows): the records of batch time `t`
 * belong to the pane containing `(t − batch, t]`; at every batch time that is
 * a multiple of the slide interval, the window `(t − length, t]` is emitted as
 * a group `[t − length, t)`, even when empty (as Spark's print shows every
 * slide). The final batch (end of input) emits the window ending at the next
 * slide boundary, so no received record is left out.
 *
 * Event time (Structured Streaming's `window()` with a watermark): a record
 * with event time `t` belongs to pane `floor(t / pane)`; after each batch the
 * watermark is advanced and each window `[s, e)` with `e ≤ watermark` is
 * emitted once, in window order, if it holds data. A record with `t` before the
 * end of the last emitted window is late: it is dropped, counted and reported.
 * The result does not depend on how input is cut into batches, as long as no
 * record is later than the watermark delay.
 */
import type { BatchInfo, Millis, WindowBounds } from '../core/types.js';
import type { IssueLog } from '../engine/issues.js';
import { Emitter, type StreamNode } from '../engine/node.js';
import type { PaneStore } from './pane-store.js';
import { firstWindowEndContaining, type WindowSpec } from './spec.js';
import type { WatermarkTracker } from './watermark.js';

/** Options of a `WindowedNode`. */
export interface WindowedNodeOptions {
  spec: WindowSpec;
  store: PaneStore;
  issues: IssueLog;
  /** Label for late-record messages, e.g. `--window 5m`. */
  label: string;
  /** Batch interval (ms): processing-time pane assignment. */
  batchIntervalMs: Millis;
  /** Batch time (ms) of the first batch: processing-time pane assignment. */
  firstBatchTimeMs: Millis;
  /** Event-time watermark (required when `spec.eventTime`). */
  tracker?: WatermarkTracker;
  /** Record emitted for an empty processing-time window (`count` → 0), if any. */
  emptyValue?: unknown;
}

/** Windowed operator node (see module doc). */
export class WindowedNode extends Emitter implements StreamNode {
  private readonly spec: WindowSpec;
  private readonly store: PaneStore;
  /** Processing time: index of the pane that receives records now. */
  private openPane: number;
  /** Event time: end of the next window to emit (ms), or `-Infinity` before data. */
  private nextEndMs: Millis = -Infinity;
  /** Event time: records before this instant are late (end of the last emitted window). */
  sealedMs: Millis = -Infinity;

  constructor(private readonly o: WindowedNodeOptions) {
    super();
    this.spec = o.spec;
    this.store = o.store;
    this.openPane = this.paneOfBatch(o.firstBatchTimeMs);
  }

  private paneOfBatch(batchTimeMs: Millis): number {
    return Math.ceil(batchTimeMs / this.spec.paneMs) - 1;
  }

  record(value: unknown, tMs: number): void {
    if (!this.spec.eventTime) {
      this.store.add(this.openPane, value, tMs);
      return;
    }
    if (tMs < this.sealedMs) {
      this.o.issues.late(this.o.label, value, tMs, this.sealedMs);
      return;
    }
    this.store.add(Math.floor(tMs / this.spec.paneMs), value, tMs);
  }

  beginGroup(_bounds: WindowBounds): void {
    // Constructing the plan refuses a window over an already windowed stream.
  }
  endGroup(): void {}

  endBatch(batch: BatchInfo): void {
    if (this.spec.eventTime) this.emitEventTime(batch);
    else this.emitProcessingTime(batch);
    this.out.endBatch(batch);
  }

  private emitWindow(endMs: Millis, eventTime: boolean): void {
    const { lengthMs, paneMs } = this.spec;
    this.store.sealBefore(endMs / paneMs);
    this.store.evictBefore((endMs - lengthMs) / paneMs);
    const empty = this.store.windowEmpty();
    if (eventTime && empty) return;
    const startMs = endMs - lengthMs;
    this.out.beginGroup({ startMs, endMs, eventTime });
    if (empty) {
      if (this.o.emptyValue !== undefined) this.out.record(this.o.emptyValue, startMs);
    } else this.store.emit(this.out, eventTime ? startMs : NaN);
    this.out.endGroup();
  }

  private emitProcessingTime(batch: BatchInfo): void {
    const t = batch.timeMs;
    const { slideMs } = this.spec;
    if (t % slideMs === 0 || batch.final) this.emitWindow(Math.ceil(t / slideMs) * slideMs, false);
    this.openPane = this.paneOfBatch(t + this.o.batchIntervalMs);
  }

  private emitEventTime(batch: BatchInfo): void {
    const watermark = this.o.tracker!.advance(batch);
    const { slideMs, paneMs } = this.spec;
    for (;;) {
      if (this.store.windowEmpty()) {
        // Nothing in the window: jump to the first window holding an open pane.
        const first = this.store.firstOpenPane();
        if (first === Infinity) break;
        // Open panes start at or after `sealedMs` (earlier records are late), so this
        // window ends after every window already emitted.
        this.nextEndMs = firstWindowEndContaining(this.spec, first * paneMs);
      }
      if (this.nextEndMs > watermark) break;
      this.emitWindow(this.nextEndMs, true);
      this.sealedMs = this.nextEndMs;
      this.nextEndMs += slideMs;
    }
  }
}
