/**
 * Flow control for receivers: when to stop reading.
 *
 * - `Backpressure`: the job's output is behind (stdout's reader is slow), so
 *   every source pauses reading until it has caught up. Memory stays bounded:
 *   unread input waits in the kernel (socket buffers, the pipe, the file), and
 *   a TCP producer is slowed down by TCP flow control.
 * - `RateLimiter`: Spark's receiver `maxRate` (`spark.streaming.receiver.maxRate`,
 *   records per second per receiver). Fixed one-second windows aligned to the
 *   clock's seconds: at most `recordsPerSecond` records pass in each; a source
 *   that has used the budget pauses until the next second.
 *
 * Processing itself needs no signal: records are pushed synchronously, so a
 * source reads its next chunk only after the previous one went through the
 * operators.
 */
import type { Clock } from '../core/clock.js';
import type { Millis } from '../core/types.js';

/** Says when the consumer of the job's output is behind (see module doc). */
export interface Backpressure {
  /** True while sources should not read. */
  readonly behind: boolean;
  /**
   * Calls `fn` once when no longer behind (on a later tick, never
   * synchronously). Returns a function that cancels the call.
   */
  whenCaughtUp(fn: () => void): () => void;
}

/** A `Backpressure` that is never behind. */
export const NO_BACKPRESSURE: Backpressure = {
  behind: false,
  whenCaughtUp(fn) {
    let cancelled = false;
    queueMicrotask(() => {
      if (!cancelled) fn();
    });
    return () => {
      cancelled = true;
    };
  },
};

/** The part of a Node writable (e.g. `process.stdout`) that `WritableBackpressure` reads. */
export interface WritableLike {
  readonly writableLength: number;
  on(event: 'drain', fn: () => void): unknown;
}

/** Default bytes queued in the output before sources pause: 4 MiB. */
export const DEFAULT_OUTPUT_HIGH_WATER_BYTES = 4 * 1024 * 1024;

/**
 * Backpressure from a writable: behind while more than `highWaterBytes` wait
 * in its buffer (Node queues writes to a slow pipe without limit); caught up
 * at its next `'drain'` event.
 */
export class WritableBackpressure implements Backpressure {
  private waiters = new Set<() => void>();

  /**
   * @param stream the output, e.g. `process.stdout` (its highWaterMark must be
   *   below `highWaterBytes`, so that a `'drain'` follows — true for stdio's 16 KiB).
   * @param highWaterBytes bytes queued in `stream` above which sources pause.
   */
  constructor(private readonly stream: WritableLike, private readonly highWaterBytes = DEFAULT_OUTPUT_HIGH_WATER_BYTES) {
    stream.on('drain', () => this.release());
  }

  get behind(): boolean {
    return this.stream.writableLength > this.highWaterBytes;
  }

  whenCaughtUp(fn: () => void): () => void {
    if (!this.behind) return NO_BACKPRESSURE.whenCaughtUp(fn);
    this.waiters.add(fn);
    return () => this.waiters.delete(fn);
  }

  private release(): void {
    if (this.behind) return;
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const w of waiters) w();
  }
}

/**
 * At most `recordsPerSecond` records per clock second (see module doc). One
 * limiter per source, shared by all its connections or files.
 */
export class RateLimiter {
  private windowStartMs = -Infinity;
  private used = 0;
  private waiters: (() => void)[] = [];
  private cancelTimer: (() => void) | null = null;

  /**
   * @param recordsPerSecond budget per second (`--max-rate`), a positive integer.
   * @param clock time source; tests pass a `ManualClock`.
   * @throws RangeError when `recordsPerSecond` is not a positive integer.
   */
  constructor(readonly recordsPerSecond: number, private readonly clock: Clock) {
    if (!Number.isInteger(recordsPerSecond) || recordsPerSecond < 1) throw new RangeError(`records per second must be a positive integer, got ${recordsPerSecond}`);
  }

  private roll(): Millis {
    const now = this.clock.now();
    const start = Math.floor(now / 1000) * 1000;
    if (start !== this.windowStartMs) {
      this.windowStartMs = start;
      this.used = 0;
    }
    return start;
  }

  /** Records that may pass now (0 when the budget of this second is used). */
  available(): number {
    this.roll();
    return this.recordsPerSecond - this.used;
  }

  /** Counts `n` records as passed in this second. */
  take(n: number): void {
    this.roll();
    this.used += n;
  }

  /** Calls `fn` once at the start of the next second (budget refilled). Returns a cancel function. */
  whenRefilled(fn: () => void): () => void {
    this.waiters.push(fn);
    if (!this.cancelTimer) {
      const at = this.roll() + 1000;
      this.cancelTimer = this.clock.schedule(at, () => {
        this.cancelTimer = null;
        const waiters = this.waiters;
        this.waiters = [];
        for (const w of waiters) w();
      });
    }
    return () => {
      this.waiters = this.waiters.filter((w) => w !== fn);
      if (this.waiters.length === 0 && this.cancelTimer) {
        this.cancelTimer();
        this.cancelTimer = null;
      }
    };
  }
}

/**
 * Where to cut `chunk` so that it holds at most `maxLines` line ends: `end` is
 * the byte offset just after the `maxLines`-th LF, or `chunk.length` when the
 * chunk has fewer; `lines` is the number of LFs in `chunk[0, end)`. A line
 * without its LF yet costs nothing until its LF arrives.
 */
export function cutAfterLines(chunk: Buffer, maxLines: number): { end: number; lines: number } {
  let lines = 0;
  let pos = -1;
  while (lines < maxLines) {
    const nl = chunk.indexOf(10, pos + 1);
    if (nl === -1) return { end: chunk.length, lines };
    pos = nl;
    lines++;
  }
  return { end: pos + 1, lines };
}
