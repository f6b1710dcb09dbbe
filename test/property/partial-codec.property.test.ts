/**
 * Property tests of the packed partials of `--workers` (engine/partial-codec.ts) and of their
 * merge one key partition at a time (engine/workers-merge.ts), against a naive reference: one
 * map filled part by part in file order, as one thread would first see the keys.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodePartitions, encodePartitions, packable } from '../../src/engine/partial-codec.js';
import { inRankOrder, mergedOf, mergePartition } from '../../src/engine/workers-merge.js';

/** Keys with ASCII, other BMP characters, pairs of surrogates and lone surrogates (refused by `packable`). */
const key = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.constantFrom('#a', '#b', '#é', '#日本', '😀', 'a\u0000b', ''),
  fc.string({ unit: 'grapheme', maxLength: 4 }),
  fc.string({ unit: 'binary', maxLength: 3 }),
);

/** A part: its keys in first-seen order, each with a partial (an integer). */
const part = fc.uniqueArray(fc.tuple(key, fc.integer({ min: -1000, max: 1000 })), { selector: (e) => e[0], maxLength: 40 });

const add = (a: unknown, b: unknown) => (a as number) + (b as number);

/** The merge of `parts` in file order: keys in first-seen order with their sums. */
function reference(parts: [string, number][][]): [string, number][] {
  const m = new Map<string, number>();
  for (const p of parts) for (const [k, v] of p) m.set(k, (m.get(k) ?? 0) + v);
  return [...m];
}

/** Packs each part into `n` partitions, merges partition by partition, then puts them in rank order. */
function viaPartitions(parts: [string, number][][], n: number): [string, unknown][] {
  const packed = parts.map((p) => encodePartitions(p.map((e) => e[0]), p.map((e) => e[1]), n)!);
  const merged = Array.from({ length: n }, (_, i) => mergedOf(mergePartition(packed.map((c) => c[i]!), add)));
  const out: [string, unknown][] = [];
  inRankOrder(merged, (k, v) => out.push([k, v]));
  return out;
}

const wellFormed = (parts: [string, number][][]) => parts.map((p) => p.filter(([k]) => encodePartitions([k], [0], 1) !== undefined));

describe('packed partials', () => {
  it('decode to the keys and partials encoded, in first-seen order, for any number of partitions', () => {
    fc.assert(
      fc.property(part, fc.integer({ min: 1, max: 5 }), (raw, n) => {
        const [p] = wellFormed([raw]);
        const keys = p!.map((e) => e[0]);
        const values = p!.map((e) => e[1]);
        expect(decodePartitions(encodePartitions(keys, values, n)!)).toEqual([keys, values]);
      }),
      { numRuns: 300 },
    );
  });

  it('merged one partition at a time give the one-map merge: same keys, same order, same partials', () => {
    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 5 }), fc.integer({ min: 1, max: 4 }), (raw, n) => {
        const parts = wellFormed(raw);
        expect(viaPartitions(parts, n)).toEqual(reference(parts));
      }),
      { numRuns: 300 },
    );
  });

  it('a partial that stops being a number (a sum grown to a BigInt) is merged as it is, keys in order', () => {
    const parts: [string, number][][] = [[['a', 1], ['b', Number.MAX_SAFE_INTEGER]], [['b', 2], ['c', 3]]];
    const packed = parts.map((p) => encodePartitions(p.map((e) => e[0]), p.map((e) => e[1]), 1)!);
    const exact = (a: unknown, b: unknown) => (Number.isSafeInteger((a as number) + (b as number)) ? (a as number) + (b as number) : BigInt(a as number) + BigInt(b as number));
    const merged = mergedOf(mergePartition(packed.map((c) => c[0]!), exact));
    expect([merged.keys, merged.values]).toEqual([['a', 'b', 'c'], [1, 9007199254740993n, 3]]);
  });

  it('are refused for keys that are not strings, lone surrogates and partials that are not numbers', () => {
    expect(packable(['a', 'b'], [1, 2])).toBe(true);
    expect(encodePartitions(['😀', 'é'], [1, 2], 2)).toHaveLength(2);
    expect(packable([1], [1])).toBe(false);
    expect(encodePartitions(['a', 'a\ud800'], [1, 2], 2)).toBeUndefined();
    expect(encodePartitions(['\udc00b'], [1], 1)).toBeUndefined();
    expect(packable(['a'], [1n])).toBe(false);
  });
});
