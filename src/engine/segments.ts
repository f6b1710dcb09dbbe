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
 */
import { readSync } from 'node:fs';

/** At most this many segments (steals stop when the table is full). */
const MAX_SEGMENTS = 256;
/** A segment with less than this many unread bytes is not split (each split costs a merge of its keys). */
export const MIN_STEAL_BYTES = 4 * 1024 * 1024;

const START = 0;
const CLAIMED = 1;
const END = 2;

/** The shared table of segments (see module doc). */
export class SegmentTable {
  private readonly pos: BigInt64Array;
  private readonly ctl: Int32Array;

  /** Over `buffer`, from `SegmentTable.create` (in any thread). */
  constructor(readonly buffer: SharedArrayBuffer) {
    this.pos = new BigInt64Array(buffer, 0, 3 * MAX_SEGMENTS);
    this.ctl = new Int32Array(buffer, 8 * 3 * MAX_SEGMENTS, 2);
  }

  /** A table holding `ranges` (line-aligned, in file order) as segments 0, 1, … */
  static create(ranges: [number, number][]): SegmentTable {
    const t = new SegmentTable(new SharedArrayBuffer(8 * 3 * MAX_SEGMENTS + 8));
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

  /**
   * Takes the second half of the unread rest of the segment with the most left, cut at a line end
   * of file `fd`, as a new segment (see module doc).
   * @returns the new segment's number, or `undefined` when no segment has `MIN_STEAL_BYTES` left.
   */
  steal(fd: number): number | undefined {
    this.lock();
    try {
      const n = this.ctl[1]!;
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
    } finally {
      this.unlock();
    }
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
