/**
 * Property tests: the hand-written scanners behind hashtags(), words() and
 * field() give exactly what the regex (and split) versions they replace give,
 * for random texts mixing ASCII, non-ASCII letters, marks, digits, astral
 * characters and lone surrogates.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { field, hashtags, words } from '../../src/plan/text-scan.js';
import { compileFunction } from '../../src/plan/compile-fn.js';

// The regex versions, as they were before the scanners: the reference.
const HASHTAG = /#([\p{L}\p{M}\p{N}_]+)/gu;
const WORD = /[\p{L}\p{M}\p{N}_']+/gu;
const hashtagsRef = (text: string): string[] => [...text.matchAll(HASHTAG)].map((m) => m[0].toLowerCase());
const wordsRef = (text: string): string[] => text.match(WORD) ?? [];

/** awk's `$n` by splitting: the naive reference of field(). */
function fieldRef(line: string, n: number, sep?: string): string {
  if (n === 0) return line;
  const parts = sep === undefined || sep === ' ' ? line.split(/[ \t\n]+/).filter((p) => p !== '') : line.split(sep);
  return parts[n - 1] ?? '';
}

const FRAGMENTS = [
  '#', '#', '##', "'", ' ', '  ', '\t', '\n', 'A', 'z', 'Q', '_', '9', '-', '.', ',', '@',
  'É', 'é', 'ß', 'İ', 'Σ', 'ǅ', '\u0301', '٣', '中', 'ｱ', '\u00a0', '\u2028',
  '😀', '𝐀', '𝟘', '\u{10400}', '\ud800', '\udc00', '\udbff\udfff',
];
const unit = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...FRAGMENTS) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 4 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) },
);
const text = fc.array(unit, { maxLength: 40 }).map((xs) => xs.join(''));

describe('hashtags() scanner', () => {
  it('equals the Unicode regex version', () => {
    fc.assert(fc.property(text, (s) => {
      expect(hashtags(s)).toEqual(hashtagsRef(s));
    }), { numRuns: 3000 });
  });
  it('examples: lower-cased, with #, Unicode letters and marks', () => {
    expect(hashtags('Go #Spark and #SPARK, #naïve #e\u0301t\u00e9 #中文 #_x1 # #')).toEqual(['#spark', '#spark', '#naïve', '#e\u0301t\u00e9', '#中文', '#_x1']);
    expect(hashtags('#𝐀𝐁 ##x #a-b')).toEqual(['#𝐀𝐁'.toLowerCase(), '#x', '#a']);
    expect(hashtags(42)).toEqual([]);
  });
});

describe('words() scanner', () => {
  it('equals the Unicode regex version', () => {
    fc.assert(fc.property(text, (s) => {
      expect(words(s)).toEqual(wordsRef(s));
    }), { numRuns: 3000 });
  });
  it("examples: letters, marks, digits, _ and ', as written", () => {
    expect(words("It's 5 o'clock, Zoë — ça\u0301 va?")).toEqual(["It's", '5', "o'clock", 'Zoë', 'ça\u0301', 'va']);
    expect(words(null)).toEqual([]);
  });
});

describe('field()', () => {
  const line = fc.array(fc.constantFrom('a', 'bc', ' ', '  ', '\t', '\n', ',', ', ', '|', 'é', '😀'), { maxLength: 20 }).map((xs) => xs.join(''));
  it('equals splitting the line (blanks by default, an exact separator otherwise)', () => {
    fc.assert(
      fc.property(line, fc.integer({ min: 0, max: 12 }), fc.constantFrom(undefined, ' ', ',', ', ', '|', '\t', 'bc'), (s, n, sep) => {
        expect(field(s, n, sep)).toBe(fieldRef(s, n, sep));
      }),
      { numRuns: 3000 },
    );
  });
  it("examples: awk's $n", () => {
    const log = '127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET /a.gif HTTP/1.0" 200 2326';
    expect(field(log, 1)).toBe('127.0.0.1');
    expect(field(log, 9)).toBe('200');
    expect(field(log, 10)).toBe('2326');
    expect(field(log, 11)).toBe('');
    expect(field(log, 0)).toBe(log);
    expect(field('  a \t b  ', 2)).toBe('b');
    expect(field('a,,c', 2, ',')).toBe('');
    expect(field('a,,c', 3, ',')).toBe('c');
    expect(field(undefined, 1)).toBeUndefined();
  });
  it('refuses a bad field number or separator', () => {
    expect(() => field('a', -1)).toThrow('field: n must be an integer ≥ 0 (1 is the first field), got -1');
    expect(() => field('a', 1.5)).toThrow(RangeError);
    expect(() => field('a', 1, '')).toThrow('field: sep must be a non-empty string, got ""');
  });
  it('is available inside FN', () => {
    const fn = compileFunction("l => field(l, 2, ':')", '--map');
    expect(fn('a:b:c')).toBe('b');
  });
});
