/**
 * `DStream<T>`: a discretized stream, as in Spark Streaming — a sequence of
 * micro-batches of records of type `T`. Methods mirror Spark's
 * (`map`, `flatMap`, `filter`, `reduceByKey`, `reduceByKeyAndWindow`,
 * `updateStateByKey`, `mapWithState`, …) and only describe the job; nothing
 * runs before `StreamingContext.start()`.
 *
 * Conventions: a pair is a 2-element array `[key, value]`; durations are ms;
 * windows are aligned to the epoch (see `windows/spec.ts`), or to local time
 * for event-time windows of an hour or more when `eventTime` got a zone. A
 * DStream built by `eventTime()` is in event time: its windows are event-time
 * windows closed by the watermark. Invalid plans throw `ConfigError` when the
 * method is called, never at batch time.
 */
import { ConfigError } from '../core/errors.js';
import type { TimeZone } from '../core/time-zone.js';
import type { Millis, Pair } from '../core/types.js';
import type { BatchContext } from '../operators/collect.js';
import type { Aggregation, BuiltinReducer, KeyMode, ReduceFn, Reducer } from '../operators/reducers.js';
import type { MapHooks, StatelessStep } from '../operators/stateless.js';
import { requireFinalResults } from '../state/output-mode.js';
import type { StateHandle } from '../state/state-handle.js';
import { WatermarkTracker } from '../windows/watermark.js';
import {
  checkWindowedAggregate, reducerOf, stateOptionsOf, windowDefOf, type StatefulOptions, type WindowOptions, type WindowReduceOptions,
} from './operator-options.js';
import type { LogicalNode, LogicalOp, StateOptions, StreamHost, WindowDef, WindowOutput } from './plan.js';
import type { StreamNode } from '../core/node.js';

export type { StatefulOptions, WindowOptions, WindowReduceOptions } from './operator-options.js';

/** A discretized stream of records of type `T` (see module doc). */
export class DStream<T> implements LogicalNode {
  /** @internal */
  constructor(
    /** The context the stream was made on (a `StreamingContext`). */
    readonly ssc: StreamHost,
    /** @internal */ readonly op: LogicalOp,
    /** @internal */ readonly parents: readonly DStream<unknown>[],
    /** Watermark (and zone) of an event-time stream, `null` in processing time. */
    readonly eventTimeTracker: WatermarkTracker | null,
    /** True when batches carry window groups (downstream of a window). */
    readonly windowed: boolean,
  ) {}

  /** True when this stream reports every batch (not downstream of a window). */
  get everyBatch(): boolean {
    return !this.windowed;
  }

  private derive<U>(op: LogicalOp, windowed = this.windowed, tracker = this.eventTimeTracker): DStream<U> {
    if (this.op.kind === 'window' && this.op.window.kind !== 'sliding') {
      throw new ConfigError(`${this.op.output.label} needs an aggregation after it (--count, --count-by-value, --reduce, --reduce-by-key)`);
    }
    return new DStream<U>(this.ssc, op, [this as DStream<unknown>], tracker, windowed);
  }

  private pendingWindow(): { parent: DStream<unknown>; window: WindowDef; output: WindowOutput } | null {
    return this.op.kind === 'window' ? { parent: this.parents[0]!, window: this.op.window, output: this.op.output } : null;
  }

  private stateless<U>(step: StatelessStep): DStream<U> {
    const w = this.pendingWindow();
    if (w) {
      // A record-at-a-time step commutes with window(): apply it before the window.
      const inner = w.parent.stateless<unknown>(step);
      return new DStream<U>(this.ssc, { kind: 'window', window: w.window, output: w.output }, [inner], inner.eventTimeTracker, true);
    }
    if (this.op.kind === 'stateless') {
      // Fuse with the preceding stateless steps (one pass per record).
      return new DStream<U>(this.ssc, { kind: 'stateless', steps: [...this.op.steps, step] }, this.parents, this.eventTimeTracker, this.windowed);
    }
    return this.derive<U>({ kind: 'stateless', steps: [step] });
  }

