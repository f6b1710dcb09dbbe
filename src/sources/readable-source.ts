/**
 * Lines from a Node readable byte stream (stdin, a file, a socket). Each
 * chunk is split into lines and every line is pushed at once, so the
 * operators run while data arrives; the stream is read only after the
 * previous chunk has been processed (bounded memory: backpressure comes for
 * free from the synchronous push).
 */
import type { IssueLog } from '../engine/issues.js';
import { DEFAULT_MAX_LINE_BYTES, LineSplitter } from './line-splitter.js';
import type { Source, SourceSink } from './source.js';

/** Options of a `ReadableLineSource`. */
export interface ReadableLineSourceOptions {
  /** Longest accepted line in bytes (default 16 MiB). */
  maxLineBytes?: number;
}

/** A line receiver over a readable stream (see module doc). */
export class ReadableLineSource implements Source {
  private stopped = false;
  private cleanup: () => void = () => {};

  constructor(
    readonly name: string,
    private readonly stream: NodeJS.ReadableStream,
    private readonly issues: IssueLog,
    private readonly options: ReadableLineSourceOptions = {},
  ) {}

  start(sink: SourceSink): void {
    const issues = this.issues;
    const splitter = new LineSplitter(
      (line) => {
        issues.current = line;
        sink.record(line);
      },
      issues,
      this.name,
      this.options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES,
    );
    const onData = (chunk: Buffer | string) => {
      if (this.stopped) return;
      try {
        splitter.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
      } catch (e) {
        this.stop();
        sink.fail(e);
      }
    };
    const onEnd = () => {
      if (this.stopped) return;
      try {
        splitter.end();
      } catch (e) {
        this.stop();
        sink.fail(e);
        return;
      }
      this.stopped = true;
      this.cleanup();
      sink.end();
    };
    const onError = (err: Error) => {
      if (this.stopped) return;
      this.stop();
      sink.fail(err);
    };
    this.stream.on('data', onData);
    this.stream.on('end', onEnd);
    this.stream.on('error', onError);
    this.cleanup = () => {
      this.stream.off('data', onData);
      this.stream.off('end', onEnd);
      this.stream.off('error', onError);
    };
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.cleanup();
    const s = this.stream as NodeJS.ReadableStream & { destroy?: () => void };
    s.pause();
    if (s !== process.stdin && typeof s.destroy === 'function') s.destroy();
  }
}
