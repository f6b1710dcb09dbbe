/**
 * Where sinks write text. The CLI writes to stdout; tests write to memory.
 */

/** A text destination. `write` may buffer; `flush` hands everything written to the OS. */
export interface Output {
  write(text: string): void;
  flush(): void;
}

/** An `Output` collecting everything in memory (`text`), for tests and the library. */
export class MemoryOutput implements Output {
  text = '';
  write(text: string): void {
    this.text += text;
  }
  flush(): void {}
}

/**
 * An `Output` over a Node writable (e.g. `process.stdout`): buffers up to
 * `highWaterChars` characters, then writes; `flush` writes what is buffered.
 * Nothing is written after `closed` is set (the reader went away).
 */
export class StreamOutput implements Output {
  /** Text written since the last flush: one string grown by `+=` (a rope V8 flattens once, in `stream.write`). */
  private text = '';
  closed = false;
  /** Set while recovery re-runs batches already committed (their records were written before). */
  muted = false;
  constructor(private readonly stream: NodeJS.WritableStream, private readonly highWaterChars = 1 << 16) {}
  write(text: string): void {
    if (this.closed || this.muted) return;
    this.text += text;
    if (this.text.length >= this.highWaterChars) this.flush();
  }
  flush(): void {
    if (this.closed || this.text.length === 0) return;
    const chunk = this.text;
    this.text = '';
    this.stream.write(chunk);
  }
}
