/**
 * Hand-written text scanners behind the `hashtags`, `words` and `field`
 * helpers: one pass over the UTF-16 code units with a table for ASCII; only a
 * non-ASCII character is classified by a Unicode regex (and the answer for a
 * BMP character is cached), so a line of ASCII never touches the regex engine.
 * `hashtags` and the tag-character tables live in operators/hashtags.ts (the
 * count of hashtags by value scans them in place, `ValueCounts.addHashtags`).
 *
 * Same rules as the regexes they replace (kept as the reference in
 * test/property/text-scan.property.test.ts):
 *   hashtags  /#([\p{L}\p{M}\p{N}_]+)/gu, each match lower-cased
 *   words     /[\p{L}\p{M}\p{N}_']+/gu
 */
import { ASCII_TAG, hashtags, tagCharAt } from '../operators/hashtags.js';

export { hashtags };

const APOSTROPHE = 0x27;

/** Index just past the run of tag characters (plus `'` when `apostrophe`) starting at `i`. */
function runEnd(s: string, i: number, apostrophe: boolean): number {
  const n = s.length;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c < 128) {
      if (ASCII_TAG[c] === 1 || (apostrophe && c === APOSTROPHE)) i++;
      else break;
    } else {
      const w = tagCharAt(s, i, c);
      if (w === 0) break;
      i += w;
    }
  }
  return i;
}

/** Words of a text (Unicode letters, marks, digits, `_`, `'`), as written. `[]` for non-strings. */
export function words(text: unknown): string[] {
  if (typeof text !== 'string') return [];
  const out: string[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const end = runEnd(text, i, true);
    if (end > i) {
      out.push(text.slice(i, end));
      i = end;
    } else {
      // Not a word character: skip it (a surrogate pair as one code point).
      const c = text.charCodeAt(i);
      i += c >= 0xd800 && c <= 0xdbff && i + 1 < n && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00 ? 2 : 1;
    }
  }
  return out;
}

/** awk's default field separators: space, tab and newline. */
function isBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 10;
}

/**
 * Field `n` of a line, as awk's `$n`, without splitting the line into an array.
 *
 * Fields are 1-based; `field(line, 0)` is the whole line. Without `sep` (or
 * with `' '`, as awk's default FS), fields are separated by runs of blanks
 * (space, tab, newline) and leading and trailing blanks are ignored. Any
 * other `sep` is an exact separator string (`','`, `'\t'`, `' | '`): every
 * occurrence separates, so fields may be empty.
 *
 * Examples: `field('a  b c', 2)` → `'b'`; `field('a,,c', 3, ',')` → `'c'`.
 *
 * @returns the field, `''` when the line has fewer than `n` fields (as awk),
 *   or `undefined` when `line` is not a string.
 * @throws RangeError when `n` is not a non-negative integer; TypeError when
 *   `sep` is given and is not a non-empty string.
 */
export function field(line: unknown, n: number, sep?: string): string | undefined {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`field: n must be an integer ≥ 0 (1 is the first field), got ${String(n)}`);
  if (sep !== undefined && (typeof sep !== 'string' || sep === '')) throw new TypeError(`field: sep must be a non-empty string, got ${JSON.stringify(sep)}`);
  if (typeof line !== 'string') return undefined;
  if (n === 0) return line;
  return sep === undefined || sep === ' ' ? blankField(line, n) : sepField(line, n, sep);
}

/**
 * `$n` with runs of blanks as separator. A line without tab or newline (the
 * usual log line) hops from space to space with `indexOf`, which V8 runs as a
 * memchr over the string: 2.2× the speed of the code-unit loop below on the
 * access log (fields 1 and 9). Property-tested against splitting in
 * test/property/.
 */
function blankField(s: string, n: number): string {
  if (s.indexOf('\t') !== -1 || s.indexOf('\n') !== -1) return blankFieldByUnit(s, n);
  const len = s.length;
  let i = 0;
  while (i < len && s.charCodeAt(i) === 32) i++;
  for (let k = 1; ; k++) {
    if (i >= len) return '';
    const end = s.indexOf(' ', i);
    if (k === n) return end === -1 ? s.slice(i) : s.slice(i, end);
    if (end === -1) return '';
    i = end + 1;
    while (i < len && s.charCodeAt(i) === 32) i++;
  }
}

/** `$n` with runs of blanks (space, tab, newline) as separator, one code unit at a time. */
function blankFieldByUnit(s: string, n: number): string {
  const len = s.length;
  let i = 0;
  for (let k = 1; ; k++) {
    while (i < len && isBlank(s.charCodeAt(i))) i++;
    if (i === len) return '';
    const start = i;
    while (i < len && !isBlank(s.charCodeAt(i))) i++;
    if (k === n) return s.slice(start, i);
  }
}

function sepField(s: string, n: number, sep: string): string {
  let start = 0;
  for (let k = 1; k < n; k++) {
    const at = s.indexOf(sep, start);
    if (at === -1) return '';
    start = at + sep.length;
  }
  const end = s.indexOf(sep, start);
  return end === -1 ? s.slice(start) : s.slice(start, end);
}
