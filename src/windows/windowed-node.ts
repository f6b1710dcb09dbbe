/**
 * The physical node of a windowed operator: decides *which pane* a record
 * belongs to and *when* a window is output (Flink separates window assignment
 * from triggering in the same way), and leaves *what is kept* to a `PaneStore`.
 *
 * Processing time (Spark's DStream windows): the records of batch time `t`
 * belong to the pane containing `(t − batch, t]`; at every batch time that is
 * a multiple of the slide interval, the window `(t − length, t]` is output as
 * a group `[t − length, t)`, even when empty (as Spark's print shows every
 * slide). The final batch (end of input) outputs the window ending at the next
 * slide boundary, so no received record is left out. Output modes: `complete`
 * (default: the whole window), `update` (only keys whose value differs from
 * the previous output of the same key).
 *
 * Event time (Structured Streaming's `window()` with a watermark): a record
 * with event time `t` belongs to pane `floor(t / pane)`. After each batch the
 * watermark is advanced, and each window `[s, e)` with `e + allowedLateness ≤
 * watermark` is closed, in window order; a record with `t` before the end of
 * the last closed window is late: dropped, counted and reported (the rule is
 * `closing.ts`'s, shared with calendar windows and distributed mode). Output modes:
 * `append` (default: each non-empty window once, at close), `update` (every
 * batch, the rows of open windows that got records in it), `complete` (every
 * batch, every window, closed or open). The result does not depend on how
 * input is cut into batches, as long as no record is later than the
 * watermark delay.
 */
import { checkStateFields } from '../core/errors.js';
import type { BatchInfo, Millis, WindowBounds } from '../core/types.js';
import type { IssueLog } from '../core/issues.js';
import { Emitter, type Checkpointable, type StreamNode } from '../core/node.js';
import type { KeyedReducer } from '../operators/keyed-map.js';
import type { OutputMode } from '../state/output-mode.js';
import { WindowClosing } from './closing.js';
import type { PaneStore } from './pane-store.js';
import { firstWindowEndContaining, windowStartsContaining, type WindowSpec } from './spec.js';
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
  /** Batch time (ms) of the batch being received (after a restart it can be far from the checkpoint's). */
  currentBatchTimeMs?: () => Millis;
  /** Event-time watermark (required when `spec.eventTime`). */
  tracker?: WatermarkTracker;
  /** Record output for an empty processing-time window (`count` → 0), if any. */
  emptyValue?: unknown;
  /** Output mode; default `append` (event time) or `complete` (processing time). */
  mode?: OutputMode;
  /** Event time: how long after the watermark passes its end a window stays open (ms, default 0). */
  allowedLatenessMs?: Millis;
  /** The reducer of keyed stores (needed by `update` and `complete` in event time, and `update` in processing time). */
  reducer?: KeyedReducer;
}

type Rows = Map<unknown, unknown>;

/** Windowed operator node (see module doc). */
export class WindowedNode extends Emitter implements StreamNode, Checkpointable {
  private readonly spec: WindowSpec;
  private readonly store: PaneStore;
  private readonly mode: OutputMode;
  /** Processing time: index of the pane that receives records now. */
  private openPane: number;
  /** Event time: end of the next window to close (ms), or `-Infinity` before data. */
  private nextEndMs: Millis = -Infinity;
  /** Event time: which windows close at a watermark, and the end of the last one closed (records before it are late). */
  readonly closing: WindowClosing;
  /** Event time, update mode: keys that got records in this batch, per pane. */
  private dirty = new Map<number, Set<unknown>>();
  /** Event time, complete mode: results of closed windows, in window order. */
  private closed: { bounds: WindowBounds; rows: Rows }[] = [];
  /** Processing time, update mode: the last value output per key. */
  private lastOutput = new Map<unknown, unknown>();

  constructor(private readonly o: WindowedNodeOptions) {
    super();
    this.spec = o.spec;
    this.store = o.store;
    this.mode = o.mode ?? (o.spec.eventTime ? 'append' : 'complete');
    this.closing = new WindowClosing(o.allowedLatenessMs ?? 0, { issues: o.issues, label: o.label });
    this.openPane = this.paneOfBatch(o.firstBatchTimeMs);
  }

  private paneOfBatch(batchTimeMs: Millis): number {
    return Math.ceil(batchTimeMs / this.spec.paneMs) - 1;
  }

  private paneBatchTimeMs = NaN;

