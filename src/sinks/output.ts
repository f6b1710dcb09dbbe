/**
 * Where sinks write text. The CLI writes to stdout; tests write to memory.
 */
import type { Output, Sink, SinkLog } from './sink.js';

export type { Output } from './sink.js';

/** An `Output` collecting everything in memory (`text`), for tests and the library. */
export class MemoryOutput implements Output {
  text = '';
  write(text: string): void {
    this.text += text;
  }
  flush(): void {}
}

/**
 * A `Sink` over a Node writable (e.g. `process.stdout`): buffers up to
 * `highWaterChars` characters, then writes; `flush` writes what is buffered.
 * Nothing is written after `closed` is set (the reader went away). Under a
 * checkpoint it is at least once: while recovery re-runs batches committed
 * before the crash (synchronously, before any new input), their rows are
 * dropped; the batch in flight at the crash may print again.
 */
export class StreamOutput implements Output, Sink {
  readonly name = 'stdout';
  /** Text written since the last flush: one string grown by `+=` (a rope V8 flattens once, in `stream.write`). */
  private text = '';
  /** Recovery: rows are dropped until this batch, committed before the crash, has been re-run; −1: none. */
  private dropThrough = -1;
  closed = false;
  constructor(private readonly stream: NodeJS.WritableStream, private readonly highWaterChars = 1 << 16) {}
  write(text: string): void {
    if (this.closed || this.dropThrough >= 0) return;
    this.text += text;
    if (this.text.length >= this.highWaterChars) this.flush();
  }
  /** stdout has no position to log. */
  position(): null {
    return null;
  }
  recover(log: SinkLog): void {
    this.dropThrough = log.committedId;
  }
  addBatch(batchId: number): void {
    if (batchId >= this.dropThrough) this.dropThrough = -1;
    this.flush();
  }
  flush(): void {
    if (this.closed || this.text.length === 0) return;
    const chunk = this.text;
    this.text = '';
    this.stream.write(chunk);
  }
}
