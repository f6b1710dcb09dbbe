/**
 * One readable byte stream (stdin, a TCP connection, a file) → lines, with
 * flow control. Shared by every line-oriented source.
 *
 * - Each chunk is split by a `LineSplitter` and every line is handed on at
 *   once, synchronously: the next chunk is read only after the operators have
 *   processed this one (Node delivers one chunk per `'data'` event and reads
 *   no more while the handler runs).
 * - After a chunk, if the job's output is behind (`Backpressure`), the stream
 *   is paused until it catches up.
 * - With a `RateLimiter`, a chunk is cut after the last line the budget of
 *   this second (and batch) allows; the rest (at most one chunk, copied) is
 *   held and the stream paused until the budget is refilled. Lines counted but
 *   not yet handed on when the budget was refilled are counted again.
 * - At the end of the stream, a last line without newline is a line
 *   (`LineSplitter.end`), after any held bytes have passed.
 */
import type { IssueLog } from '../core/issues.js';
import { cutAfterLines, type Backpressure, type RateLimiter, type RatePeriod } from './flow.js';
import { DEFAULT_MAX_LINE_BYTES, LineSplitter } from './line-splitter.js';
import { SLICE_MS } from './fd-line-source.js';
import { GzipStart, gzipStdinError } from './gzip-start.js';

/** The part of a Node readable that a `LineReader` uses (`Readable`, `process.stdin`, `net.Socket`). */
export interface ReadableLike {
  on(event: string, fn: (...args: any[]) => void): unknown;
  off(event: string, fn: (...args: any[]) => void): unknown;
  pause(): unknown;
  resume(): unknown;
}

/** Options of a `LineReader`. */
export interface LineReaderOptions {
  /** Receiver name for issues (invalid UTF-8, over-long lines), e.g. `stdin`. */
  where: string;
  /** Where bad input is counted; `current` is set to each line before it is handed on. */
  issues: IssueLog;
  /** Longest accepted line in bytes (default 16 MiB). */
  maxLineBytes?: number;
  /** Per-source records/s budget (`--max-rate`). */
  rate?: RateLimiter;
  /** Pauses reading while the output is behind. */
  backpressure?: Backpressure;
  /** Longest run of line handling per event-loop turn, ms (default `SLICE_MS`; tests pass 0 to force slicing). */
  sliceMs?: number;
  /** stdin: a stream starting with the gzip magic fails with `gzipStdinError()` before any line is handed on (gzip-start.ts). */
  refuseGzip?: boolean;
}

/** What a `LineReader` reports to its owner. */
export interface LineReaderHandlers {
  /** One line (UTF-8 decoded, without its line end). */
  line(line: string): void;
  /** The stream ended and every line, including a last one without newline, was handed on. */
  end(): void;
  /** The stream failed (the owner decides: `finish()` to keep what was read, or `stop()`). */
  error(err: Error): void;
  /**
   * Handing on a line threw (e.g. `--on-error fail`): the reader has stopped
   * and the owner should fail the job with `err`.
   */
  fail(err: unknown): void;
}

/** Reads lines from one stream (see module doc). */
export class LineReader {
  private readonly splitter: LineSplitter;
  /** Bytes not yet counted against the rate limit (held by it). */
  private held: Buffer | null = null;
  /** Bytes already counted against the rate limit, waiting for the next time slice. */
  private paid: Buffer | null = null;
  /** The rate limiter's period `paid` was counted in. */
  private paidPeriod: RatePeriod | null = null;
  private cancelWait: (() => void) | null = null;
  private ended = false;
  private done = false;
  private attached = false;
  /** Bytes read so far. */
  bytes = 0;
  private readonly gzip: GzipStart | null;

  constructor(
    private readonly stream: ReadableLike,
    private readonly handlers: LineReaderHandlers,
    private readonly options: LineReaderOptions,
  ) {
    this.gzip = options.refuseGzip ? new GzipStart() : null;
    const issues = options.issues;
    const onLine = handlers.line;
    this.splitter = new LineSplitter(
      (line) => {
        issues.current = line;
        onLine(line);
      },
      issues,
      options.where,
      options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES,
    );
  }

  /** Attaches to the stream and resumes it (unless the output is behind). */
  start(): void {
    if (this.attached || this.done) return;
    this.attached = true;
    this.stream.on('data', this.onData);
    this.stream.on('end', this.onEnd);
    this.stream.on('error', this.onError);
    const bp = this.options.backpressure;
    if (bp?.behind) this.waitFor(bp.whenCaughtUp.bind(bp));
    else this.stream.resume(); // also for a stream paused before it was handed over
  }

