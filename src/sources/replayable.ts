/**
 * Replayable receivers (Structured Streaming's `Source` with offsets): with a
 * checkpoint, the engine asks such a source for the offsets of a batch at the
 * batch time, logs them durably, and only then has the source push the
 * records of exactly those offsets — so after a crash the same batch can be
 * re-run with the same input. Watched directories (the files of a batch) and
 * the write-ahead log of stdin/TCP (`--wal`: a byte range) are replayable.
 */
import type { Millis } from '../core/types.js';

/** The replay half of a receiver (see module doc). Offsets are plain JSON data. */
export interface Replayable {
  /** Fixes what batch `timeMs` holds (e.g. everything received so far) and returns its offsets. */
  planBatch(timeMs: Millis): unknown;
  /** Pushes the records of `offsets` (from `planBatch` now, or from the offset log on recovery), synchronously. */
  replayBatch(offsets: unknown): void;
  /** Position after the batches processed so far, as plain data (stored with state snapshots). */
  snapshot(): unknown;
  /** Takes back a `snapshot()` before recovery replays the logged batches. */
  restore(data: unknown): void;
  /** A snapshot covering every batch up to `offsets` is durable: input up to there may be cleaned up. */
  durable?(offsets: unknown): void;
  /** Called once, before `start()`, when the job is checkpointed: from now on batches come from `planBatch`. */
  beginReplayMode?(): void;
}

/** True when a source is replayable. */
export function isReplayable(x: unknown): x is Replayable {
  return typeof (x as Replayable)?.planBatch === 'function' && typeof (x as Replayable)?.replayBatch === 'function';
}
