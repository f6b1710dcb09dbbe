/**
 * `DStream<T>`: a discretized stream, as in Spark Streaming — a sequence of
 * micro-batches of records of type `T`. Methods mirror Spark's
 * (`map`, `flatMap`, `filter`, `reduceByKey`, `reduceByKeyAndWindow`, …) and
 * only describe the job; nothing runs before `StreamingContext.start()`.
 *
 * Conventions: a pair is a 2-element array `[key, value]`; durations are ms;
 * windows are aligned to the epoch (see `windows/spec.ts`). A DStream built by
 * `eventTime()` is in event time: its windows are event-time windows closed by
 * the watermark. Invalid plans throw `ConfigError` when the method is called.
 */
import { ConfigError } from '../core/errors.js';
import type { Millis, Pair } from '../core/types.js';
import type { BatchContext } from '../operators/collect.js';
import { builtinReducer, type Aggregation, type BuiltinReducer, type KeyMode, type ReduceFn } from '../operators/reducers.js';
import type { StatelessStep } from '../operators/stateless.js';
import { windowSpec, type WindowSpec } from '../windows/spec.js';
import { WatermarkTracker } from '../windows/watermark.js';
import type { StreamingContext } from './context.js';
import type { LogicalOp } from './plan.js';
import type { StreamNode } from './node.js';

/** Options of windowed keyed reductions (Spark's `reduceByKeyAndWindow`). */
export interface WindowReduceOptions<V> {
  /** Inverse of the reduce function: window = previous + entering − leaving panes. */
  invFn?: (a: V, b: V) => V;
  /** With `invFn`: keys whose `[key, value]` fails this test are evicted (e.g. counts at 0). */
  filterFn?: (pair: [unknown, V]) => boolean;
  /** Label for messages. */
  label?: string;
}

/** A discretized stream of records of type `T` (see module doc). */
export class DStream<T> {
  /** @internal */
  constructor(
    readonly ssc: StreamingContext,
    /** @internal */ readonly op: LogicalOp,
    /** @internal */ readonly parents: readonly DStream<unknown>[],
    /** Watermark of an event-time stream, `null` in processing time. */
    readonly eventTimeTracker: WatermarkTracker | null,
    /** True when batches carry window groups (downstream of a window). */
    readonly windowed: boolean,
  ) {}

  /** True when this stream reports every batch (not downstream of a window). */
  get everyBatch(): boolean {
    return !this.windowed;
  }

  private derive<U>(op: LogicalOp, windowed = this.windowed, tracker = this.eventTimeTracker): DStream<U> {
    return new DStream<U>(this.ssc, op, [this as DStream<unknown>], tracker, windowed);
  }

  private pendingWindow(): { parent: DStream<unknown>; spec: WindowSpec; label: string } | null {
    return this.op.kind === 'window' ? { parent: this.parents[0]!, spec: this.op.spec, label: this.op.label } : null;
  }

  private stateless<U>(step: StatelessStep): DStream<U> {
    const w = this.pendingWindow();
    if (w) {
      // A record-at-a-time step commutes with window(): apply it before the window.
      const inner = w.parent.stateless<unknown>(step);
      return new DStream<U>(this.ssc, { kind: 'window', spec: w.spec, label: w.label }, [inner], inner.eventTimeTracker, true);
    }
    if (this.op.kind === 'stateless') {
      // Fuse with the preceding stateless steps (one pass per record).
      return new DStream<U>(this.ssc, { kind: 'stateless', steps: [...this.op.steps, step] }, this.parents, this.eventTimeTracker, this.windowed);
    }
    return this.derive<U>({ kind: 'stateless', steps: [step] });
  }

  /** Spark's `map`: one output record per input record. */
  map<U>(fn: (x: T) => U, label = 'map'): DStream<U> {
    return this.stateless<U>({ kind: 'map', fn, label });
  }

  /** Spark's `flatMap`: `fn` returns an array or iterable (or null/undefined for none). */
  flatMap<U>(fn: (x: T) => Iterable<U> | U[] | null | undefined, label = 'flatMap'): DStream<U> {
    return this.stateless<U>({ kind: 'flatMap', fn, label });
  }

