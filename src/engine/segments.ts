/**
 * The segments of a `--workers` file, shared by every thread (a `SharedArrayBuffer`): each is a
 * line-aligned byte range `[start, end)` read block by block by one thread, which claims each block
 * (`claimed` moves forward). A thread that has read its own segments takes the second half of the
 * unread rest of the segment with the most left (work stealing): that segment's `end` moves back to
 * a line end and a new segment `[cut, oldEnd)` starts there, read by the thief. Segments never
 * overlap and always tile the file, so the parts merged in `start` order are the file in order
 * (first-seen key order, record numbers) whatever thread read them. One lock (an `Int32Array`
 * slot taken with `Atomics.compareExchange`) guards every change: a claim per 1 MiB block, a steal
 * per segment, so it is never contended for long.
 *
 * A worker thread asked to yield (`requestYield`: the job is not getting a second core, see
 * engine/workers-source.ts) gives up the unread rest of its segment at a line end (`yieldRest`);
 * the main thread's next steal takes that rest whole.
 */
import { fstatSync, readSync } from 'node:fs';

/** At most this many segments (steals stop when the table is full). */
const MAX_SEGMENTS = 256;
/** A segment with less than this many unread bytes is not split (each split costs a merge of its keys). */
export const MIN_STEAL_BYTES = 4 * 1024 * 1024;

const START = 0;
const CLAIMED = 1;
const END = 2;

/** Bytes of the table: the segments' positions, then lock, count, yield request and closed flag, then the unowned flags. */
const TABLE_BYTES = 8 * 3 * MAX_SEGMENTS + 4 * 4 + 4 * MAX_SEGMENTS;

/** The shared table of segments (see module doc). */
export class SegmentTable {
  private readonly pos: BigInt64Array;
  /**
   * Lock, number of segments, 1 once worker threads are asked to give their rests up
   * (`requestYield`), and 1 once the main thread found nothing more to take (`steal`'s `close`).
   */
  private readonly ctl: Int32Array;
  /** Per segment: 1 while nobody reads it (given up by a yielding thread, `yieldRest`). */
  private readonly unowned: Int32Array;

  /** Over `buffer`, from `SegmentTable.create` (in any thread). */
  constructor(readonly buffer: SharedArrayBuffer) {
    this.pos = new BigInt64Array(buffer, 0, 3 * MAX_SEGMENTS);
    this.ctl = new Int32Array(buffer, 8 * 3 * MAX_SEGMENTS, 4);
    this.unowned = new Int32Array(buffer, 8 * 3 * MAX_SEGMENTS + 4 * 4, MAX_SEGMENTS);
  }

  /** A table holding `ranges` (line-aligned, in file order) as segments 0, 1, … */
  static create(ranges: [number, number][]): SegmentTable {
    const t = new SegmentTable(new SharedArrayBuffer(TABLE_BYTES));
    ranges.forEach(([a, b], i) => t.set(i, a, a, b));
    t.ctl[1] = ranges.length;
    return t;
  }

  private set(i: number, start: number, claimed: number, end: number): void {
    this.pos[3 * i + START] = BigInt(start);
    this.pos[3 * i + CLAIMED] = BigInt(claimed);
    this.pos[3 * i + END] = BigInt(end);
  }

  private get(i: number, field: number): number {
    return Number(this.pos[3 * i + field]);
  }

  private lock(): void {
    while (Atomics.compareExchange(this.ctl, 0, 0, 1) !== 0) Atomics.wait(this.ctl, 0, 1, 1);
  }

  private unlock(): void {
    Atomics.store(this.ctl, 0, 0);
    Atomics.notify(this.ctl, 0, 1);
  }

  /** The start of segment `i` (fixed for its life). */
  start(i: number): number {
    return this.get(i, START);
  }

  /**
   * Claims the next block of segment `i`, at most `maxBytes`.
   * @returns `[from, to)` to read, or `undefined` when the segment has been read to its end.
   */
  claim(i: number, maxBytes: number): [number, number] | undefined {
    this.lock();
    try {
      const from = this.get(i, CLAIMED);
      const to = Math.min(this.get(i, END), from + maxBytes);
      if (from >= to) return undefined;
      this.pos[3 * i + CLAIMED] = BigInt(to);
      return [from, to];
    } finally {
      this.unlock();
    }
  }

