/**
 * Explicit batches (`--batch-marker TEXT`, Spark's `queueStream` for replays
 * and tests): a line equal to the marker ends the batch being received and is
 * not a record. The wrapper turns such a line into `SourceSink.batchEnd()`;
 * the `StreamingContext` (with `explicitBatches`) runs the batch at once, so
 * batches follow the input, not the clock. Any source can be wrapped; with
 * several sources a marker in any of them ends the batch for all.
 *
 * Only a marker line between records is a boundary: with records that span
 * lines (`--parse csv`, a quoted field holding line breaks) a `RecordSpan`
 * follows the lines, and a line equal to the marker inside an open record is
 * that record's text, passed on as any other line.
 */
import type { BatchInfo, Millis } from '../core/types.js';
import { carriageReturnsKept } from './line-splitter.js';
import type { Source, SourceSink } from './source.js';

/** Follows the lines of a format whose records may span lines, so that a marker line inside a record is data. */
export interface RecordSpan {
  /** True while the lines fed so far end inside a record (csv: a quoted field is open). */
  readonly open: boolean;
  /** Feeds the next line that is not a batch boundary, as received (its CR kept, if any). */
  line(rawLine: string): void;
  /** A new input begins (the next file of a watched directory): no record is open. */
  reset(): void;
}

/** A source whose marker lines end batches (see module doc). */
export class BatchMarkerSource implements Source {
  readonly name: string;
  /**
   * @param inner the source of lines.
   * @param marker a line equal to it (after the line terminator, `\r\n` included, is removed) ends the batch.
   * @param span for records that span lines (csv): a marker line inside an open record is not a boundary.
   */
  constructor(private readonly inner: Source, readonly marker: string, private readonly span?: RecordSpan) {
    this.name = inner.name;
  }

  prepare(): Promise<void> {
    return this.inner.prepare?.() ?? Promise.resolve();
  }

  start(sink: SourceSink): void {
    const marker = this.marker;
    // Lines that keep their CR (`--parse csv`) end a marker line in CR too.
    const markerCr = carriageReturnsKept() ? `${marker}\r` : marker;
    const span = this.span;
    this.inner.start({
      record: (v) => {
        if ((v === marker || v === markerCr) && !span?.open) sink.batchEnd?.();
        else {
          if (span && typeof v === 'string') span.line(v);
          sink.record(v);
        }
      },
      end: () => sink.end(),
      fail: (e) => sink.fail(e),
      batchEnd: () => sink.batchEnd?.(),
    });
  }

  stop(): void {
    this.inner.stop();
  }

  onBatch(timeMs: Millis): void {
    this.inner.onBatch?.(timeMs);
  }

  commit(batch: BatchInfo): void {
    this.inner.commit?.(batch);
  }
}
