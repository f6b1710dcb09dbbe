/**
 * Hand-written text scanners behind the `hashtags`, `words` and `field`
 * helpers: one pass over the UTF-16 code units with a table for ASCII; only a
 * non-ASCII character is classified by a Unicode regex (and the answer for a
 * BMP character is cached), so a line of ASCII never touches the regex engine.
 *
 * Same rules as the regexes they replace (kept as the reference in
 * test/property/text-scan.property.test.ts):
 *   hashtags  /#([\p{L}\p{M}\p{N}_]+)/gu, each match lower-cased
 *   words     /[\p{L}\p{M}\p{N}_']+/gu
 */

/** A Unicode code point that is a letter, mark, digit or `_` (a tag character). */
const TAG_CHAR = /^[\p{L}\p{M}\p{N}_]$/u;

/** ASCII code unit → 1 when it is a tag character ([A-Za-z0-9_]). */
const ASCII_TAG = new Uint8Array(128);
for (let c = 0; c < 128; c++) ASCII_TAG[c] = TAG_CHAR.test(String.fromCharCode(c)) ? 1 : 0;
/** ASCII code unit → 0 not a tag character, 1 one that toLowerCase keeps, 2 an upper-case letter A–Z. */
const ASCII_TAG_CASE = new Uint8Array(128);
for (let c = 0; c < 128; c++) ASCII_TAG_CASE[c] = ASCII_TAG[c] === 0 ? 0 : c >= 65 && c <= 90 ? 2 : 1;
const APOSTROPHE = 0x27;
const HASH = 0x23;

/** BMP code unit → 0 not yet classified, 1 tag character, 2 not (surrogates are never stored). */
const BMP_CLASS = new Uint8Array(0x10000);

/**
 * Length in code units (1 or 2) of the tag character starting at `i`, or 0
 * when there is none. A lone surrogate is not a tag character (as with the
 * `u` flag, where it is its own code point of category Cs).
 */
function tagCharAt(s: string, i: number, c: number): number {
  if (c < 128) return ASCII_TAG[c]!;
  if (c >= 0xd800 && c <= 0xdbff) {
    const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
    if (d < 0xdc00 || d > 0xdfff) return 0;
    return TAG_CHAR.test(s.slice(i, i + 2)) ? 2 : 0;
  }
  if (c >= 0xdc00 && c <= 0xdfff) return 0;
  let k = BMP_CLASS[c]!;
  if (k === 0) {
    k = TAG_CHAR.test(String.fromCharCode(c)) ? 1 : 2;
    BMP_CLASS[c] = k;
  }
  return k === 1 ? 1 : 0;
}

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

/** Set by `tagEnd`: whether the run it measured may change under toLowerCase (an A–Z or a non-ASCII code unit). */
let tagMayHaveUpper = false;

/**
 * `runEnd(s, i, false)` that also notes in `tagMayHaveUpper` whether the run
 * may change under toLowerCase, in the same pass (a tag is read once, not twice).
 */
function tagEnd(s: string, i: number): number {
  const n = s.length;
  let upper = false;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c < 128) {
      const k = ASCII_TAG_CASE[c]!;
      if (k === 0) break;
      if (k === 2) upper = true;
      i++;
    } else {
      const w = tagCharAt(s, i, c);
      if (w === 0) break;
      upper = true;
      i += w;
    }
  }
  tagMayHaveUpper = upper;
  return i;
}

/** Hashtags of a text, lower-cased, with the `#`: letters, marks, digits and `_` (Unicode). `[]` for non-strings. */
export function hashtags(text: unknown): string[] {
  if (typeof text !== 'string') return [];
  const out: string[] = [];
  let i = text.indexOf('#');
  while (i !== -1) {
    const end = tagEnd(text, i + 1);
    if (end > i + 1) {
      // One flat string per tag (a slice is copied when short, and toLowerCase flattens): Map
      // lookups then hash it once (a cons string '#' + tag measured 30 % of a top-hashtags job).
      const tag = text.slice(i, end);
      out.push(tagMayHaveUpper ? tag.toLowerCase() : tag);
      i = text.indexOf('#', end);
    } else {
      i = text.indexOf('#', i + 1);
    }
  }
  return out;
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
