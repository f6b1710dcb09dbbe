/**
 * Operators that need a whole batch (or window group) as an array: Spark's
 * `transform` (array → array) and the `foreachBatch` output operation.
 */
import type { BatchInfo, Millis, WindowBounds } from '../core/types.js';
import type { IssueLog } from '../core/issues.js';
import { Emitter, type StreamNode } from '../core/node.js';

/** What an output or transform function is told about the records it gets. */
export interface BatchContext {
  /** Batch time (epoch ms). */
  timeMs: Millis;
  /** Window bounds when the records are one window's result. */
  window?: WindowBounds;
}

/** Collects each group's records and hands them to `fn` at its end. */
abstract class Collector extends Emitter implements StreamNode {
  private batchRecords: unknown[] = [];
  private groupRecords: unknown[] | null = null;
  private group: WindowBounds | null = null;
  private pending: { records: unknown[]; window: WindowBounds }[] = [];

  protected abstract handle(records: unknown[], ctx: BatchContext, isGroup: boolean): void;

  record(value: unknown): void {
    (this.groupRecords ?? this.batchRecords).push(value);
  }
  beginGroup(bounds: WindowBounds): void {
    this.group = bounds;
    this.groupRecords = [];
  }
  endGroup(): void {
    this.pending.push({ records: this.groupRecords!, window: this.group! });
    this.groupRecords = null;
    this.group = null;
  }
  endBatch(batch: BatchInfo): void {
    const groups = this.pending;
    this.pending = [];
    const records = this.batchRecords;
    this.batchRecords = [];
    this.handle(records, { timeMs: batch.timeMs }, false);
    for (const g of groups) this.handle(g.records, { timeMs: batch.timeMs, window: g.window }, true);
    this.out.endBatch(batch);
  }
}

/**
 * `transform(fn)`: replaces each batch's (or group's) records by `fn(records, ctx)`.
 * With `guard`, a function that throws or returns no array (nor other iterable)
 * is a user error for the whole batch (reported without an input line; its
 * records are dropped), else the job fails.
 */
export class TransformNode extends Collector {
  constructor(
    private readonly fn: (records: unknown[], ctx: BatchContext) => unknown[],
    private readonly guard?: { issues: IssueLog; label: string },
  ) {
    super();
  }
  private apply(records: unknown[], ctx: BatchContext): Iterable<unknown> {
    const g = this.guard;
    if (!g) return this.fn(records, ctx);
    g.issues.current = undefined; // the batch, not one input line
    try {
      const result: unknown = this.fn(records, ctx);
      if (result === null || typeof result !== 'object' || typeof (result as Iterable<unknown>)[Symbol.iterator] !== 'function') {
        throw new TypeError(`expected an array of records, got ${result === null ? 'null' : typeof result}`);
      }
      return [...(result as Iterable<unknown>)];
    } catch (e) {
      g.issues.userError(g.label, records, e);
      return [];
    }
  }
  protected handle(records: unknown[], ctx: BatchContext, isGroup: boolean): void {
    const result = this.apply(records, ctx);
    const t = ctx.window?.eventTime ? ctx.window.startMs : NaN;
    if (isGroup) this.out.beginGroup(ctx.window!);
    for (const r of result) this.out.record(r, t);
    if (isGroup) this.out.endGroup();
  }
}

/**
 * `foreachBatch(fn)`: calls `fn(records, ctx)` once per batch and once per
 * window group emitted in it. For streams that report every batch, `fn` is
 * called even when the batch is empty.
 */
export class ForeachNode extends Collector {
  constructor(private readonly fn: (records: unknown[], ctx: BatchContext) => void, private readonly everyBatch: boolean) {
    super();
  }
  protected handle(records: unknown[], ctx: BatchContext, isGroup: boolean): void {
    if (isGroup || this.everyBatch || records.length > 0) this.fn(records, ctx);
  }
}
