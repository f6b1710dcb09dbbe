/**
 * Spark's `queueStream(queue, oneAtATime = true)`: each batch takes the next
 * array of records from a queue. For tests, demos and benchmarks; with
 * `endWhenEmpty`, the input ends when the queue is exhausted. The queue is
 * kept whole, so the source is replayable (offsets: the array's position).
 */
import type { Replayable, Source, SourceSink } from './source.js';

/** A queue of batches (see module doc). */
export class QueueSource<T> implements Source, Replayable {
  readonly name = 'queue';
  private sink: SourceSink | null = null;
  private next = 0;
  constructor(private readonly queue: T[][], private readonly endWhenEmpty = false) {}
  start(sink: SourceSink): void {
    this.sink = sink;
  }
  stop(): void {
    this.sink = null;
  }
  onBatch(): void {
    this.replayBatch(this.planBatch());
  }
  planBatch(): { index: number } {
    return { index: this.next < this.queue.length ? this.next++ : -1 };
  }
  replayBatch(offsets: unknown): void {
    const sink = this.sink;
    const i = (offsets as { index: number } | undefined)?.index ?? -1;
    if (!sink) return;
    if (i >= 0) {
      this.next = Math.max(this.next, i + 1);
      for (const r of this.queue[i]!) sink.record(r);
    }
    if (this.endWhenEmpty && this.next >= this.queue.length) queueMicrotask(() => this.sink?.end());
  }
  snapshot(): unknown {
    return { next: this.next };
  }
  restore(data: unknown): void {
    this.next = (data as { next: number }).next;
  }
}
