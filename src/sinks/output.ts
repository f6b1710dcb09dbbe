/**
 * Where sinks write text. The CLI writes to stdout; tests write to memory.
 */
import { RowBytes } from './row-bytes.js';
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
 * `highWaterBytes` bytes of UTF-8 (`RowBytes`, which rows are also formatted
 * into directly), then writes; `flush` writes what is buffered. Nothing is
 * written after `closed` is set (the reader went away). Under a
 * checkpoint it is at least once: while recovery re-runs batches committed
 * before the crash (synchronously, before any new input), their rows are
 * dropped; the batch in flight at the crash may print again.
 */
export class StreamOutput implements Output, Sink {
  readonly name = 'stdout';
  /** Bytes written since the last flush. */
  private readonly bytes: RowBytes;
  /** Recovery: rows are dropped until this batch, committed before the crash, has been re-run; −1: none. */
  private dropThrough = -1;
  closed = false;
  constructor(private readonly stream: NodeJS.WritableStream, highWaterBytes = 1 << 16) {
    this.bytes = new RowBytes((chunk) => {
      if (!this.closed) this.stream.write(chunk);
    }, highWaterBytes);
  }
  write(text: string): void {
    if (this.closed || this.dropThrough >= 0) return;
    this.bytes.text(text);
  }
  rowBytes(): RowBytes | null {
    return this.closed || this.dropThrough >= 0 ? null : this.bytes;
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
    if (this.closed) this.bytes.clear();
    else this.bytes.flush();
  }
}
