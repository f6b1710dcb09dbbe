/**
 * Lines from a Node readable byte stream (stdin, a file, a socket). Each
 * chunk is split into lines and every line is pushed at once, so the
 * operators run while data arrives; the stream is read only after the
 * previous chunk has been processed (bounded memory: backpressure comes for
 * free from the synchronous push). It also pauses while the output is behind
 * and honours `--max-rate` (see `line-reader.ts`). Ends at EOF.
 */
import type { IssueLog } from '../core/issues.js';
import type { Backpressure, RateLimiter } from './flow.js';
import { LineReader, type ReadableLike } from './line-reader.js';
import type { Source, SourceSink } from './source.js';

/** Options of a `ReadableLineSource`. */
export interface ReadableLineSourceOptions {
  /** Longest accepted line in bytes (default 16 MiB). */
  maxLineBytes?: number;
  /** Records/s budget of this source (`--max-rate`). */
  rate?: RateLimiter;
  /** Pauses reading while the output is behind. */
  backpressure?: Backpressure;
  /** stdin: refuse a gzip-compressed stream (`LineReaderOptions.refuseGzip`). */
  refuseGzip?: boolean;
}

/** A line receiver over a readable stream (see module doc). */
export class ReadableLineSource implements Source {
  private reader: LineReader | null = null;
  private stopped = false;

  constructor(
    readonly name: string,
    private readonly stream: NodeJS.ReadableStream,
    private readonly issues: IssueLog,
    private readonly options: ReadableLineSourceOptions = {},
  ) {}

  start(sink: SourceSink): void {
    this.reader = new LineReader(
      this.stream as unknown as ReadableLike,
      {
        line: (line) => sink.record(line),
        end: () => {
          this.stopped = true;
          sink.end();
        },
        error: (err) => {
          this.stop();
          sink.fail(err);
        },
        fail: (err) => {
          this.stop();
          sink.fail(err);
        },
      },
      { where: this.name, issues: this.issues, ...this.options },
    );
    this.reader.start();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.reader?.stop();
    const s = this.stream as NodeJS.ReadableStream & { destroy?: () => void; fd?: number };
    s.pause();
    // Never destroy stdin (fd 0): other code may still use it.
    if (s.fd !== 0 && typeof s.destroy === 'function') s.destroy();
  }
}
