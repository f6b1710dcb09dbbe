/**
 * The `hashtags` helper and the tag-character tables it shares with the
 * other text scanners (plan/text-scan.ts) and with the fused count of
 * hashtags (`ValueCounts.addHashtags`): one pass over the UTF-16 code units
 * with a table for ASCII; only a non-ASCII character is classified by a
 * Unicode regex (and the answer for a BMP character is cached), so a line of
 * ASCII never touches the regex engine.
 *
 * Same rule as the regex it replaces (kept as the reference in
 * test/property/text-scan.property.test.ts):
 *   hashtags  /#([\p{L}\p{M}\p{N}_]+)/gu, each match lower-cased
 */

/** A Unicode code point that is a letter, mark, digit or `_` (a tag character). */
const TAG_CHAR = /^[\p{L}\p{M}\p{N}_]$/u;

/** ASCII code unit → 1 when it is a tag character ([A-Za-z0-9_]). */
export const ASCII_TAG = new Uint8Array(128);
for (let c = 0; c < 128; c++) ASCII_TAG[c] = TAG_CHAR.test(String.fromCharCode(c)) ? 1 : 0;
/** ASCII code unit → 0 not a tag character, 1 one that toLowerCase keeps, 2 an upper-case letter A–Z. */
export const ASCII_TAG_CASE = new Uint8Array(128);
for (let c = 0; c < 128; c++) ASCII_TAG_CASE[c] = ASCII_TAG[c] === 0 ? 0 : c >= 65 && c <= 90 ? 2 : 1;

/** ASCII code unit → itself lower-cased when it is a tag character, else 0. */
export const ASCII_TAG_LOWER = new Uint8Array(128);
for (let c = 0; c < 128; c++) ASCII_TAG_LOWER[c] = ASCII_TAG[c] === 0 ? 0 : c >= 65 && c <= 90 ? c + 32 : c;

/** BMP code unit → 0 not yet classified, 1 tag character, 2 not (surrogates are never stored). */
const BMP_CLASS = new Uint8Array(0x10000);

/**
 * Length in code units (1 or 2) of the tag character starting at `s[i]`
 * (code unit `c`), or 0 when there is none. A lone surrogate is not a tag
 * character (as with the `u` flag, where it is its own code point of category Cs).
 */
export function tagCharAt(s: string, i: number, c: number): number {
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

/** Set by `tagEnd`: whether the run it measured may change under toLowerCase (an A–Z or a non-ASCII code unit). */
let tagMayHaveUpper = false;

/**
 * Index just past the run of tag characters starting at `s[i]`; notes in
 * `tagMayHaveUpper` whether the run may change under toLowerCase, in the
 * same pass (a tag is read once, not twice).
 */
export function tagEnd(s: string, i: number): number {
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

/**
 * User functions that are `x => hashtags(x.FIELD)` (plan/compile-fn.ts), with their FIELD: a
 * count by value after such a `--flat-map` counts the hashtags of `record[FIELD]` in place.
 */
export const HASHTAGS_OF_FIELD = new WeakMap<(...args: any[]) => unknown, string>();

/**
 * A node that counts the hashtags of a text itself, the fused form of `--flat-map hashtags`
 * followed by it (operators/stateless.ts): `hashtagCounter()` gives a function that counts each
 * hashtag of `text` (record time `tMs`) exactly as if each `hashtags(text)` string had been
 * passed to `record`, or undefined when the node does not count by value.
 */
export interface HashtagCounter {
  hashtagCounter(): ((text: string, tMs: number) => void) | undefined;
}

/** What a stateless step pushes to the next: a record and its time (operators/stateless.ts). */
type Push = (value: unknown, tMs: number) => void;

/**
 * The last step of a run of stateless steps (operators/stateless.ts), whose function is `fn`, as
 * one call when it is `--flat-map hashtags` or `--flat-map 'x => hashtags(x.FIELD)'` (see
 * plan/compile-fn.ts) and the next node counts by value (`HashtagCounter`): the tags are counted where they stand in the text, with no array and no
 * string per tag already seen. Same counts, keys, order and step counts as the general path
 * (`hashtags` never throws: a non-string has no tags); a record whose FIELD cannot be read (null,
 * undefined, a throwing getter) goes through the general step (`general()`), which reports the
 * user's function's own error. The top-hashtags job (bench J1) spends most of its time here.
 * @param c the step's counts (`passed`: records that got through it).
 * @param out the next node.
 * @returns the step, or undefined when it is not one of these (compile it as any other).
 */
export function fusedHashtagCount(fn: (x: any) => unknown, c: { passed: number }, out: unknown, general: () => Push): Push | undefined {
  const field = HASHTAGS_OF_FIELD.get(fn);
  if (fn !== hashtags && field === undefined) return undefined;
  const count = (out as Partial<HashtagCounter>).hashtagCounter?.();
  if (count === undefined) return undefined;
  if (field === undefined) {
    return (v, t) => {
      c.passed++;
      if (typeof v === 'string') count(v, t);
    };
  }
  const slow = general();
  return (v, t) => {
    let text: unknown;
    try {
      text = v === null || v === undefined ? FIELD_UNREADABLE : (v as Record<string, unknown>)[field];
    } catch {
      text = FIELD_UNREADABLE;
    }
    if (text === FIELD_UNREADABLE) {
      slow(v, t);
      return;
    }
    c.passed++;
    if (typeof text === 'string') count(text, t);
  };
}

/** A record whose field the fused `x => hashtags(x.FIELD)` could not read. */
const FIELD_UNREADABLE: unique symbol = Symbol('field unreadable');

/**
 * The lines of a text all at once, for a run of stateless steps that is only `--flat-map hashtags`
 * fused with the count by value after it (`out`): each line passes the step (`c.passed`), and the
 * tags of the whole text are counted in processing time — the same counts and first-seen order
 * as line by line, as no tag spans a line end. Undefined when the step is not that.
 */
export function fusedTextCount(fn: (x: any) => unknown, c: { passed: number }, out: unknown): ((text: string, lines: number) => void) | undefined {
  if (fn !== hashtags) return undefined;
  const count = (out as Partial<HashtagCounter>).hashtagCounter?.();
  if (count === undefined) return undefined;
  return (text, lines) => {
    c.passed += lines;
    count(text, NaN);
  };
}
