/**
 * Bytes → lines, for every line-oriented receiver.
 *
 * - a line ends at LF; a CR before the LF is dropped (CRLF input), unless
 *   `keepCarriageReturns(true)` was called (see there); a last line without a
 *   newline is still a line (emitted by `end()`);
 * - invalid UTF-8 is replaced by U+FFFD (WHATWG decoding), the line is kept
 *   and counted;
 * - a line longer than `maxLineBytes` (excluding the line end) is skipped and
 *   counted, and never buffered whole: memory stays bounded by the limit;
 * - a UTF-8 byte order mark (EF BB BF) at the start of the stream is dropped,
 *   even when it arrives split over chunks, so that it never becomes part of
 *   the first key or hides a CSV header (Unicode 15, section 23.8: a BOM at
 *   the start of a UTF-8 stream is a signature, not text). One anywhere else
 *   is kept as U+FEFF.
 *
 * Hot path: the complete lines of a chunk are validated with one
 * `buffer.isAscii` (else `isUtf8`) call and decoded with one `toString`
 * (latin1 when ASCII: a plain copy), then cut with
 * `indexOf` (measured in PERF-NOTES: a hand-rolled `indexOf` loop beats
 * readline and split2 by ~40%).
 *
 * `onLine` returning `true` stops the splitter after that line (a full batch
 * of bounded input): `push` returns the bytes consumed up to its line end.
 */
import { isAscii, isUtf8 } from 'node:buffer';
import type { IssueLog } from '../core/issues.js';
import { ByteOrderMark } from './byte-order-mark.js';

/** Default `--max-line-bytes`: 16 MiB. */
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;

/**
 * Complete lines are decoded in pieces of at most this many bytes: a string
 * up to 64 KiB is allocated in V8's young generation, a larger one in large
 * object space. Decoding and cutting the 100 MB access log from 1 MiB reads
 * measured 16–24 ms in 64 KiB pieces against 40–70 ms whole.
 */
const DECODE_PIECE_BYTES = 64 * 1024;

/** Whether splitters made from now on keep the CR of a CRLF line end (see `keepCarriageReturns`). */
let keepCr = false;

/**
 * Makes the splitters created after the call keep (`true`) or drop (`false`,
 * the default) the CR of a CRLF line end. `--parse csv` keeps it: a quoted
 * field spans lines, and RFC 4180 keeps the field's line breaks as written
 * (a CRLF inside a field stays CRLF). Every parser ignores a trailing CR
 * (`contentEnd`). One switch for the process, set before the sources are made.
 */
export function keepCarriageReturns(on: boolean): void {
  keepCr = on;
}

/** Whether splitters made now keep the CR of a CRLF line end. */
export function carriageReturnsKept(): boolean {
  return keepCr;
}

/** Splits a byte stream into lines (see module doc). */
export class LineSplitter {
  /** False when a CR before LF stays in the line (`keepCarriageReturns`). */
  private readonly dropCr = !keepCr;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** True while the rest of an over-long line is being skipped. */
  private skipping = false;
  /** Set while a BOM may still come (the start of the stream). */
  private bom: ByteOrderMark | null;
  /**
   * Optional: takes every line of a decoded piece at once, `text` being the lines joined by LF
   * (CRs kept) and `lines` their number, when no line in it can be over `maxLineBytes` and it is
   * valid UTF-8; returns false to decline (the lines then go to `onLine` one by one). For a
   * consumer that needs no line apart (a count of hashtags, operators/hashtags.ts
   * `HashtagCounter`): on the tweets corpus it saves the slice, the calls and the search per line.
   */
  onText: ((text: string, lines: number) => boolean) | null = null;

