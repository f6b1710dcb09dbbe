/** Object keys of one JSON text but different kinds (a Set and an array): `mixedKinds` and the codec's one line. */
import { describe, expect, it } from 'vitest';
import { mixedKinds } from '../../src/operators/key-kinds.js';
import { KeyCodec } from '../../src/operators/keyed-map.js';

describe('mixedKinds', () => {
  it('names the two kinds at the top level and inside', () => {
    expect(mixedKinds(new Set(['x']), ['x'])).toBe('came as a Set, then as an array');
    expect(mixedKinds([['x', 1]], new Map([['x', 1]]))).toBe('came as an array, then as a Map');
    expect(mixedKinds(['a', new Set([1])], ['a', [1]])).toBe('came holding a Set, then an array in its place');
    expect(mixedKinds({ d: new Date(0) }, { d: '1970-01-01T00:00:00.000Z' as unknown as object })).toBeUndefined();
    class Point { constructor(readonly x: number) {} }
    expect(mixedKinds(new Point(1), { x: 1 })).toBe('came as a Point, then as an object');
  });

  it('keys of one kind are alike', () => {
    expect(mixedKinds(['a', 1], ['a', 1])).toBeUndefined();
    expect(mixedKinds({ a: [1] }, { a: [1] })).toBeUndefined();
    expect(mixedKinds(new Set([1]), new Set([1]))).toBeUndefined();
  });
});

describe('KeyCodec.onMixed', () => {
  it('is told once, and the keys stay one', () => {
    const told: string[] = [];
    const c = new KeyCodec();
    c.onMixed = (m) => told.push(m);
    const a = c.encode(new Set(['x']));
    const b = c.encode(['x']);
    c.encode(['x']);
    c.encode(new Map([['y', 1]]));
    c.encode([['y', 1]]);
    expect(a).toBe(b);
    expect(c.decode(b)).toBeInstanceOf(Set);
    expect(told).toEqual(['the key ["x"] came as a Set, then as an array: both are written ["x"], so they are one key, output as the first (said once)']);
  });
});
