/**
 * ValueCounts (operators/value-counts.ts) against a naive count: strings (short, long, equal
 * hashes' neighbours, thousands of distinct ones so that the table grows several times), numbers
 * with NaN and −0, booleans, null, undefined; keys in first-seen order, each with its count.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValueCounts } from '../../src/operators/value-counts.js';
import { naiveCounts } from '../helpers/naive-counts.js';

function counted(keys: unknown[], copyKeys: boolean): [unknown, number][] {
  const c = new ValueCounts(copyKeys);
  for (const k of keys) c.add(k);
  expect(c.size).toBe(c.keys.length);
  const counts = c.counts; // a fresh array per read
  return c.keys.map((k, i) => [k, counts[i]!]);
}

const key = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.integer({ min: 0, max: 5000 }).map((i) => `#tag${i}`), // many distinct keys: the table grows
  fc.constantFrom('', 'a', 'a_key_longer_than_thirteen_units', 0, -0, 1, NaN, true, false, null, undefined),
);

describe('ValueCounts', () => {
  it('equals a naive count in first-seen order (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(key, { maxLength: 3000 }), fc.boolean(), (keys, copy) => {
        expect(counted(keys, copy)).toEqual(naiveCounts(keys));
      }),
      { numRuns: 200 },
    );
  });
  it('holds 100,000 distinct keys, each counted', () => {
    const keys = Array.from({ length: 100_000 }, (_, i) => `k${i}`);
    const c = new ValueCounts(false);
    for (const k of keys) c.add(k);
    for (let i = 0; i < keys.length; i += 3) c.add(keys[i]);
    expect(c.keys).toEqual(keys);
    expect(c.counts.reduce((a, b) => a + b, 0)).toBe(100_000 + Math.ceil(100_000 / 3));
    expect(c.counts[0]).toBe(2);
    expect(c.counts[1]).toBe(1);
  });
});
