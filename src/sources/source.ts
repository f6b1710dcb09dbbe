/**
 * The contract of a receiver (Spark's `Receiver` / Structured Streaming's
 * `Source`, reduced to what a single process needs): acquire what can fail
 * (`prepare`), start pushing records, say when the input has ended, learn
 * when a batch has been output (`commit`), stop on request.
 *
 * Records are pushed synchronously through the operators as they arrive, so a
 * source that reads one chunk at a time and waits for the push to return is
 * throttled by processing; sources also pause reading while a `Backpressure`
 * says the output is behind, or while a `RateLimiter` budget is used
 * (`flow.ts`).
 */
import type { BatchInfo, Millis } from '../core/types.js';

/** What a source pushes into. All calls synchronous. */
export interface SourceSink {
  /**
   * One record of the batch being received. Returns true when the batch is
   * full (bounded input with `--max-records-per-batch`): a source that can
   * stop at this record calls `cut()` before its next record; otherwise the
   * engine ends the batch itself before the next record.
   */
  record(value: unknown): boolean | void;
  /**
   * Bounded input: end the batch being received now (it runs synchronously
   * before `cut` returns). Called at a full batch, or by a directory source
   * after `--max-files-per-batch` files. Ignored for live (clock-cut) input.
   */
  cut?(): void;
  /** The source has no more input (EOF). */
  end(): void;
  /** The source failed; the job stops with this error (exit 1, or 2 for a `ConfigError`). */
  fail(err: unknown): void;
  /**
   * Optional. The input says the batch being received ends here (`--batch-marker`).
   * A context whose batches follow the input runs that batch at once; one cut by
   * the clock ignores it.
   */
  batchEnd?(): void;
}

/** A receiver. */
export interface Source {
  /** Name for messages, e.g. `stdin`, `--listen 127.0.0.1:9000`. */
  readonly name: string;
  /**
   * Optional. Acquires what can fail with a configuration error — binding a
   * port, checking that a directory exists — before any input is read. The CLI
   * awaits it for every source before `StreamingContext.start()`, so such
   * failures exit 2. `start()` must also work without it (it then prepares
   * itself and reports a failure through `sink.fail`).
   * @throws ConfigError (rejects) when the source cannot be set up.
   */
  prepare?(): Promise<void>;
  /** Starts receiving into `sink`. */
  start(sink: SourceSink): void;
  /** Stops receiving; idempotent. No record is pushed after it returns. */
  stop(): void;
  /** Pull-based sources push the records of batch `timeMs` here, just before it ends. */
  onBatch?(timeMs: Millis): void;
  /**
   * Optional. Batch `batch` has been output (Structured Streaming's commit):
   * the input it held may now be cleaned up (`--after-read`). Called after the
   * final batch too, possibly after `stop()`. Never throws. The engine calls it
   * after every batch that ran (engine/micro-batch.ts).
   */
  commit?(batch: BatchInfo): void;
  /**
   * Optional, for a source that is not replayable but can resume (stdin from a
   * regular file): where the input of the batches so far ends, as plain JSON
   * data, stored with each state snapshot of a checkpoint.
   */
  position?(): unknown;
  /**
   * Optional: continue after a `position()` of an earlier run. Called by
   * recovery synchronously after `start()`, before any input is pushed; the
   * source decides whether the position still applies (same file, not shorter).
   */
  resume?(position: unknown): void;
}
