/**
 * The one contract of every output destination (Structured Streaming's
 * `Sink.addBatch(batchId, data)`): stdout, `--output FILE`, `--output-dir DIR`,
 * `--output kafka://…`. The rows of a batch arrive as text through `write`;
 * `addBatch(batchId)` at the batch's end says they are all of batch
 * `batchId` and hands them on (made durable under a checkpoint).
 *
 * `addBatch` is idempotent per batch id, so the engine never mutes, rewinds or
 * syncs a sink by hand: under a checkpoint, recovery first gives each sink the
 * logs' account of it (`recover`), and the sink then decides for itself —
 * - a batch committed before the crash and re-run: its rows are dropped (they
 *   were written then);
 * - the batch in flight at the crash, re-run: written again from where the
 *   batch started (a file is cut back to that length; a Kafka batch whose
 *   transaction did commit is not sent again); stdout may repeat it (at least
 *   once);
 * - a new batch: written.
 * Without `recover` (no checkpoint) `addBatch` just hands the rows on.
 */
import type { RowBytes } from './row-bytes.js';

/** A text destination. `write` may buffer; `flush` hands everything written to the OS. */
export interface Output {
  write(text: string): void;
  flush(): void;
  /**
   * Optional: the buffer rows may be formatted into as UTF-8 bytes instead of `write` (in order
   * with it), or null while this output drops what is written.
   */
  rowBytes?(): RowBytes | null;
  /**
   * Optional: the line end json/tsv/csv rows must end with here, CRLF in a file whose lines end
   * so (appended-header.ts `lineEndOf`); LF when absent.
   */
  lineEnd?(): '\n' | '\r\n';
}

/** What the checkpoint's logs say of one sink before recovery re-runs the logged batches. */
export interface SinkLog {
  /** The re-run batches with an id up to this one were committed before the crash; −1: none was. */
  committedId: number;
  /** The batch in flight at the crash (logged, not committed), re-run last: its id and the sink's `position()` when it started. */
  inFlight: { batchId: number; startedAt: unknown } | null;
}

/** An output destination (see module doc). */
export interface Sink extends Output {
  /** Name in the checkpoint's logs, e.g. `file:/out/counts.tsv`. */
  readonly name: string;
  /** Where the output stands now, as plain JSON (a file's length, Kafka's committed batches; null: none). */
  position(): unknown;
  /** Under a checkpoint, before any batch is run: the logs' account of this sink (a file is cut back here). */
  recover(log: SinkLog): void;
  /**
   * The rows written since the last `addBatch` are batch `batchId`: written, or dropped when
   * this sink has already written that batch (see module doc). Made durable under a checkpoint.
   * @throws DStreamError when the destination fails (the batch is then not committed).
   */
  addBatch(batchId: number): void;
}

/** True when `out` is a `Sink` (a plain `Output` is flushed at the end of a batch instead). */
export function isSink(out: Output): out is Sink {
  return typeof (out as Sink).addBatch === 'function';
}

/** True when batch `batchId` was committed before the crash, by `log` (null: no checkpoint). */
export function committedBefore(log: SinkLog | null, batchId: number): boolean {
  return log !== null && batchId <= log.committedId;
}

/** One batch recovery re-runs, as the checkpoint's logs hold it (`Recovery.batches` of checkpoint-store.ts). */
export interface LoggedBatch {
  offsets: { id: number; outputs?: Record<string, unknown> };
  /** Null for the batch that was in flight. */
  commit: unknown;
}

/** The `SinkLog` of the sink named `name` from the batches recovery re-runs (in order). */
export function sinkLogOf(batches: readonly LoggedBatch[], name: string): SinkLog {
  let committedId = -1;
  let inFlight: SinkLog['inFlight'] = null;
  for (const b of batches) {
    if (b.commit !== null) committedId = Math.max(committedId, b.offsets.id);
    else inFlight = { batchId: b.offsets.id, startedAt: b.offsets.outputs?.[name] };
  }
  return { committedId, inFlight };
}