  /**
   * Spark's `map`: one output record per input record. `label` names it in
   * messages about records; with `name`, it is warned about by that name when
   * it returns `undefined` for every record of a batch (see operators/stateless.ts).
   * @param hooks for a function with state (a CSV parser): `atEnd`, called once
   *   at the end of input, and `snapshot`/`restore` for checkpoints.
   */
  map<U>(fn: (x: T) => U, label = 'map', name?: string, hooks?: MapHooks): DStream<U> {
    return this.stateless<U>({ kind: 'map', fn, label, name, hooks });
  }

  /** Spark's `flatMap`: `fn` returns an array or iterable (or null/undefined for none). `label`, `name`: as `map`. */
  flatMap<U>(fn: (x: T) => Iterable<U> | U[] | null | undefined, label = 'flatMap', name?: string): DStream<U> {
    return this.stateless<U>({ kind: 'flatMap', fn, label, name });
  }

  /** Spark's `filter`: keeps records for which `fn` is truthy. `label`, `name`: as `map`. */
  filter(fn: (x: T) => unknown, label = 'filter', name?: string): DStream<T> {
    return this.stateless<T>({ kind: 'filter', fn, label, name });
  }

  /**
   * Assigns event time: `fn(record)` gives a number (epoch ms), a `Date` or a
   * time string (see `toEventTimeMs`). Records made from this one by later
   * steps keep its time. Windows after it are event-time windows; the
   * watermark is max event time − `watermarkDelayMs`. With `zone`, zone-less
   * strings are wall time there and windows of an hour or more follow local time.
   * @throws ConfigError when the stream already has event time or is windowed.
   */
  eventTime(fn: (x: T) => unknown, options: { watermarkDelayMs?: Millis; label?: string; zone?: TimeZone } = {}): DStream<T> {
    if (this.windowed) throw new ConfigError('--event-time must come before --window and windowed aggregations');
    if (this.eventTimeTracker) throw new ConfigError('event time is already assigned: give --event-time once');
    const delay = options.watermarkDelayMs ?? 0;
    if (!(delay >= 0)) throw new ConfigError(`watermark delay must be ≥ 0 ms, got ${delay}`);
    const tracker = new WatermarkTracker(delay, options.zone);
    const step: StatelessStep = { kind: 'eventTime', fn, label: options.label ?? 'eventTime', tracker };
    if (this.op.kind === 'stateless') {
      return new DStream<T>(this.ssc, { kind: 'stateless', steps: [...this.op.steps, step] }, this.parents, tracker, false);
    }
    return this.derive<T>({ kind: 'stateless', steps: [step] }, false, tracker);
  }

  private aggregate<U>(keyMode: KeyMode, reducer: Reducer, label: string, extra: Partial<Aggregation> = {}): DStream<U> {
    const agg: Aggregation = { keyMode, ...reducer, label, ...extra };
    const w = this.pendingWindow();
    if (w) return w.parent.windowedAggregate<U>(agg, w.window, w.output);
    return this.derive<U>({ kind: 'aggregate', agg });
  }

  private windowedAggregate<U>(agg: Aggregation, window: WindowDef, output: WindowOutput): DStream<U> {
    checkWindowedAggregate(window, output, this.windowed, this.eventTimeTracker !== null);
    return this.derive<U>({ kind: 'windowedAggregate', agg, window, output }, true);
  }

  private windowDef(windowMs: Millis, slideMs: Millis | undefined): WindowDef {
    return windowDefOf(windowMs, slideMs, this.eventTimeTracker, this.ssc.batchIntervalMs);
  }

  private outputOf(options: WindowOptions, label: string): WindowOutput {
    return { mode: options.outputMode, allowedLatenessMs: options.allowedLatenessMs, label: options.label ?? label };
  }

  /** Spark's `reduce`: one record per batch, the reduction of all records (none for an empty batch). */
  reduce(fn: ((a: T, b: T) => T) | BuiltinReducer, label = 'reduce'): DStream<T> {
    return this.aggregate<T>('single', reducerOf(fn), label);
  }