  /** True while reading is paused by backpressure or the rate limit. */
  get paused(): boolean {
    return this.cancelWait !== null;
  }

  /**
   * Ends now, keeping what was read: held bytes pass (ignoring the rate
   * limit), a partial last line becomes a line, then `handlers.end()` is
   * called. For a connection that was reset or timed out. Idempotent.
   * @throws whatever a line handler throws (e.g. `--on-error fail`).
   */
  finish(): void {
    if (this.done) return;
    const paid = this.paid;
    const held = this.held;
    this.paid = this.held = null;
    if (paid) this.push(paid);
    if (held) this.push(held);
    this.complete();
  }

  /** Detaches and drops anything not yet handed on (held bytes, a partial line). Idempotent. */
  stop(): void {
    if (this.done) return;
    this.done = true;
    this.held = this.paid = null;
    this.detach();
  }

  private detach(): void {
    this.cancelWait?.();
    this.cancelWait = null;
    if (!this.attached) return;
    this.stream.off('data', this.onData);
    this.stream.off('end', this.onEnd);
    this.stream.off('error', this.onError);
  }

  private complete(): void {
    this.done = true;
    this.detach();
    this.splitter.end();
    this.handlers.end();
  }

  private readonly onData = (chunk: Buffer | string): void => {
    if (this.done) return;
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    this.bytes += buf.length;
    if (this.gzip?.pending && this.gzip.scan(buf)) return this.failed(gzipStdinError());
    try {
      this.feed(buf);
    } catch (e) {
      this.failed(e);
    }
  };

  private readonly onEnd = (): void => {
    if (this.done) return;
    this.ended = true;
    if (this.held !== null || this.paid !== null || this.cancelWait !== null) return;
    try {
      this.complete();
    } catch (e) {
      this.failed(e);
    }
  };

  private failed(e: unknown): void {
    this.stop();
    this.handlers.fail(e);
  }

  private readonly onError = (err: Error): void => {
    if (this.done) return;
    this.handlers.error(err);
  };

  /**
   * Hands on as much of `chunk` (not yet counted against the rate limit) as
   * allowed; holds the rest and pauses. Lines are counted against the rate
   * once: a time slice that stops part-way keeps the counted rest in `paid`.
   */
  private feed(chunk: Buffer): void {
    const rate = this.options.rate;
    if (rate) {
      const { end, lines } = cutAfterLines(chunk, Math.max(0, rate.available()));
      rate.take(lines);
      if (end < chunk.length) {
        if (end > 0) this.push(chunk.subarray(0, end));
        if (this.done) return;
        this.held = Buffer.from(chunk.subarray(end));
        // Paused mid-slice: the slice's turn comes first, then the rate limit is asked again.
        if (this.cancelWait === null) this.waitFor(rate.whenRefilled.bind(rate));
        return;
      }
    }
    this.push(chunk);
    if (this.paid !== null) return; // paused mid-slice; resumes on the next turn
    const bp = this.options.backpressure;
    if (bp?.behind && !this.done) this.waitFor(bp.whenCaughtUp.bind(bp));
  }

  /** Hands on counted bytes in time slices (see fd-line-source.ts SLICE_MS); the rest waits in `paid` while timers and signals run. */
  private push(chunk: Buffer): void {
    const used = this.splitter.push(chunk, performance.now() + (this.options.sliceMs ?? SLICE_MS));
    if (used < chunk.length && !this.done) {
      this.paid = Buffer.from(chunk.subarray(used));
      this.paidPeriod = this.options.rate?.period ?? null;
      this.waitFor((fn) => {
        const h = setImmediate(fn);
        return () => clearImmediate(h);
      });
    }
  }

  private waitFor(subscribe: (fn: () => void) => () => void): void {
    this.stream.pause();
    this.cancelWait = subscribe(() => {
      this.cancelWait = null;
      if (this.done) return;
      this.resumeReading();
    });
  }

  private resumeReading(): void {
    try {
      let paid = this.paid;
      this.paid = null;
      const rate = this.options.rate;
      if (paid && rate && !rate.isCurrent(this.paidPeriod!)) {
        // A new second or batch began: these lines land in it, so they count against its budget (fed again below).
        rate.refund(cutAfterLines(paid, Infinity).lines, this.paidPeriod!);
        this.held = this.held ? Buffer.concat([paid, this.held]) : paid;
        paid = null;
      }
      if (paid) this.push(paid);
      if (this.done || this.cancelWait !== null) return;
      const held = this.held;
      this.held = null;
      if (held) this.feed(held);
      if (this.done || this.cancelWait !== null) return;
      if (this.ended) this.complete();
      else this.stream.resume();
    } catch (e) {
      this.failed(e);
    }
  }
}
