/**
 * Spark's `queueStream(queue, oneAtATime = true)`: each batch takes the next
 * array of records from a queue. For tests and demos; with `endWhenEmpty`, the
 * input ends when the queue is exhausted.
 */
import type { Source, SourceSink } from './source.js';

/** A queue of batches (see module doc). */
export class QueueSource<T> implements Source {
  readonly name = 'queue';
  private sink: SourceSink | null = null;
  constructor(private readonly queue: T[][], private readonly endWhenEmpty = false) {}
  start(sink: SourceSink): void {
    this.sink = sink;
  }
  stop(): void {
    this.sink = null;
  }
  onBatch(): void {
    const sink = this.sink;
    if (!sink) return;
    const batch = this.queue.shift();
    if (batch) for (const r of batch) sink.record(r);
    if (this.endWhenEmpty && this.queue.length === 0) queueMicrotask(() => this.sink?.end());
  }
}