  record(value: unknown, tMs: number): void {
    if (!this.spec.eventTime) {
      const bt = this.o.currentBatchTimeMs?.();
      if (bt !== undefined && bt !== this.paneBatchTimeMs) {
        this.paneBatchTimeMs = bt;
        this.openPane = this.paneOfBatch(bt);
      }
      this.store.add(this.openPane, value, tMs);
      return;
    }
    if (this.closing.dropLate(value, tMs)) return;
    const pane = Math.floor(tMs / this.spec.paneMs);
    this.store.add(pane, value, tMs);
    if (this.mode === 'update') {
      const r = this.o.reducer!;
      // `add` has just extracted the record's key (a bad record leaves no trace).
      if (r.key !== undefined) {
        let keys = this.dirty.get(pane);
        if (!keys) this.dirty.set(pane, (keys = new Set()));
        keys.add(r.key);
      }
    }
  }

  beginGroup(_bounds: WindowBounds): void {
    // Building the plan refuses a window over an already windowed stream.
  }
  endGroup(): void {}

  endBatch(batch: BatchInfo): void {
    if (this.spec.eventTime) this.eventTimeBatch(batch);
    else this.processingTimeBatch(batch);
    this.out.endBatch(batch);
  }

  stateSize(): number {
    return this.store.size?.() ?? 0;
  }

  /** Event time: windows not closed yet that hold a pane with data (processing-time windows are emitted at the end). */
  openWindows(): number {
    if (!this.spec.eventTime) return 0;
    const starts = new Set<number>();
    for (const p of this.store.paneIndexes?.() ?? []) for (const s of this.openWindowsOf(p)) starts.add(s);
    return starts.size;
  }

  snapshot(): unknown {
    return {
      // `sealedMs`: the checkpoint's name for the end of the last closed window.
      openPane: this.openPane, nextEndMs: this.nextEndMs, sealedMs: this.closing.lastClosedEndMs,
      closed: this.closed, lastOutput: this.lastOutput, store: this.store.snapshot(),
    };
  }

  restore(data: unknown): void {
    const d = checkStateFields(data, ['openPane', 'nextEndMs', 'sealedMs'], 'a window') as { openPane: number; nextEndMs: number; sealedMs: number; closed: WindowedNode['closed']; lastOutput: Map<unknown, unknown>; store: unknown };
    if (!Array.isArray(d.closed) || !(d.lastOutput instanceof Map)) throw new Error('bad closed windows in the state of a window');
    this.openPane = d.openPane;
    this.nextEndMs = d.nextEndMs;
    this.closing.lastClosedEndMs = d.sealedMs;
    this.closed = d.closed;
    this.lastOutput = d.lastOutput;
    this.store.restore(d.store);
  }

  // ---- processing time ----

  private processingTimeBatch(batch: BatchInfo): void {
    const t = batch.timeMs;
    const { slideMs, lengthMs, paneMs } = this.spec;
    if (t % slideMs === 0 || batch.final) {
      const endMs = Math.ceil(t / slideMs) * slideMs;
      this.store.sealBefore(endMs / paneMs);
      this.store.evictBefore((endMs - lengthMs) / paneMs);
      const bounds = { startMs: endMs - lengthMs, endMs, eventTime: false };
      this.out.beginGroup(bounds);
      if (this.mode === 'update') this.outputChanged();
      else if (this.store.windowEmpty()) {
        if (this.o.emptyValue !== undefined) this.out.record(this.o.emptyValue, NaN);
      } else this.store.emit(this.out, NaN);
      this.out.endGroup();
    }
    this.openPane = this.paneOfBatch(t + this.o.batchIntervalMs);
  }

  /** Update mode in processing time: rows whose value differs from what was last output for the key. */
  private outputChanged(): void {
    const rows: unknown[] = [];
    this.store.emit({ record: (r) => rows.push(r), beginGroup() {}, endGroup() {}, endBatch() {} }, NaN);
    const next = new Map<unknown, unknown>();
    for (const r of rows) {
      const [k, v] = Array.isArray(r) && r.length === 2 ? r : [undefined, r];
      next.set(k, v);
      if (!this.lastOutput.has(k) || !Object.is(this.lastOutput.get(k), v)) this.out.record(r, NaN);
    }
    this.lastOutput = next;
  }

  // ---- event time ----

