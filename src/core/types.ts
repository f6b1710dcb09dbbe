/**
 * Shared types of dstream. Every duration and instant inside the library is in
 * milliseconds (`Millis`); instants are epoch milliseconds (UTC).
 */

/** A duration or an instant in milliseconds (instants: since the Unix epoch, UTC). */
export type Millis = number;

/**
 * A key-value pair: a 2-element array `[key, value]`, as Spark's `(K, V)` tuples.
 * Operators such as `reduceByKey` require their input records to be pairs.
 */
export type Pair<K = unknown, V = unknown> = [K, V];

/** True when `x` is a pair: an array of exactly two elements. */
export function isPair(x: unknown): x is Pair {
  return Array.isArray(x) && x.length === 2;
}

/**
 * The bounds of a window, `[startMs, endMs)` in epoch milliseconds. For
 * event-time windows they are event-time bounds; for processing-time windows
 * they are batch-time bounds `(batchTime - windowLength, batchTime]`, written
 * as `[batchTime - windowLength, batchTime)` like Spark's window RDDs.
 */
export interface WindowBounds {
  readonly startMs: Millis;
  readonly endMs: Millis;
  /** True for event-time windows (emitted once, when the watermark passes `endMs`). */
  readonly eventTime: boolean;
}

/** What the engine knows about one micro-batch when it is finished. */
export interface BatchInfo {
  /** Batch time: a multiple of the batch interval (epoch ms), as Spark's `Time`. */
  readonly timeMs: Millis;
  /** Sequence number of the batch, from 0. */
  readonly index: number;
  /** True when open event-time windows are flushed: end of input, or a stop without checkpoint (or with `--drain`). */
  readonly final: boolean;
  /** True for the last batch of this run (end of input or stop), flushed or not. */
  readonly last?: boolean;
  /**
   * True when the input is bounded (a file, or `--once`): batches are cut by
   * the input, not the clock, and stateful tables are output once per run,
   * at its last batch.
   */
  readonly bounded?: boolean;
}
