/**
 * A byte buffer that output rows are formatted into directly, as UTF-8,
 * without a string per row: a 1 h window sliding every second writes ~810,000
 * rows, and building each as a string (a rope of head, fields and newline),
 * appending it to a chunk string and encoding the chunk cost most of the
 * output time in allocation and garbage collection (bench/rows.js).
 *
 * The primitives write only what they can write exactly: `str` writes a
 * string whose characters are all ASCII and none special for the format,
 * `integer` a safe integer; each returns false otherwise, having written part
 * of it, and the caller rewinds `n` to the row's start and writes the row's
 * text instead (`text`), formatted by format.ts. So every byte is the UTF-8
 * encoding of the text the string formatters give (property-tested).
 *
 * `handOn(bytes)` receives full chunks (a copy: the buffer is reused).
 */

/** Per ASCII code: 1 when a format must escape or quote the character. */
export type SpecialTable = Uint8Array;

function table(codes: (c: number) => boolean): SpecialTable {
  const t = new Uint8Array(128);
  for (let c = 0; c < 128; c++) t[c] = codes(c) ? 1 : 0;
  return t;
}
/** tsv escapes `\`, tab, LF, CR (format.ts `tsvField`). */
export const TSV_SPECIAL = table((c) => c === 92 || c === 9 || c === 10 || c === 13);
/** csv quotes a field holding `"`, `,`, CR or LF (format.ts `csvField`). */
export const CSV_SPECIAL = table((c) => c === 34 || c === 44 || c === 10 || c === 13);
/** JSON escapes control characters, `"` and `\`. */
export const JSON_SPECIAL = table((c) => c < 32 || c === 34 || c === 92);

/** `00`…`99` as character codes, two per number. */
const PAIRS = new Uint8Array(200);
for (let i = 0; i < 100; i++) {
  PAIRS[2 * i] = 48 + Math.floor(i / 10);
  PAIRS[2 * i + 1] = 48 + (i % 10);
}

/** Bytes of row text (see module doc). */
export class RowBytes {
  buf: Buffer;
  /** Bytes written so far in `buf`. */
  n = 0;

  /**
   * @param handOn receives each full chunk (a copy) and what is left at `flush`
   * @param capacity buffer size in bytes (≥ 256)
   */
  constructor(private readonly handOn: (bytes: Buffer) => void, readonly capacity = 1 << 16) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  /** Makes room for `max` more bytes (handing on the chunk when it is fuller); `max` ≤ capacity. */
  room(max: number): void {
    if (this.n + max > this.capacity) this.flush();
  }

  /**
   * Hands on the bytes written so far, if any: a buffer at least a quarter full is handed on as
   * it is (a new one takes its place), a smaller part is copied (a batch of a few rows does not
   * hold a whole buffer while it waits to be written).
   */
  flush(): void {
    const n = this.n;
    if (n === 0) return;
    let chunk: Buffer;
    if (n * 4 >= this.capacity) {
      chunk = this.buf.subarray(0, n);
      this.buf = Buffer.allocUnsafe(this.capacity);
    } else {
      chunk = Buffer.allocUnsafe(n);
      this.buf.copy(chunk, 0, 0, n);
    }
    this.n = 0;
    this.handOn(chunk);
  }

  /** Drops the bytes written since the last flush. */
  clear(): void {
    this.n = 0;
  }

  /** Any text, as UTF-8 (a lone surrogate becomes U+FFFD, as Node's stream encoding does). */
  text(s: string): void {
    if (s.length * 3 > this.capacity - this.n) {
      this.flush();
      if (s.length * 3 > this.capacity) {
        this.handOn(Buffer.from(s, 'utf8'));
        return;
      }
    }
    this.n += this.buf.write(s, this.n, 'utf8');
  }

  /** `bytes` (a row head, a constant); the caller has made room. */
  bytes(bytes: Uint8Array): void {
    // `set` copies as one block: 6× faster than a loop over a 60-byte json head (measured).
    this.buf.set(bytes, this.n);
    this.n += bytes.length;
  }

  /** One ASCII byte; the caller has made room. */
  byte(c: number): void {
    this.buf[this.n++] = c;
  }