  /**
   * @param onLine called once per line, synchronously; `true` stops `push` after the line.
   * @param issues where invalid UTF-8 and over-long lines are counted.
   * @param where receiver name for messages (e.g. `stdin`).
   * @param maxLineBytes longest accepted line in bytes.
   * @param streamStart false when the first byte pushed is not the start of
   *   the stream (a range read from an offset): no BOM is dropped then.
   */
  constructor(
    private readonly onLine: (line: string) => boolean | void,
    private readonly issues: IssueLog,
    private readonly where: string,
    private readonly maxLineBytes = DEFAULT_MAX_LINE_BYTES,
    streamStart = true,
  ) {
    this.bom = streamStart ? new ByteOrderMark() : null;
  }

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
    if (this.bom !== null) return this.pushFirst(chunk, deadlineMs);
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
    const held = this.bom?.end();
    this.bom = null;
    if (held) this.addPending(held);
    if (this.pendingBytes > 0 || this.skipping) this.finishPending();
  }

  /** `push` at the start of the stream: drops a BOM (see module doc); the count returned includes its bytes. */
  private pushFirst(chunk: Buffer, deadlineMs: number): number {
    const { skip, held } = this.bom!.scan(chunk);
    if (this.bom!.pending) return chunk.length; // all of it may still be a BOM
    this.bom = null;
    if (held) this.addPending(held);
    return skip + this.push(chunk.subarray(skip), deadlineMs);
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
      if (end > 0 && buf[end - 1] === 13 && this.dropCr) end--;
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
    // Only lines with invalid UTF-8 come here one by one; their bytes are copied (the reader reuses `buf`) for --dead-letter.
    if (!isUtf8(buf.subarray(s, e))) this.issues.invalidUtf8(this.where, line, Uint8Array.prototype.slice.call(buf, s, e));
    return this.onLine(line) === true;
  }

  /** Set by `completePiece` when `onLine` asked to stop (read by `completeLines`). */
  private stoppedByLine = false;

  /**
   * Lines in `chunk[start .. last]`, where `chunk[last]` is LF, decoded in
   * pieces of at most `DECODE_PIECE_BYTES` (cut at a line end; a longer line
   * is one piece).
   * @returns the byte offset in `chunk` where it stopped (`last + 1` when done).
   */
  private completeLines(chunk: Buffer, start: number, last: number, deadlineMs: number): number {
    this.stoppedByLine = false;
    while (last - start >= DECODE_PIECE_BYTES) {
      let end = chunk.lastIndexOf(10, start + DECODE_PIECE_BYTES - 1);
      if (end < start) end = chunk.indexOf(10, start + DECODE_PIECE_BYTES);
      const stoppedAt = this.completePiece(chunk, start, end, deadlineMs);
      // A piece's last line may be the one `onLine` stopped at: then `stoppedAt` is `end + 1`, and
      // reading on into the next piece would put a line past a full batch (`--max-records-per-batch`).
      if (stoppedAt <= end || this.stoppedByLine) return stoppedAt;
      start = end + 1;
    }
    return start > last ? last + 1 : this.completePiece(chunk, start, last, deadlineMs);
  }

  /** Lines in `chunk[start .. last]`, where `chunk[last]` is LF, decoded as one string. Returns as `completeLines`. */
  private completePiece(chunk: Buffer, start: number, last: number, deadlineMs: number): number {
    const region = chunk.subarray(start, last);
    const timed = deadlineMs !== Infinity;
    // The clock is read every `stride` lines: 1 at first, doubled while lines are quick (up to 64,
    // which costs nothing measurable), back to 1 once the lines between two readings took over 1 ms
    // (a slow user function): a slice ends within one slow line of its deadline, so signals are served.
    let stride = 1;
    let count = 0;
    let lastMs = timed ? performance.now() : 0;
    // ASCII (the usual log) is decoded as latin1, a copy into a one-byte string: 1 MiB blocks of the
    // access log decode in 13 ms per 100 MB against 87 ms through the UTF-8 decoder (same string).
    const ascii = isAscii(region);
    if ((!ascii && !isUtf8(region)) || region.length > 256 * 1024 * 1024) {
      // Slow path (rare): line by line, to count each line with invalid UTF-8.
      let pos = start;
      while (pos <= last) {
        const nl = chunk.indexOf(10, pos);
        const e = nl > pos && chunk[nl - 1] === 13 && this.dropCr ? nl - 1 : nl;
        const stop = this.emitLine(chunk, pos, e);
        pos = nl + 1;
        if (stop) {
          this.stoppedByLine = true;
          return pos;
        }
        if (timed && ++count >= stride) {
          count = 0;
          const now = performance.now();
          if (now > deadlineMs && pos <= last) return pos;
          stride = now - lastMs > 1 ? 1 : stride < 64 ? stride * 2 : 64;
          lastMs = now;
        }
      }
      return last + 1;
    }
    const text = region.toString(ascii ? 'latin1' : 'utf8');
    if (this.onText !== null && region.length <= this.maxLineBytes && this.onText(text, lineCount(text))) return last + 1;
    const max = this.maxLineBytes;
    const onLine = this.onLine;
    const dropCr = this.dropCr;
    let pos = 0;
    const n = text.length;
    while (pos <= n) {
      let nl = text.indexOf('\n', pos);
      if (nl === -1) nl = n;
      const e = nl > pos && text.charCodeAt(nl - 1) === 13 && dropCr ? nl - 1 : nl;
      const line = text.slice(pos, e);
      if (line.length * 3 > max && Buffer.byteLength(line) > max) this.issues.lineTooLong(this.where, Buffer.byteLength(line), max);
      else if (onLine(line) === true) {
        this.stoppedByLine = true;
        return nl >= n ? last + 1 : start + Buffer.byteLength(text.slice(0, nl + 1));
      }
      pos = nl + 1;
      if (timed && ++count >= stride) {
        count = 0;
        const now = performance.now();
        if (now > deadlineMs && pos < n) return start + Buffer.byteLength(text.slice(0, pos));
        stride = now - lastMs > 1 ? 1 : stride < 64 ? stride * 2 : 64;
        lastMs = now;
      }
    }
    return last + 1;
  }
}

/** Lines in `text`: one more than its LFs. */
function lineCount(text: string): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