  private eventTimeBatch(batch: BatchInfo): void {
    const watermarkMs = this.o.tracker!.advance(batch);
    // End of input closes every window (watermark +∞); an empty window counts as closed only
    // when the real watermark has passed it, so a later run (a checkpoint) is not refused
    // records of a window that was never emitted.
    const realWatermarkMs = this.o.tracker!.watermarkMs;
    const closing = this.closing;
    if (this.mode === 'update') this.outputUpdated();
    const { slideMs, paneMs, lengthMs } = this.spec;
    for (;;) {
      if (this.store.windowEmpty()) {
        // Nothing in the window: jump to the first window holding an open pane. Open panes
        // start at or after the last closed end (earlier records are late), so it ends after
        // every window already closed.
        const first = this.store.firstOpenPane();
        if (first === Infinity) break;
        this.nextEndMs = firstWindowEndContaining(this.spec, first * paneMs);
      }
      if (!closing.closes(this.nextEndMs, watermarkMs)) break;
      const endMs = this.nextEndMs;
      this.store.sealBefore(endMs / paneMs);
      this.store.evictBefore((endMs - lengthMs) / paneMs);
      if (!this.store.windowEmpty()) {
        const bounds = { startMs: endMs - lengthMs, endMs, eventTime: true };
        if (this.mode === 'append') this.outputGroup(bounds, null);
        else if (this.mode === 'complete') this.closed.push({ bounds, rows: this.windowRows(bounds, null) });
        closing.closed(endMs);
      } else if (closing.closes(endMs, realWatermarkMs)) closing.closed(endMs);
      this.nextEndMs += slideMs;
    }
    if (this.mode === 'complete') this.outputComplete();
  }

  /** Rows of window `bounds` folded from its panes, for `keys` only when given. */
  private windowRows(bounds: WindowBounds, keys: Set<unknown> | null): Rows {
    const r = this.o.reducer!;
    const { paneMs } = this.spec;
    const rows: Rows = new Map();
    for (let p = bounds.startMs / paneMs; p < bounds.endMs / paneMs; p++) {
      const m = this.store.paneMap!(p);
      if (!m) continue;
      const add = (k: unknown, v: unknown) => rows.set(k, rows.has(k) ? r.combine(rows.get(k), v) : v);
      if (keys) for (const k of keys) m.has(k) && add(k, m.get(k));
      else for (const [k, v] of m) add(k, v);
    }
    return rows;
  }

  private outputGroup(bounds: WindowBounds, rows: Rows | null): void {
    this.out.beginGroup(bounds);
    if (rows) for (const k of this.o.reducer!.sortedKeys(rows.keys())) this.out.record(this.o.reducer!.output(k, rows.get(k)), bounds.startMs);
    else this.store.emit(this.out, bounds.startMs);
    this.out.endGroup();
  }

  /** Windows (start ms) that contain pane `p` and are not closed yet. */
  private openWindowsOf(p: number): number[] {
    const { paneMs, lengthMs } = this.spec;
    const lastClosedEndMs = this.closing.lastClosedEndMs;
    return windowStartsContaining(this.spec, p * paneMs).filter((s) => s + lengthMs > lastClosedEndMs);
  }

  /** Update mode: for every open window that got records in this batch, the rows of the keys it got. */
  private outputUpdated(): void {
    const perWindow = new Map<number, Set<unknown>>();
    for (const [p, keys] of this.dirty) {
      for (const s of this.openWindowsOf(p)) {
        let set = perWindow.get(s);
        if (!set) perWindow.set(s, (set = new Set()));
        for (const k of keys) set.add(k);
      }
    }
    this.dirty = new Map();
    for (const s of [...perWindow.keys()].sort((a, b) => a - b)) {
      const bounds = { startMs: s, endMs: s + this.spec.lengthMs, eventTime: true };
      const rows = this.windowRows(bounds, perWindow.get(s)!);
      if (rows.size) this.outputGroup(bounds, rows);
    }
  }

  /** Complete mode: every closed window, then every open one, in window order. */
  private outputComplete(): void {
    for (const c of this.closed) this.outputGroup(c.bounds, c.rows);
    const starts = new Set<number>();
    for (const p of this.store.paneIndexes!()) for (const s of this.openWindowsOf(p)) starts.add(s);
    for (const s of [...starts].sort((a, b) => a - b)) {
      const bounds = { startMs: s, endMs: s + this.spec.lengthMs, eventTime: true };
      const rows = this.windowRows(bounds, null);
      if (rows.size) this.outputGroup(bounds, rows);
    }
  }
}
