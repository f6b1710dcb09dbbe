/**
 * Explicit batches (`--batch-marker TEXT`, Spark's `queueStream` for replays
 * and tests): a line equal to the marker ends the batch being received and is
 * not a record. The wrapper turns such a line into `SourceSink.batchEnd()`;
 * the `StreamingContext` (with `explicitBatches`) runs the batch at once, so
 * batches follow the input, not the clock. Any source can be wrapped; with
 * several sources a marker in any of them ends the batch for all.
 */
import type { BatchInfo, Millis } from '../core/types.js';
import { carriageReturnsKept } from './line-splitter.js';
import type { Source, SourceSink } from './source.js';

/** A source whose marker lines end batches (see module doc). */
export class BatchMarkerSource implements Source {
  readonly name: string;
  /**
   * @param inner the source of lines.
   * @param marker a line equal to it (after the line terminator, `\r\n` included, is removed) ends the batch.
   */
  constructor(private readonly inner: Source, readonly marker: string) {
    this.name = inner.name;
  }

  prepare(): Promise<void> {
    return this.inner.prepare?.() ?? Promise.resolve();
  }

  start(sink: SourceSink): void {
    const marker = this.marker;
    // Lines that keep their CR (`--parse csv`) end a marker line in CR too.
    const markerCr = carriageReturnsKept() ? `${marker}\r` : marker;
    this.inner.start({
      record: (v) => {
        if (v === marker || v === markerCr) sink.batchEnd?.();
        else sink.record(v);
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