  /**
   * Writes `s` when every character is ASCII and not `special` for the format;
   * otherwise returns false (part of it may be written). The caller has made
   * room for `s.length` bytes.
   */
  str(s: string, special: SpecialTable): boolean {
    const buf = this.buf;
    let n = this.n;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 128 || special[c] === 1) return false;
      buf[n++] = c;
    }
    this.n = n;
    return true;
  }

  /**
   * Writes the decimal text of `x` (`String(x)`) when it is a safe integer
   * (|x| ≤ 2^53 − 1; −0 is written `0`, as String does); otherwise returns
   * false, writing nothing. The caller has made room for 17 bytes.
   */
  integer(x: number): boolean {
    if (!Number.isSafeInteger(x)) return false;
    if (x < 0) {
      this.buf[this.n++] = 45;
      x = -x;
    }
    if (x < 1e8) this.digits(x);
    else {
      // Beyond 2^31 division is on doubles: one split at 10^8 leaves two small integers.
      const hi = Math.floor(x / 1e8);
      this.digits(hi);
      this.eightDigits(x - hi * 1e8);
    }
    return true;
  }

  /** The decimal digits of an integer 0 ≤ y < 10^8. */
  private digits(y: number): void {
    const len = y < 10 ? 1 : y < 100 ? 2 : y < 1000 ? 3 : y < 10000 ? 4 : y < 100000 ? 5 : y < 1000000 ? 6 : y < 10000000 ? 7 : 8;
    this.n += len;
    this.backwards(y, this.n);
  }

  /** An integer 0 ≤ y < 10^8 as exactly eight digits (leading zeros). */
  private eightDigits(y: number): void {
    this.n += 8;
    const buf = this.buf;
    let end = this.n;
    for (let i = 0; i < 4; i++) {
      const q = (y / 100) | 0;
      const r = 2 * (y - q * 100);
      buf[--end] = PAIRS[r + 1]!;
      buf[--end] = PAIRS[r]!;
      y = q;
    }
  }

  /** The digits of 0 ≤ y < 10^8, ending just before `end`. */
  private backwards(y: number, end: number): void {
    const buf = this.buf;
    while (y >= 100) {
      const q = (y / 100) | 0;
      const r = 2 * (y - q * 100);
      buf[--end] = PAIRS[r + 1]!;
      buf[--end] = PAIRS[r]!;
      y = q;
    }
    if (y >= 10) {
      buf[--end] = PAIRS[2 * y + 1]!;
      buf[--end] = PAIRS[2 * y]!;
    } else buf[--end] = 48 + y;
  }
}

/** The bytes of an ASCII string. */
export function asciiBytes(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return b;
}
const NULL = asciiBytes('null');
const KEY = asciiBytes('"key":');
const COMMA_VALUE = asciiBytes(',"value":');
const VALUE = asciiBytes('"value":');

/** A json field value: a safe integer, an ASCII string JSON writes as it is (quoted), null or undefined (`null`); false otherwise. */
function jsonValue(b: RowBytes, x: unknown): boolean {
  if (typeof x === 'number') return b.integer(x);
  if (typeof x === 'string') {
    b.byte(34);
    if (!b.str(x, JSON_SPECIAL)) return false;
    b.byte(34);
    return true;
  }
  if (x === undefined || x === null) {
    b.bytes(NULL);
    return true;
  }
  return false;
}

/**
 * One json line (format.ts `jsonRecord`) after `head` (`{"time":T,` and the
 * window fields), when every value is a `jsonValue`; false otherwise (the
 * caller rewinds). Room: `head.length` + 48 + the strings' lengths.
 */
export function jsonRow(b: RowBytes, head: Uint8Array, x: unknown): boolean {
  b.bytes(head);
  if (Array.isArray(x) && x.length === 2) {
    b.bytes(KEY);
    if (!jsonValue(b, x[0])) return false;
    b.bytes(COMMA_VALUE);
    if (!jsonValue(b, x[1])) return false;
  } else {
    b.bytes(VALUE);
    if (!jsonValue(b, x)) return false;
  }
  b.byte(125);
  b.byte(10);
  return true;
}

/** A tsv/csv field: a safe integer or an ASCII string the format writes as it is; false otherwise. */
function field(b: RowBytes, x: unknown, special: SpecialTable): boolean {
  if (typeof x === 'number') return b.integer(x);
  return typeof x === 'string' && b.str(x, special);
}

/**
 * One tsv or csv line (format.ts `delimitedRecord`) after `head` (the
 * window start and separator), when every field is a `field`; false otherwise (the
 * caller rewinds). Room: `head.length` + 48 + the strings' lengths.
 */
export function delimitedRow(b: RowBytes, head: Uint8Array, x: unknown, special: SpecialTable, sep: number): boolean {
  b.bytes(head);
  if (Array.isArray(x) && x.length === 2) {
    if (!field(b, x[0], special)) return false;
    b.byte(sep);
    if (!field(b, x[1], special)) return false;
  } else if (!field(b, x, special)) return false;
  b.byte(10);
  return true;
}

/** Bytes to make room for before `jsonRow`/`delimitedRow` of record `x` after a head of `headLength` characters. */
export function rowRoom(headLength: number, x: unknown): number {
  let n = headLength + 48;
  if (Array.isArray(x)) {
    if (typeof x[0] === 'string') n += x[0].length;
    if (typeof x[1] === 'string') n += x[1].length;
  } else if (typeof x === 'string') n += x.length;
  return n;
}
