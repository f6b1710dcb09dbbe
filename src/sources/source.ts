/**
 * The one contract of every source (Spark's `Receiver`, and Structured
 * Streaming's `Source` for those that can replay): the engine drives it —
 * `prepare`, `start`, then per batch `planBatch` (offsets) → `replayBatch`
 * (read exactly those) or `onBatch` (pull), `commit` after the output, `stop`.
 *
 * Records are pushed synchronously through the operators as they arrive, so a
 * source that waits for each push to return is throttled by processing; it
 * also pauses while a `Backpressure` or a `RateLimiter` says so (`flow.ts`).
 */
import type { BatchInfo, Millis } from '../core/types.js';

/** What a source pushes into. All calls synchronous. */
export interface SourceSink {
  /** One record. True when the batch is full (`--max-records-per-batch`): call `cut()` before the next, or the engine cuts. */
  record(value: unknown): boolean | void;
  /**
   * Optional: `lines` records at once, the lines of `text` joined by LF (`LineSplitter.onText`).
   * False when the job does not take them so, or when the batch would fill within them: then
   * push them one by one with `record`.
   */
  lines?(text: string, lines: number): boolean;
  /** Bounded input: end the batch being received now (it runs before `cut` returns). Ignored for live input. */
  cut?(): void;
  /** The input has ended (EOF). */
  end(): void;
  /** The source failed; the job stops with this error (exit 1, or 2 for a `ConfigError`). */
  fail(err: unknown): void;
  /** The input says the batch ends here (`--batch-marker`); a clock-cut context ignores it. */
  batchEnd?(): void;
}

/** A source: lifecycle, then optionally offsets, commit and resume (see module doc). */
export interface Source {
  /** Name for messages and the key of its offsets in the checkpoint, e.g. `stdin`, `--watch /in`. */
  readonly name: string;
  /**
   * Acquires what can fail with a configuration error (a port, a directory) before any input is
   * read; the CLI awaits it, so such failures exit 2. `start()` works without it.
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
   * Batch `batch` has been output (Structured Streaming's `commit`): the input it held may be
   * cleaned up (`--after-read`). The engine calls it after every batch, the final one too,
   * possibly after `stop()`. Never throws.
   */
  commit?(batch: BatchInfo): void;
  /** Not replayable but resumable (stdin from a regular file): where the input so far ends, plain JSON. */
  position?(): unknown;
  /** Continue after an earlier run's `position()`; called after `start()`, before any push. */
  resume?(position: unknown): void;
}

/**
 * The offsets half (Structured Streaming's `latestOffset`/`getBatch`): with a checkpoint the
 * engine asks for a batch's offsets, logs them durably, and only then has the source push
 * exactly those records — so a re-run after a crash reads the same input. Offsets are plain
 * JSON. Watched directories, Kafka and the write-ahead log (`--wal`) are replayable.
 */
export interface Replayable {
  /** Fixes what batch `timeMs` holds (e.g. everything received so far) and returns its offsets. */
  planBatch(timeMs: Millis): unknown;
  /** Pushes the records of `offsets` (from `planBatch`, or from the offset log on recovery), synchronously. */
  replayBatch(offsets: unknown): void;
  /** Position after the batches so far, plain data, stored with state snapshots. */
  snapshot(): unknown;
  /** Takes back a `snapshot()` before recovery replays the logged batches. */
  restore(data: unknown): void;
  /** A snapshot covering every batch so far is durable: their input may be cleaned up. */
  durable?(offsets: unknown): void;
  /** Called once before `start()` when the job is checkpointed: batches now come from `planBatch`. */
  beginReplayMode?(): void;
}

/** A source that can replay its batches. */
export type ReplayableSource = Source & Replayable;

/** True when a source is replayable. */
export function isReplayable(x: unknown): x is Replayable {
  return typeof (x as Replayable)?.planBatch === 'function' && typeof (x as Replayable)?.replayBatch === 'function';
}