  /** Asks the worker threads to give the rest of their segments up (`yieldRest`) at their next block. */
  requestYield(): void {
    Atomics.store(this.ctl, 2, 1);
  }

  /** Whether `requestYield` was called. */
  get yieldRequested(): boolean {
    return Atomics.load(this.ctl, 2) !== 0;
  }

  /**
   * Gives up the unread rest of segment `i` from the first line end after what was claimed of it:
   * segment `i` ends there (its reader reads on to that line end), and the rest becomes a new
   * segment that nobody reads until a `steal` takes it whole. Nothing is given up once the main
   * thread has closed the table (it would be read by nobody): the reader then reads on.
   */
  yieldRest(i: number, fd: number): void {
    this.lock();
    try {
      if (this.ctl[3] !== 0) return;
      const n = this.ctl[1]!;
      const end = this.get(i, END);
      const cut = lineEndAfter(fd, this.get(i, CLAIMED), end);
      if (cut >= end || n >= MAX_SEGMENTS) return; // nothing left to give (or no room: the reader reads on)
      this.pos[3 * i + END] = BigInt(cut);
      this.set(n, cut, cut, end);
      this.unowned[n] = 1;
      this.ctl[1] = n + 1;
    } finally {
      this.unlock();
    }
  }

  /**
   * Takes a segment given up by its reader (`yieldRest`) whole, or else the second half of the
   * unread rest of the segment with the most left, cut at a line end of file `fd`, as a new
   * segment (see module doc).
   * @param close the main thread: when there is nothing to take, close the table, so that no
   *   thread gives its rest up afterwards (`yieldRest`).
   * @returns the segment's number, or `undefined` when none is given up and no segment has
   *   `MIN_STEAL_BYTES` left.
   */
  steal(fd: number, close = false): number | undefined {
    this.lock();
    try {
      const taken = this.take(fd);
      if (taken === undefined && close) this.ctl[3] = 1;
      return taken;
    } finally {
      this.unlock();
    }
  }

  /** `steal` under the lock. */
  private take(fd: number): number | undefined {
    const n = this.ctl[1]!;
    for (let i = 0; i < n; i++) {
      if (this.unowned[i] === 0) continue;
      this.unowned[i] = 0;
      return i;
    }
    if (n >= MAX_SEGMENTS) return undefined;
    let best = -1;
    let left = MIN_STEAL_BYTES - 1;
    for (let i = 0; i < n; i++) {
      const l = this.get(i, END) - this.get(i, CLAIMED);
      if (l > left) [best, left] = [i, l];
    }
    if (best < 0) return undefined;
    const end = this.get(best, END);
    const cut = lineEndAfter(fd, this.get(best, CLAIMED) + Math.floor(left / 2), end);
    if (cut >= end) return undefined;
    this.pos[3 * best + END] = BigInt(cut);
    this.set(n, cut, cut, end);
    this.ctl[1] = n + 1;
    return n;
  }

  /** Every segment as `[start, end)`, in file order (for the check that they tile the file). */
  ranges(): [number, number][] {
    const out: [number, number][] = [];
    for (let i = 0; i < this.ctl[1]!; i++) out.push([this.get(i, START), this.get(i, END)]);
    return out.sort((a, b) => a[0] - b[0]);
  }
}

/** The position just after the first LF at or after `pos` in `fd`, or `limit` when there is none before it. */
export function lineEndAfter(fd: number, pos: number, limit: number): number {
  const buf = Buffer.allocUnsafe(64 * 1024);
  while (pos < limit) {
    const r = readSync(fd, buf, 0, Math.min(buf.length, limit - pos), pos);
    if (r <= 0) break;
    const nl = buf.subarray(0, r).indexOf(10);
    if (nl >= 0) return pos + nl + 1;
    pos += r;
  }
  return limit;
}

/** The size of file `fd` (a regular file, e.g. stdin) now, in bytes; 0 when it cannot be read. */
export function fileSize(fd: number): number {
  try {
    return fstatSync(fd).size;
  } catch {
    return 0;
  }
}
