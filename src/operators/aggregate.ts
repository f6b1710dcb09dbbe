/**
 * Per-batch aggregations (Spark's `reduce`, `count`, `reduceByKey`,
 * `countByValue` without a window): records are folded into a `Map` as they
 * arrive; at the end of the batch (or of a window group, when the input is a
 * windowed stream) the result records are emitted and the map is dropped.
 */
import type { BatchInfo, WindowBounds } from '../core/types.js';
import { Emitter, type StreamNode } from '../core/node.js';
import type { KeyedReducer, Tally } from './keyed-map.js';

/** Node of a per-batch (or per-group) aggregation. */
export class AggregateNode extends Emitter implements StreamNode {
  private batchMap = new Map<unknown, unknown>();
  private groupMap: Map<unknown, unknown> | null = null;
  private group: WindowBounds | null = null;
  /** Count by value: the maps hold `Tally` objects, not counts (`KeyedReducer.countValue`). */
  private readonly tallies: boolean;

  /**
   * @param reducer how records are combined.
   * @param emitsDefaultGroup whether this stream reports every batch (false
   *   downstream of windows): only then does `count` emit 0 for an empty batch.
   */
  constructor(private readonly reducer: KeyedReducer, private readonly emitsDefaultGroup: boolean) {
    super();
    this.tallies = reducer.countsValues;
  }

  record(value: unknown): void {
    const map = this.groupMap ?? this.batchMap;
    if (this.tallies) this.reducer.countValue(map as Map<unknown, Tally>, value);
    else this.reducer.add(map, value);
  }
  beginGroup(bounds: WindowBounds): void {
    this.group = bounds;
    this.groupMap = new Map();
  }
  endGroup(): void {
    const g = this.group!;
    this.out.beginGroup(g);
    this.emit(this.groupMap!, g.eventTime ? g.startMs : NaN, true);
    this.out.endGroup();
    this.group = null;
    this.groupMap = null;
  }
  endBatch(batch: BatchInfo): void {
    this.emit(this.batchMap, NaN, this.emitsDefaultGroup);
    this.batchMap = new Map();
    this.out.endBatch(batch);
  }

  private emit(map: Map<unknown, unknown>, tMs: number, emitEmpty: boolean): void {
    if (map.size === 0) {
      const empty = this.reducer.agg.emitEmpty;
      if (emitEmpty && empty !== undefined) this.out.record(empty, tMs);
      return;
    }
    const tallies = this.tallies;
    for (const [k, v] of map) this.out.record(this.reducer.output(k, tallies ? (v as Tally).n : v), tMs);
  }
}
