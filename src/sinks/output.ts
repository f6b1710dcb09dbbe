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
  private parts: string[] = [];
  private size = 0;
  closed = false;
  /** Set while recovery re-runs batches already committed (their records were written before). */
  muted = false;
  constructor(private readonly stream: NodeJS.WritableStream, private readonly highWaterChars = 1 << 16) {}
  write(text: string): void {
    if (this.closed || this.muted) return;
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= this.highWaterChars) this.flush();
  }
  flush(): void {
    if (this.closed || this.size === 0) return;
    const chunk = this.parts.join('');
    this.parts = [];
    this.size = 0;
    this.stream.write(chunk);
  }
}
