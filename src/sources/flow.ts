/**
 * Flow control for receivers: when to stop reading.
 *
 * - `Backpressure`: the job's output is behind (stdout's reader is slow), so
 *   every source pauses reading until it has caught up. Memory stays bounded:
 *   unread input waits in the kernel (socket buffers, the pipe, the file), and
 *   a TCP producer is slowed down by TCP flow control.
 * - `RateLimiter`: Spark's receiver `maxRate` (`spark.streaming.receiver.maxRate`,
 *   records per second per receiver). Fixed one-second windows aligned to the
 *   clock's seconds: at most `recordsPerSecond` records pass in each; and, when
 *   the clock cuts the batches, at most `recordsPerSecond × batch interval` in
 *   each batch. A source that has used a budget pauses until it is refilled.
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

/** The second (epoch ms of its start) and the batch (index from 0) of a `RateLimiter`'s budgets. */
export interface RatePeriod {
  secondStartMs: Millis;
  batchIndex: number;
}

/**
 * At most `recordsPerSecond` records per clock second and, when the batches are
 * cut by the clock, at most `recordsPerSecond × batch interval` records in each
 * batch (see module doc). One limiter per source, shared by all its
 * connections or files.
 *
 * Why both: a batch is cut when its timer fires, a little after the clock's
 * second has turned. Records read in between were let in by the new second's
 * budget yet belong to the old batch, which then held more than N (2,521 and
 * 1,479 instead of 2,000 and 2,000). The budget of a batch is refilled only
 * when the engine says the batch was cut (`batchCut`), so every batch holds at
 * most its share, however late its timer.
 */
export class RateLimiter {
  private secondStartMs = -Infinity;
  private usedInSecond = 0;
  /** Batch pacing: index of the batch being received (from 0), and records taken in it. */
  private batchIndex = 0;
  private usedInBatch = 0;
  private waiters: (() => void)[] = [];
  private cancelTimer: (() => void) | null = null;

  /**
   * @param recordsPerSecond budget per second (`--max-rate`), a positive integer.
   * @param clock time source; tests pass a `ManualClock`.
   * @param batchIntervalMs the batch interval (ms) when batches are cut by the clock: each
   *   batch then gets at most its share of `recordsPerSecond`, refilled by `batchCut()`.
   *   Omitted when batches follow the input (`--batch-marker`): only the per-second budget holds.
   * @throws RangeError when `recordsPerSecond` is not a positive integer.
   */
  constructor(readonly recordsPerSecond: number, private readonly clock: Clock, private readonly batchIntervalMs?: Millis) {
    if (!Number.isInteger(recordsPerSecond) || recordsPerSecond < 1) throw new RangeError(`records per second must be a positive integer, got ${recordsPerSecond}`);
  }

  private roll(): Millis {
    const now = this.clock.now();
    const start = Math.floor(now / 1000) * 1000;
    if (start !== this.secondStartMs) {
      this.secondStartMs = start;
      this.usedInSecond = 0;
    }
    return start;
  }

  /**
   * Records batch `k` may hold: ⌊N·(k+1)·I/1000⌋ − ⌊N·k·I/1000⌋, so that batches
   * of less than a second share N without rounding it up (`--batch 100ms --max-rate 25`:
   * 2 or 3 a batch, 25 a second).
   */
  private batchBudget(): number {
    const I = this.batchIntervalMs!;
    const n = this.recordsPerSecond;
    const k = this.batchIndex;
    return Math.floor((n * (k + 1) * I) / 1000) - Math.floor((n * k * I) / 1000);
  }

  private batchLeft(): number {
    return this.batchIntervalMs === undefined ? Infinity : this.batchBudget() - this.usedInBatch;
  }

  /** The second and the batch whose budgets records taken now count against (for `refund`). */
  get period(): RatePeriod {
    return { secondStartMs: this.roll(), batchIndex: this.batchIndex };
  }

  /** True while the budgets are those of `p` (no new second, no batch cut since). */
  isCurrent(p: RatePeriod): boolean {
    return p.secondStartMs === this.roll() && p.batchIndex === this.batchIndex;
  }

  /**
   * Gives back `n` records taken in period `p` and not handed on, to whichever
   * of its budgets is still current: they are taken again when handed on.
   */
  refund(n: number, p: RatePeriod): void {
    if (p.secondStartMs === this.roll()) this.usedInSecond -= n;
    if (p.batchIndex === this.batchIndex) this.usedInBatch -= n;
  }

  /** Records that may pass now (0 when the budget of this second or of this batch is used). */
  available(): number {
    this.roll();
    return Math.max(0, Math.min(this.recordsPerSecond - this.usedInSecond, this.batchLeft()));
  }

  /** Counts `n` records as passed in this second and this batch. */
  take(n: number): void {
    this.roll();
    this.usedInSecond += n;
    this.usedInBatch += n;
  }

  /** The engine cut the batch being received (clock-cut batches): the next batch's budget starts. */
  batchCut(): void {
    if (this.batchIntervalMs === undefined) return;
    this.batchIndex++;
    this.usedInBatch = 0;
    // Not within the batch's run: its listeners see the batch before the next one's records arrive.
    queueMicrotask(() => this.wake());
  }

  /**
   * Calls `fn` once when a budget was refilled: at the start of the next second, or
   * at the next `batchCut()` (the caller asks `available()` again). Returns a cancel function.
   */
  whenRefilled(fn: () => void): () => void {
    this.waiters.push(fn);
    if (!this.cancelTimer) {
      const at = this.roll() + 1000;
      this.cancelTimer = this.clock.schedule(at, () => {
        this.cancelTimer = null;
        this.wake();
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

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
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