  /** Spark's `filter`: keeps records for which `fn` is truthy. */
  filter(fn: (x: T) => unknown, label = 'filter'): DStream<T> {
    return this.stateless<T>({ kind: 'filter', fn, label });
  }

  /**
   * Assigns event time: `fn(record)` gives a number (epoch ms), a `Date` or a
   * time string (see `toEventTimeMs`). Records made from this one by later
   * steps keep its time. Windows after it are event-time windows; the
   * watermark is max event time − `watermarkDelayMs`.
   * @throws ConfigError when the stream already has event time or is windowed.
   */
  eventTime(fn: (x: T) => unknown, options: { watermarkDelayMs?: Millis; label?: string } = {}): DStream<T> {
    if (this.windowed) throw new ConfigError('--event-time must come before --window and windowed aggregations');
    if (this.eventTimeTracker) throw new ConfigError('event time is already assigned: give --event-time once');
    const delay = options.watermarkDelayMs ?? 0;
    if (!(delay >= 0)) throw new ConfigError(`watermark delay must be ≥ 0 ms, got ${delay}`);
    const tracker = new WatermarkTracker(delay);
    const step: StatelessStep = { kind: 'eventTime', fn, label: options.label ?? 'eventTime', tracker };
    if (this.op.kind === 'stateless') {
      return new DStream<T>(this.ssc, { kind: 'stateless', steps: [...this.op.steps, step] }, this.parents, tracker, false);
    }
    return this.derive<T>({ kind: 'stateless', steps: [step] }, false, tracker);
  }

  private aggregate<U>(keyMode: KeyMode, combine: ReduceFn, label: string, extra: Partial<Aggregation> = {}): DStream<U> {
    const agg: Aggregation = { keyMode, combine, label, ...extra };
    const w = this.pendingWindow();
    if (w) return w.parent.windowedAggregate<U>(agg, w.spec, w.label);
    return this.derive<U>({ kind: 'aggregate', agg });
  }

  private windowedAggregate<U>(agg: Aggregation, spec: WindowSpec, label: string): DStream<U> {
    if (this.windowed) throw new ConfigError(`${label}: the stream is already windowed; give one window per job`);
    return this.derive<U>({ kind: 'windowedAggregate', agg, spec, label }, true);
  }

  private spec(windowMs: Millis, slideMs: Millis | undefined): WindowSpec {
    return windowSpec(windowMs, slideMs, this.ssc.batchIntervalMs, this.eventTimeTracker !== null);
  }

  /** Spark's `reduce`: one record per batch, the reduction of all records (none for an empty batch). */
  reduce(fn: ((a: T, b: T) => T) | BuiltinReducer, label = 'reduce'): DStream<T> {
    const r = typeof fn === 'string' ? builtinReducer(fn) : { combine: fn as ReduceFn };
    return this.aggregate<T>('single', r.combine, label, { lift: r.lift });
  }

  /** Spark's `count`: one record per batch, the number of records (0 for an empty batch). */
  count(label = 'count'): DStream<number> {
    return this.aggregate<number>('count', (a, b) => a + b, label, { emitEmpty: 0 });
  }

  /** Spark's `countByValue`: `[value, count]` pairs per batch. */
  countByValue(label = 'countByValue'): DStream<Pair<T, number>> {
    return this.aggregate<Pair<T, number>>('value', (a, b) => a + b, label);
  }

  /** Spark's `reduceByKey` on a stream of pairs: `[key, reduced value]` per key per batch. Non-pairs are bad records. */
  reduceByKey<K, V>(this: DStream<Pair<K, V>>, fn: ((a: V, b: V) => V) | BuiltinReducer, label = 'reduceByKey'): DStream<Pair<K, V>> {
    const r = typeof fn === 'string' ? builtinReducer(fn) : { combine: fn as ReduceFn };
    return this.aggregate<Pair<K, V>>('pair', r.combine, label, { lift: r.lift });
  }

  /** Spark's `window(windowLength, slideInterval)`: each result holds the records of the window. */
  window(windowMs: Millis, slideMs?: Millis, label = 'window'): DStream<T> {
    if (this.windowed) throw new ConfigError(`${label}: the stream is already windowed; give one window per job`);
    return this.derive<T>({ kind: 'window', spec: this.spec(windowMs, slideMs), label }, true);
  }

