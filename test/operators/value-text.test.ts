/**
 * Values kept by text in distinct / approx-distinct / topk:N (operators/value-text.ts): values the
 * user tells apart stay apart (1 vs "1", true vs "true", null vs "null", arrays vs their join,
 * objects by JSON text), equal objects are one value, and topk gives back the values themselves.
 * Property: against a naive reference that compares values by type and JSON text.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { builtinReducer } from '../../src/operators/reducers.js';
import { valueFromText, valueText } from '../../src/operators/value-text.js';

const value = fc.oneof(
  fc.string(), fc.constantFrom('1', 'true', 'null', '\u0000n1', '', 'undefined'), fc.integer({ min: -5, max: 5 }), fc.double({ noNaN: true }),
  fc.boolean(), fc.constant(null), fc.constant(undefined), fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }),
  fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }), fc.dictionary(fc.constantFrom('x', 'y'), fc.integer({ min: 0, max: 2 })),
);

/** The naive identity: type, then JSON text (numbers: an integer BigInt equals the same number). */
function naiveId(v: unknown): string {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? `number:${Number(v)}` : `bigint:${v}`;
  if (typeof v === 'number') return Object.is(v, -0) ? 'number:0' : `number:${v}`;
  if (v === undefined) return 'undefined';
  return `${v === null ? 'null' : typeof v}:${JSON.stringify(v)}`;
}

/** Runs a built-in reducer over `vs` the way an aggregation does: lift, accumulate, combine halves, finish. */
function reduce(name: string, vs: unknown[]): unknown {
  const r = builtinReducer(name as Parameters<typeof builtinReducer>[0]);
  const half = (xs: unknown[]) => xs.slice(1).reduce((acc, v) => r.accumulate!(acc, v), r.lift!(xs[0]));
  const cut = Math.max(1, vs.length >> 1);
  const parts = [vs.slice(0, cut), vs.slice(cut)].filter((p) => p.length > 0).map(half);
  return r.finish!(parts.length === 1 ? parts[0] : r.combine!(parts[0], parts[1]));
}

describe('values by text', () => {
  it('valueFromText inverts valueText (property)', () => {
    fc.assert(fc.property(value, (v) => {
      const back = valueFromText(valueText(v));
      if (typeof v === 'bigint' && Number.isSafeInteger(Number(v))) expect(back).toBe(Number(v));
      else if (typeof v === 'number' && Object.is(v, -0)) expect(back).toBe(0);
      else expect(back).toEqual(v);
    }));
  });

  it('distinct and approx-distinct (exact below 5,000) count what a naive reference counts (property)', () => {
    fc.assert(fc.property(fc.array(value, { minLength: 1, maxLength: 40 }), (vs) => {
      const expected = new Set(vs.map(naiveId)).size;
      expect(reduce('distinct', vs)).toBe(expected);
      expect(reduce('approx-distinct', vs)).toBe(expected);
    }));
  });

  it('topk:N keeps 1 and "1", null and "null", arrays and objects apart and gives the values back', () => {
    expect(reduce('topk:5', [1, 1, '1', null, 'null'])).toEqual([[1, 2], ['1', 1], [null, 1], ['null', 1]]);
    expect(reduce('topk:4', [[1, 2], '1,2', { x: 1 }, { x: 1 }])).toEqual([[{ x: 1 }, 2], [[1, 2], 1], ['1,2', 1]]);
  });
});
