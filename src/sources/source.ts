/**
 * The contract of a receiver (Spark's `Receiver` / Structured Streaming's
 * `Source`, reduced to what a single process needs): start pushing records,
 * say when the input has ended, stop on request.
 */
import type { Millis } from '../core/types.js';

/** What a source pushes into. All calls synchronous. */
export interface SourceSink {
  /** One record of the batch being received. */
  record(value: unknown): void;
  /** The source has no more input (EOF). */
  end(): void;
  /** The source failed; the job stops with this error (exit 1). */
  fail(err: unknown): void;
}

/** A receiver. */
export interface Source {
  /** Name for messages, e.g. `stdin`. */
  readonly name: string;
  /** Starts receiving into `sink`. */
  start(sink: SourceSink): void;
  /** Stops receiving; idempotent. No record is pushed after it returns. */
  stop(): void;
  /** Pull-based sources push the records of batch `timeMs` here, just before it ends. */
  onBatch?(timeMs: Millis): void;
}
