/** flatCopy: the copy of a key is the same string, for any string and any slice of a large one (fast-check). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { flatCopy } from '../../src/operators/keyed-map.js';

describe('flatCopy', () => {
  it('returns an equal string (fast-check)', () => {
    const big = 'x'.repeat(70_000) + '😀é\ud800' + 'y'.repeat(1000);
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 40 }), fc.nat(big.length), fc.nat(40), (s, from, len) => {
      expect(flatCopy(s)).toBe(s);
      const slice = big.slice(from, from + len);
      expect(flatCopy(slice)).toBe(slice);
    }), { numRuns: 3000 });
  });
});
