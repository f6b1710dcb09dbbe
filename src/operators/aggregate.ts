/**
 * Per-batch aggregations (Spark's `reduce`, `count`, `reduceByKey`,
 * `countByValue` without a window): records are folded into a `Map` as they
 * arrive; at the end of the batch (or of a window group, when the input is a
 * windowed stream) the result records are emitted and the map is dropped.
 */
import type { BatchInfo, WindowBounds } from '../core/types.js';
import { Emitter, type StreamNode } from '../core/node.js';
import type { KeyedReducer } from './keyed-map.js';
import type { HashtagCounter } from './hashtags.js';
import { ValueCounts } from './value-counts.js';

/** The partial aggregates of a batch or group: per key, or counts by value. */
type Partials = Map<unknown, unknown> | ValueCounts;

/** Node of a per-batch (or per-group) aggregation. */
export class AggregateNode extends Emitter implements StreamNode, HashtagCounter {
  /** Count by value: the partials are `ValueCounts` (one lookup per record), else maps of partials. */
  private readonly counting: boolean;
  private batchMap: Partials;
  private groupMap: Partials | null = null;
  private group: WindowBounds | null = null;

  /**
   * @param reducer how records are combined.
   * @param emitsDefaultGroup whether this stream reports every batch (false
   *   downstream of windows): only then does `count` emit 0 for an empty batch.
   */
  constructor(private readonly reducer: KeyedReducer, private readonly emitsDefaultGroup: boolean) {
    super();
    this.counting = reducer.countsValues;
    this.batchMap = this.fresh();
  }

  private fresh(): Partials {
    return this.counting ? new ValueCounts(this.reducer.copyKeys) : new Map();
  }

  record(value: unknown): void {
    const map = this.groupMap ?? this.batchMap;
    if (this.counting) (map as ValueCounts).add(this.reducer.valueKey(value));
    else this.reducer.add(map as Map<unknown, unknown>, value);
  }
  /** Count by value: the hashtags of a text counted in place (`ValueCounts.addHashtags`). */
  hashtagCounter(): ((text: string) => void) | undefined {
    if (!this.counting) return undefined;
    return (text) => ((this.groupMap ?? this.batchMap) as ValueCounts).addHashtags(text);
  }
  beginGroup(bounds: WindowBounds): void {
    this.group = bounds;
    this.groupMap = this.fresh();
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
    this.batchMap = this.fresh();
    this.out.endBatch(batch);
  }

  private emit(map: Partials, tMs: number, emitEmpty: boolean): void {
    if (map.size === 0) {
      const empty = this.reducer.agg.emitEmpty;
      if (emitEmpty && empty !== undefined) this.out.record(empty, tMs);
      return;
    }
    const reducer = this.reducer;
    if (map instanceof ValueCounts) {
      const { keys, counts } = map;
      for (let i = 0; i < keys.length; i++) this.out.record(reducer.output(keys[i], counts[i]), tMs);
    } else {
      for (const [k, v] of map) this.out.record(reducer.output(k, v), tMs);
    }
  }
}
