/**
 * Property tests of the fused count of hashtags (`ValueCounts.addHashtags`, reached from
 * `--flat-map 't => hashtags(t)' --count-by-value`): the same keys, counts and first-seen order
 * as counting each string of `hashtags(text)` with `add`, and as a naive count of the Unicode
 * regex's matches; mixed with `add` of other keys (latin1, wider code units, numbers) in one table.
 * Also: which function texts compile to the `hashtags` helper itself, or are listed in
 * `HASHTAGS_OF_FIELD` (what the fusion recognises).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HASHTAGS_OF_FIELD, hashtags } from '../../src/operators/hashtags.js';
import { ValueCounts } from '../../src/operators/value-counts.js';
import { compileFunction } from '../../src/plan/compile-fn.js';
import { naiveCounts } from '../helpers/naive-counts.js';

const HASHTAG = /#([\p{L}\p{M}\p{N}_]+)/gu;
const hashtagsRef = (text: string): string[] => [...text.matchAll(HASHTAG)].map((m) => m[0].toLowerCase());

const FRAGMENTS = [
  '#', '#', '#', '##', ' ', '\n', '\r', 'A', 'a', 'z', 'Z', 'Tag', 'TAG', 'tag', '_', '9', '-', '.', '@',
  'É', 'é', 'ÿ', 'ß', 'İ', 'Σ', '\u0301', '中', '\u00a0', '…', '😀', '𝐀', '\ud800', '\udc00',
];
const unit = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...FRAGMENTS) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) },
  // Many distinct ASCII tags, so that the table grows several times.
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 3000 }).map((i) => `#T${i.toString(36)}`) },
  // Tags around the longest key kept in the arena (32 code units).
  { weight: 1, arbitrary: fc.integer({ min: 28, max: 36 }).map((n) => '#' + 'aB'.repeat(n).slice(0, n)) },
);
const text = fc.array(unit, { maxLength: 30 }).map((xs) => xs.join(''));
/** An input: a text whose hashtags are counted, or a key added as is. */
const step = fc.oneof(
  { weight: 4, arbitrary: text.map((t) => ({ tags: t })) },
  { weight: 1, arbitrary: fc.oneof(fc.constantFrom('#tag', '#é', '#中', 'plain', '', 0, -0, NaN, null, true), text).map((k) => ({ key: k as unknown })) },
);

function table(c: ValueCounts): [unknown, number][] {
  const counts = c.counts;
  expect(c.size).toBe(c.keys.length);
  return c.keys.map((k, i) => [k, counts[i]!]);
}

describe('ValueCounts.addHashtags (the fused --flat-map hashtags --count-by-value)', () => {
  it('equals add() of each hashtags() string, and a naive count of the regex matches (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 400 }), (steps) => {
        const fused = new ValueCounts();
        const general = new ValueCounts();
        const records: unknown[] = [];
        for (const s of steps) {
          if ('tags' in s) {
            fused.addHashtags(s.tags);
            for (const t of hashtags(s.tags)) general.add(t);
            records.push(...hashtagsRef(s.tags));
          } else {
            fused.add(s.key);
            general.add(s.key);
            records.push(s.key);
          }
        }
        expect(table(fused)).toEqual(table(general));
        expect(table(fused)).toEqual(naiveCounts(records));
      }),
      { numRuns: 300 },
    );
  });

  it('examples: case folded, a tag cut by a non-tag character, non-ASCII tags through add', () => {
    const c = new ValueCounts();
    c.addHashtags('#Spark #SPARK, #spark… ## #naïve #NAÏVE #a-b #中文\n#x#y');
    c.add('#spark');
    expect(table(c)).toEqual([['#spark', 4], ['#naïve', 2], ['#a', 1], ['#中文', 1], ['#x', 1], ['#y', 1]]);
    const long = '#' + 'Ab'.repeat(20); // longer than the keys kept in the arena
    c.addHashtags(`${long} ${long.toUpperCase()}`);
    c.add(long.toLowerCase());
    expect(table(c).slice(-1)).toEqual([[long.toLowerCase(), 3]]);
  });

  it('keeps 100,000 distinct tags, each counted, keys as plain strings', () => {
    const c = new ValueCounts();
    for (let i = 0; i < 100_000; i++) c.addHashtags(`x #K${i} y`);
    for (let i = 0; i < 100_000; i += 2) c.addHashtags(`#k${i}`);
    expect(c.keys.length).toBe(100_000);
    expect(c.keys[99_999]).toBe('#k99999');
    const counts = c.counts;
    expect(counts[0]).toBe(2);
    expect(counts[1]).toBe(1);
  });
});

describe('compileFunction: a function that only calls hashtags is the helper itself', () => {
  it.each(['t => hashtags(t)', '(t)=>hashtags( t )', ' line  =>  hashtags(line) ', 'hashtags'])('%s', (src) => {
    expect(compileFunction(src, '--flat-map')).toBe(hashtags);
  });
  it.each(['t => hashtags(t.text)', 'hashtags => hashtags(hashtags)', 't => hashtags(u)', 't => [...hashtags(t)]', '(function (t) { return hashtags(t) })'])('not %s', (src) => {
    expect(compileFunction(src, '--flat-map')).not.toBe(hashtags);
  });
  it.each([['t => hashtags(t.text)', 'text'], ['(tw) => hashtags( tw . body )', 'body']])('%s is listed with its field', (src, field) => {
    const fn = compileFunction(src, '--flat-map');
    expect(HASHTAGS_OF_FIELD.get(fn)).toBe(field);
    expect(fn({ [field]: '#A #b' })).toEqual(['#a', '#b']);
  });
  it.each(['t => hashtags(u.text)', 'hashtags => hashtags(hashtags.text)', 't => hashtags(t.text.x)', 't => hashtags(t)'])('%s is not listed', (src) => {
    expect(HASHTAGS_OF_FIELD.get(compileFunction(src, '--flat-map'))).toBeUndefined();
  });
});