  /** Spark's `count`: one record per batch, the number of records (0 for an empty batch). */
  count(label = 'count'): DStream<number> {
    return this.aggregate<number>('count', { combine: (a, b) => a + b }, label, { emitEmpty: 0 });
  }

  /** Spark's `countByValue`: `[value, count]` pairs per batch. */
  countByValue(label = 'countByValue'): DStream<Pair<T, number>> {
    return this.aggregate<Pair<T, number>>('value', { combine: (a, b) => a + b }, label);
  }

  /** Spark's `reduceByKey` on a stream of pairs: `[key, reduced value]` per key per batch. Non-pairs are bad records. */
  reduceByKey<K, V>(this: DStream<Pair<K, V>>, fn: ((a: V, b: V) => V) | BuiltinReducer, label = 'reduceByKey'): DStream<Pair<K, V>> {
    return this.aggregate<Pair<K, V>>('pair', reducerOf(fn), label);
  }

  /**
   * Spark's `window(windowLength, slideInterval)`: each result holds the
   * records of the window. Followed by an aggregation, it is that aggregation
   * over the window (`window(w).countByValue()` ≡ `countByValueAndWindow(w)`).
   */
  window(windowMs: Millis, slideMs?: Millis, options: WindowOptions = {}): DStream<T> {
    const output = this.outputOf(options, 'window');
    if (this.windowed) throw new ConfigError(`${output.label}: the stream is already windowed; give one window per job`);
    return this.derive<T>({ kind: 'window', window: this.windowDef(windowMs, slideMs), output }, true);
  }

  /**
   * Session windows over event time (Structured Streaming's `session_window`):
   * per key, events closer than `gapMs` form one session. Must be followed by
   * an aggregation (`countByValue`, `reduceByKey`, `count`, `reduce`).
   * @throws ConfigError without event time.
   */
  sessionWindow(gapMs: Millis, options: WindowOptions = {}): DStream<T> {
    const output = this.outputOf(options, 'sessionWindow');
    if (!this.eventTimeTracker) throw new ConfigError(`${output.label} needs --event-time`);
    if (!(gapMs > 0)) throw new ConfigError(`${output.label}: the gap must be positive`);
    if (this.windowed) throw new ConfigError(`${output.label}: the stream is already windowed; give one window per job`);
    return new DStream<T>(this.ssc, { kind: 'window', window: { kind: 'session', gapMs }, output }, [this as DStream<unknown>], this.eventTimeTracker, true);
  }

  /** Spark's `reduceByWindow`: one record per window. */
  reduceByWindow(fn: ((a: T, b: T) => T) | BuiltinReducer, windowMs: Millis, slideMs?: Millis, options: WindowOptions = {}): DStream<T> {
    const output = this.outputOf(options, 'reduceByWindow');
    return this.windowedAggregate<T>({ keyMode: 'single', ...reducerOf(fn), label: output.label }, this.windowDef(windowMs, slideMs), output);
  }

  /** Spark's `countByWindow`: the number of records per window (0 for an empty processing-time window). */
  countByWindow(windowMs: Millis, slideMs?: Millis, options: WindowOptions = {}): DStream<number> {
    const output = this.outputOf(options, 'countByWindow');
    return this.windowedAggregate<number>({ keyMode: 'count', combine: (a, b) => a + b, emitEmpty: 0, label: output.label }, this.windowDef(windowMs, slideMs), output);
  }

  /** Spark's `countByValueAndWindow`: `[value, count]` per window. */
  countByValueAndWindow(windowMs: Millis, slideMs?: Millis, options: WindowOptions = {}): DStream<Pair<T, number>> {
    const output = this.outputOf(options, 'countByValueAndWindow');
    return this.windowedAggregate({ keyMode: 'value', combine: (a, b) => a + b, label: output.label }, this.windowDef(windowMs, slideMs), output);
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
    const output = this.outputOf(options, 'reduceByKeyAndWindow');
    const agg: Aggregation = {
      keyMode: 'pair', ...reducerOf(fn), label: output.label,
      inverse: options.invFn as ReduceFn | undefined,
      keep: options.filterFn as ((p: [unknown, unknown]) => boolean) | undefined,
    };
    return this.windowedAggregate(agg, this.windowDef(windowMs, slideMs), output);
  }