  /** Spark's `reduceByWindow`: one record per window. */
  reduceByWindow(fn: ((a: T, b: T) => T) | BuiltinReducer, windowMs: Millis, slideMs?: Millis, label = 'reduceByWindow'): DStream<T> {
    const r = typeof fn === 'string' ? builtinReducer(fn) : { combine: fn as ReduceFn };
    return this.windowedAggregate<T>({ keyMode: 'single', combine: r.combine, lift: r.lift, label }, this.spec(windowMs, slideMs), label);
  }

  /** Spark's `countByWindow`: the number of records per window (0 for an empty processing-time window). */
  countByWindow(windowMs: Millis, slideMs?: Millis, label = 'countByWindow'): DStream<number> {
    return this.windowedAggregate<number>({ keyMode: 'count', combine: (a, b) => a + b, emitEmpty: 0, label }, this.spec(windowMs, slideMs), label);
  }

  /** Spark's `countByValueAndWindow`: `[value, count]` per window. */
  countByValueAndWindow(windowMs: Millis, slideMs?: Millis, label = 'countByValueAndWindow'): DStream<Pair<T, number>> {
    return this.windowedAggregate({ keyMode: 'value', combine: (a, b) => a + b, label }, this.spec(windowMs, slideMs), label);
  }

  /**
   * Spark's `reduceByKeyAndWindow`: `[key, value]` per key per window. Without
   * `invFn`, each key's window is kept as two stacks of pane partials (exact,
   * no zero-valued keys left behind); with `invFn`, Spark's subtract-on-evict.
   */
  reduceByKeyAndWindow<K, V>(
    this: DStream<Pair<K, V>>,
    fn: ((a: V, b: V) => V) | BuiltinReducer,
    windowMs: Millis,
    slideMs?: Millis,
    options: WindowReduceOptions<V> = {},
  ): DStream<Pair<K, V>> {
    const r = typeof fn === 'string' ? builtinReducer(fn) : { combine: fn as ReduceFn };
    const label = options.label ?? 'reduceByKeyAndWindow';
    const agg: Aggregation = {
      keyMode: 'pair', combine: r.combine, lift: r.lift, label,
      inverse: options.invFn as ReduceFn | undefined,
      keep: options.filterFn as ((p: [unknown, unknown]) => boolean) | undefined,
    };
    return this.windowedAggregate(agg, this.spec(windowMs, slideMs), label);
  }

  /** The `n` records with the largest values per batch or window (see `operators/top.ts`). */
  top(n: number): DStream<T> {
    if (!Number.isInteger(n) || n < 1) throw new ConfigError(`top: N must be a positive integer, got ${n}`);
    return this.derive<T>({ kind: 'top', n });
  }

  /** Spark's `transform`: replaces each batch's (or window's) records with `fn(records, ctx)`. */
  transform<U>(fn: (records: T[], ctx: BatchContext) => U[]): DStream<U> {
    return this.derive<U>({ kind: 'transform', fn: fn as (r: unknown[], c: BatchContext) => unknown[] });
  }

  /** Spark's `union`: the records of this stream and of `others`, batch by batch. */
  union(...others: DStream<T>[]): DStream<T> {
    return this.ssc.union(this, ...others);
  }

  /** Output operation: `fn(records, ctx)` for every batch (and every window result). */
  foreachBatch(fn: (records: T[], ctx: BatchContext) => void): void {
    this.ssc.registerOutput(this.derive<unknown>({ kind: 'foreach', fn: fn as (r: unknown[], c: BatchContext) => void }));
  }

  /** Output operation: Spark's `print(num)` frame to the context's output. */
  print(num = 10): void {
    this.ssc.registerOutput(this.derive<unknown>({ kind: 'sink', create: (everyBatch) => this.ssc.printSink(num, everyBatch) }));
  }

  /** Output operation with a custom node (the CLI's formatted output). */
  output(create: (everyBatch: boolean) => StreamNode): void {
    this.ssc.registerOutput(this.derive<unknown>({ kind: 'sink', create }));
  }
}
