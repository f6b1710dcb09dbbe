/**
 * Bytes → lines, for every line-oriented receiver.
 *
 * - a line ends at LF; a CR before the LF is dropped (CRLF input); a last line
 *   without a newline is still a line (emitted by `end()`);
 * - invalid UTF-8 is replaced by U+FFFD (WHATWG decoding), the line is kept
 *   and counted;
 * - a line longer than `maxLineBytes` (excluding the line end) is skipped and
 *   counted, and never buffered whole: memory stays bounded by the limit.
 *
 * Hot path: the complete lines of a chunk are validated with one
 * `buffer.isUtf8` call and decoded with one `toString`, then cut with
 * `indexOf` (measured in PERF-NOTES: a hand-rolled `indexOf` loop beats
 * readline and split2 by ~40%).
 *
 * `onLine` returning `true` stops the splitter after that line (a full batch
 * of bounded input): `push` returns the bytes consumed up to its line end.
 */
import { isUtf8 } from 'node:buffer';
import type { IssueLog } from '../engine/issues.js';

/** Default `--max-line-bytes`: 16 MiB. */
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;

/** Splits a byte stream into lines (see module doc). */
export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** True while the rest of an over-long line is being skipped. */
  private skipping = false;

  /**
   * @param onLine called once per line, synchronously; `true` stops `push` after the line.
   * @param issues where invalid UTF-8 and over-long lines are counted.
   * @param where receiver name for messages (e.g. `stdin`).
   * @param maxLineBytes longest accepted line in bytes.
   */
  constructor(
    private readonly onLine: (line: string) => boolean | void,
    private readonly issues: IssueLog,
    private readonly where: string,
    private readonly maxLineBytes = DEFAULT_MAX_LINE_BYTES,
  ) {}

  /**
   * Feeds a chunk of bytes.
   * @param deadlineMs optional time (`performance.now()` ms) after which the
   *   splitter stops at the next line end, so that the caller can yield to
   *   the event loop (timers, signals) when user functions are slow.
   * @returns bytes consumed: `chunk.length`, or less when the deadline
   *   passed or `onLine` returned true; the caller must push the rest (which
   *   starts at a line) later.
   */
  push(chunk: Buffer, deadlineMs = Infinity): number {
    let start = 0;
    if (this.pendingBytes > 0 || this.skipping) {
      const nl = chunk.indexOf(10);
      if (nl === -1) {
        this.addPending(chunk);
        return chunk.length;
      }
      this.addPending(chunk.subarray(0, nl));
      start = nl + 1;
      if (this.finishPending() && start < chunk.length) return start;
    }
    const last = chunk.lastIndexOf(10);
    if (last >= start) {
      const stoppedAt = this.completeLines(chunk, start, last, deadlineMs);
      if (stoppedAt <= last) return stoppedAt;
      start = last + 1;
    }
    if (start < chunk.length) this.addPending(chunk.subarray(start));
    return chunk.length;
  }

  /** Ends the input: emits a last line that had no newline. */
  end(): void {
    if (this.pendingBytes > 0 || this.skipping) this.finishPending();
  }

  private addPending(part: Buffer): void {
    if (this.skipping) {
      this.pendingBytes += part.length;
      return;
    }
    if (this.pendingBytes + part.length > this.maxLineBytes) {
      this.skipping = true;
      this.pending = [];
      this.pendingBytes += part.length;
      return;
    }
    // Copy: the chunk's memory may be reused by the reader.
    this.pending.push(Buffer.from(part));
    this.pendingBytes += part.length;
  }

  /** Emits the pending line; true when `onLine` asked to stop. */
  private finishPending(): boolean {
    let stop = false;
    if (this.skipping) {
      this.issues.lineTooLong(this.where, this.pendingBytes, this.maxLineBytes);
    } else {
      const buf = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
      let end = buf.length;
      if (end > 0 && buf[end - 1] === 13) end--;
      this.pending = [];
      this.pendingBytes = 0;
      stop = this.emitLine(buf, 0, end);
    }
    this.pending = [];
    this.pendingBytes = 0;
    this.skipping = false;
    return stop;
  }

  /** Bytes held for a line not yet complete (they follow the bytes of every line emitted). */
  get heldBytes(): number {
    return this.pendingBytes;
  }

  private emitLine(buf: Buffer, s: number, e: number): boolean {
    if (e - s > this.maxLineBytes) {
      this.issues.lineTooLong(this.where, e - s, this.maxLineBytes);
      return false;
    }
    const line = buf.toString('utf8', s, e);
    if (!isUtf8(buf.subarray(s, e))) this.issues.invalidUtf8(this.where, line);
    return this.onLine(line) === true;
  }

  /**
   * Lines in `chunk[start .. last]`, where `chunk[last]` is LF.
   * @returns the byte offset in `chunk` where it stopped (`last + 1` when done).
   */
  private completeLines(chunk: Buffer, start: number, last: number, deadlineMs: number): number {
    const region = chunk.subarray(start, last);
    const timed = deadlineMs !== Infinity;
    let count = 0;
    if (!isUtf8(region) || region.length > 256 * 1024 * 1024) {
      // Slow path (rare): line by line, to count each line with invalid UTF-8.
      let pos = start;
      while (pos <= last) {
        const nl = chunk.indexOf(10, pos);
        const e = nl > pos && chunk[nl - 1] === 13 ? nl - 1 : nl;
        const stop = this.emitLine(chunk, pos, e);
        pos = nl + 1;
        if (stop) return pos;
        if (timed && (++count & 63) === 0 && pos <= last && performance.now() > deadlineMs) return pos;
      }
      return last + 1;
    }
    const text = region.toString('utf8');
    const max = this.maxLineBytes;
    const onLine = this.onLine;
    let pos = 0;
    const n = text.length;
    while (pos <= n) {
      let nl = text.indexOf('\n', pos);
      if (nl === -1) nl = n;
      const e = nl > pos && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      const line = text.slice(pos, e);
      if (line.length * 3 > max && Buffer.byteLength(line) > max) this.issues.lineTooLong(this.where, Buffer.byteLength(line), max);
      else if (onLine(line) === true) return nl >= n ? last + 1 : start + Buffer.byteLength(text.slice(0, nl + 1));
      pos = nl + 1;
      // Checking the clock every 64 lines costs nothing measurable; stopping is rare.
      if (timed && (++count & 63) === 0 && pos < n && performance.now() > deadlineMs) {
        return start + Buffer.byteLength(text.slice(0, pos));
      }
    }
    return last + 1;
  }
}
