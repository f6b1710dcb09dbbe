/**
 * Packing a `--workers` thread's counts by value straight from their table (`ValueCounts.keptKeys`,
 * `encodePartitions` with key bytes, `MapSideCombiner.takePacked`): the same chunks, byte for byte,
 * as packing the key strings (`takeColumns`, then `encodePartitions`), for hashtags counted in place
 * (ASCII, in the arena), tags with other characters, keys added as strings, and keys that are not
 * strings (not packed: the columns are given instead, equal to `takeColumns`').
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MapSideCombiner } from '../../src/engine/map-side-combine.js';
import { encodePartitions } from '../../src/engine/partial-codec.js';
import { ValueCounts } from '../../src/operators/value-counts.js';

const unit = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('#', '#', ' ', 'A', 'a', 'Tag', 'tag', '_', '9', '-', 'É', 'é', '中', '😀', '\u0000obj:x') },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 500 }).map((i) => `#T${i.toString(36)}`) },
  { weight: 1, arbitrary: fc.integer({ min: 250, max: 260 }).map((n) => '#' + 'aB'.repeat(n).slice(0, n)) },
);
const text = fc.array(unit, { maxLength: 20 }).map((xs) => xs.join(''));
/** A text whose hashtags are counted; a key added as is; or a read of `keys` (its arena strings made). */
const step = fc.oneof(
  { weight: 5, arbitrary: text.map((t) => ({ tags: t })) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>('#tag', '#é', 'plain', '', '\ud800').map((k) => ({ key: k })) },
  { weight: 1, arbitrary: fc.constant({ read: true }) },
);
const bytes = (chunks: ArrayBuffer[] | undefined) => chunks?.map((c) => [...new Uint8Array(c)]);

describe('counts by value packed from their table', () => {
  it('ValueCounts.keptKeys packs to the same chunks as the key strings', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 30 }), fc.integer({ min: 1, max: 4 }), (steps, n) => {
        const c = new ValueCounts();
        for (const s of steps) {
          if ('tags' in s) c.addHashtags(s.tags);
          else if ('key' in s) c.add(s.key);
          else void c.keys;
        }
        const kept = c.keptKeys();
        const direct = encodePartitions(kept.list as (string | undefined)[], c.counts, n, kept);
        expect(bytes(direct)).toEqual(bytes(encodePartitions(c.keys as string[], c.counts, n)));
      }),
      { numRuns: 400 },
    );
  });

  it('MapSideCombiner.takePacked gives the chunks of takeColumns, or its columns when they cannot be packed', () => {
    const lines = fc.array(fc.oneof(text, fc.constantFrom('7', 'undefined', '#A #a')), { maxLength: 12 });
    fc.assert(
      fc.property(lines, fc.boolean(), fc.integer({ min: 1, max: 3 }), (ls, mixed, n) => {
        // `mixed`: a number key for lines "7" (not packable); else the hashtags, counted in place from whole texts.
        const source = mixed ? 'l => l === "7" ? [7] : l === "undefined" ? [undefined] : hashtags(l)' : 't => hashtags(t)';
        const make = () => new MapSideCombiner({ prefix: [{ op: 'flat-map', source }], aggregation: { op: 'count-by-value' }, paneMs: Number.MAX_SAFE_INTEGER, watermarkDelayMs: 0, onError: 'skip' });
        const [a, b] = [make(), make()];
        for (const c of [a, b]) {
          const joined = ls.map((l) => l + '\n').join('');
          if (!c.lines(joined, ls.length)) for (const l of ls) c.line(l);
        }
        const { packed, columns } = a.takePacked(n);
        const expected = b.takeColumns();
        if (packed) {
          expect(columns).toEqual([]);
          const [keys, values] = expected.length ? [expected[0]![1], expected[0]![2]] : [[], []];
          expect(bytes(packed)).toEqual(bytes(encodePartitions(keys as string[], values as number[], n)));
        } else {
          expect(columns).toEqual(expected);
          expect(expected.some(([, keys]) => keys.some((k) => typeof k !== 'string'))).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });
});
