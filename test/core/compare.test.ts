/** `compareKeys` is a total order, so rows merged from several key partitions sort as one run's. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareKeys } from '../../src/core/compare.js';

describe('compareKeys', () => {
  it('NaN first among numbers, a number before the BigInt of its value', () => {
    const keys = [10n, 'NaN', 1, NaN, '1', 10, -1n, [NaN]];
    expect([...keys].sort(compareKeys)).toEqual([NaN, -1n, 1, 10, 10n, '1', 'NaN', [NaN]]);
  });

  it('sorts the same whatever the input order (property)', () => {
    const key = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom(NaN, 0, -0, 2n, 3n, -1n, 'a', '1', 'NaN'));
    fc.assert(fc.property(fc.array(key, { maxLength: 12 }), (ks) => {
      const a = [...ks].sort(compareKeys);
      const b = [...ks].reverse().sort(compareKeys);
      expect(a.map((k) => typeof k + String(k)).join()).toBe(b.map((k) => typeof k + String(k)).join());
    }), { numRuns: 500 });
  });
});
