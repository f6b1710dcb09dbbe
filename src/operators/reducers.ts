/**
 * Reduce functions and aggregation descriptions shared by the batch
 * aggregations (`reduce`, `count`, `reduceByKey`, `countByValue`) and their
 * windowed forms.
 *
 * A reduce function must be associative (Spark's requirement for
 * `reduceByKey`): panes are combined in time order, older on the left, so it
 * need not be commutative.
 */

/** A reduce function: `(older, newer) => combined`. */
export type ReduceFn = (a: any, b: any) => unknown;

/** Built-in reducer names accepted by `--reduce` and `--reduce-by-key`. */
export const BUILTIN_REDUCERS = ['sum', 'count', 'min', 'max'] as const;
export type BuiltinReducer = (typeof BUILTIN_REDUCERS)[number];

/**
 * How an aggregation takes `(key, value)` from a record:
 * - `pair`: the record is `[key, value]` (reduceByKey); anything else is a bad record;
 * - `value`: the record is the key, the value is 1 (countByValue);
 * - `single`: one global key, the record is the value (reduce);
 * - `count`: one global key, the value is 1 (count).
 */
export type KeyMode = 'pair' | 'value' | 'single' | 'count';

/** A complete, immutable description of an aggregation. */
export interface Aggregation {
  readonly keyMode: KeyMode;
  /** Combines two partial aggregates (older first). */
  readonly combine: ReduceFn;
  /** Maps an input value before it is combined (`sum`: `Number(v)`, `count`: 1). */
  readonly lift?: (v: unknown) => unknown;
  /** Inverse of `combine` (Spark's invReduceFunc), for windows computed by subtraction. */
  readonly inverse?: ReduceFn;
  /** Keys whose pair fails this test are evicted from an inverse-maintained window (Spark's filterFunc). */
  readonly keep?: (pair: [unknown, unknown]) => boolean;
  /** Emit a result even for an empty batch/processing-time window (`count` gives 0, as Spark). */
  readonly emitEmpty?: unknown;
  /** Operator label for messages, e.g. `--reduce-by-key sum`. */
  readonly label: string;
}

const add: ReduceFn = (a, b) => a + b;

/** The reduce function and value mapping of a built-in reducer name. */
export function builtinReducer(name: BuiltinReducer): { combine: ReduceFn; lift?: (v: unknown) => unknown } {
  switch (name) {
    case 'sum':
      return { combine: add, lift: (v) => +(v as number) };
    case 'count':
      return { combine: add, lift: () => 1 };
    case 'min':
      return { combine: (a, b) => (b < a ? b : a) };
    case 'max':
      return { combine: (a, b) => (b > a ? b : a) };
  }
}

/** True when `name` is a built-in reducer name. */
export function isBuiltinReducer(name: string): name is BuiltinReducer {
  return (BUILTIN_REDUCERS as readonly string[]).includes(name);
}