  private stateOptions(options: StatefulOptions, label: string): StateOptions {
    return stateOptionsOf(options, label, this.windowed, this.eventTimeTracker !== null);
  }

  /**
   * Spark's `updateStateByKey` (with time): `fn(values, state, batchTimeMs) =>
   * newState` for every key with new values and every key with state (values
   * `[]`); `undefined` removes the key. The stream after it holds `[key, state]` pairs: all keys
   * every batch (`complete`, default), changed keys (`update`), or final states
   * of timed-out keys (`append`, needs event time and a state timeout).
   */
  updateStateByKey<K, V, S>(this: DStream<Pair<K, V>>, fn: (values: V[], state: S | undefined, batchTimeMs: Millis) => S | undefined, options: StatefulOptions = {}): DStream<Pair<K, S>> {
    const o = this.stateOptions(options, 'updateStateByKey');
    requireFinalResults(o.mode, o.label, this.eventTimeTracker !== null, o.timeout !== undefined);
    return this.derive({ kind: 'updateState', fn: fn as (v: unknown[], s: unknown, t: Millis) => unknown, options: { ...o, mode: o.mode ?? 'complete' } }, false);
  }

  /**
   * Spark's `mapWithState` (`StateSpec.function` with time): `fn(key, value,
   * state, batchTimeMs)` per `[key, value]` record;
   * the stream after it holds the function's results (default, or `append`),
   * or the state table (`complete`: every key, `update`: touched keys).
   */
  mapWithState<K, V, U>(this: DStream<Pair<K, V>>, fn: (key: K, value: V | undefined, state: StateHandle, batchTimeMs: Millis) => U, options: StatefulOptions = {}): DStream<U> {
    const o = this.stateOptions(options, 'mapWithState');
    const mode = o.mode === 'append' ? undefined : o.mode;
    return this.derive({ kind: 'mapWithState', fn: fn as (k: unknown, v: unknown, s: StateHandle, t: Millis) => unknown, options: { ...o, mode } }, false);
  }

  /** The `n` records with the largest values per batch or window (see `operators/top.ts`). */
  top(n: number): DStream<T> {
    if (!Number.isInteger(n) || n < 1) throw new ConfigError(`top: N must be a positive integer, got ${n}`);
    return this.derive<T>({ kind: 'top', n });
  }

  /**
   * Spark's `transform`: replaces each batch's (or window's) records with `fn(records, ctx)`.
   * With `label`, a throwing function or a result that is not an array is a
   * user error for the batch (reported under that label), else it fails the job.
   */
  transform<U>(fn: (records: T[], ctx: BatchContext) => U[], label?: string): DStream<U> {
    return this.derive<U>({ kind: 'transform', fn: fn as (r: unknown[], c: BatchContext) => unknown[], label });
  }

  /** Spark's `union`: the records of this stream and of `others`, batch by batch. */
  union(...others: DStream<T>[]): DStream<T> {
    return unionOf([this, ...others]);
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

/**
 * Spark's `union`: one stream with the records of all `streams`, made on the context of the first.
 * @throws ConfigError for no stream, or streams that differ in event time or windowing.
 */
export function unionOf<T>(streams: readonly DStream<T>[]): DStream<T> {
  if (streams.length === 0) throw new ConfigError('union needs at least one stream');
  const first = streams[0]!;
  const tracker = first.eventTimeTracker;
  if (streams.some((s) => s.eventTimeTracker !== tracker || s.windowed !== first.windowed)) {
    throw new ConfigError('union: all streams must share event time and windowing');
  }
  return new DStream<T>(first.ssc, { kind: 'union' }, streams as readonly DStream<unknown>[], tracker, first.windowed);
}
