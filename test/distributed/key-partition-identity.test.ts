/**
 * Distributed key identity (partials.ts `keyPartition`, state-table.ts `keyId`) is a local run's
 * (operators/keyed-map.ts `KeyCodec`): object keys one locally meet in one key partition and one
 * state; keys apart locally stay apart; strings, numbers and plain arrays route as before (a job
 * started by an earlier version keeps its key partitions).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encodeState } from '../../src/checkpoint/codec.js';
import { IssueLog } from '../../src/core/issues.js';
import { fnv1a, keyPartition, packByKeyPartition } from '../../src/distributed/partials.js';
import { keyId, StateTable } from '../../src/distributed/state-table.js';
import { KeyCodec } from '../../src/operators/keyed-map.js';
import type { SourceProgress } from '../../src/distributed/key-panes.js';

/** Groups of keys a local run counts as one. */
const SAME: unknown[][] = [
  [[NaN], [null], [undefined], [Infinity]],
  [new Set(['p']), ['p']],
  [new Map([['m', 1]]), [['m', 1]]],
  [[10n], [10]],
  [{ x: undefined }, {}],
];
/** Pairs a local run keeps apart. */
const APART: [unknown, unknown][] = [[1, '1'], [[10n], 10], ['[10]', [10]], [null, [null]], [NaN, null], [undefined, null], [new Set(['a']), new Set(['b'])]];

describe('distributed key identity = KeyCodec', () => {
  it('keys one locally have one keyId and one key partition; keys apart locally have different keyIds', () => {
    const codec = new KeyCodec();
    for (const group of SAME) {
      expect(new Set(group.map((k) => codec.encode(k))).size).toBe(1);
      expect(new Set(group.map(keyId)).size, String(group)).toBe(1);
      for (const n of [2, 7, 16]) expect(new Set(group.map((k) => keyPartition(k, n))).size).toBe(1);
    }
    for (const [a, b] of APART) {
      expect(codec.encode(a)).not.toBe(codec.encode(b));
      expect(keyId(a), `${String(a)} / ${String(b)}`).not.toBe(keyId(b));
    }
  });

  it('strings, finite numbers and plain arrays of them route as before (the codec JSON)', () => {
    const plain = fc.oneof(fc.string(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.array(fc.oneof(fc.string(), fc.integer())));
    fc.assert(fc.property(plain, fc.integer({ min: 2, max: 64 }), (k, n) => {
      const before = typeof k === 'string' ? k : `\u0001${JSON.stringify(encodeState(k))}`;
      expect(keyPartition(k, n)).toBe(fnv1a(before) % n);
    }));
  });

  it('the state table sums the values of keys one locally into one state, keeping the first key object', () => {
    const table = new StateTable({ fn: (vs, s) => ((s as number | undefined) ?? 0) + vs.length, label: '--update-state-by-key', issues: new IssueLog('skip'), batchLines: 2, batchIntervalMs: 1000 });
    const first = new Set(['p']);
    table.apply(packByKeyPartition([[0, [[first, [[0, 0, 1]]], [[NaN], [[0, 1, 1]]]]]], 1)[0]!, 'm0');
    table.apply(packByKeyPartition([[0, [[['p'], [[1, 0, 1]]], [[null], [[1, 1, 1]]]]], [1, [[['p'], [[2, 0, 1]]]]]], 1)[0]!, 'm1');
    const sources = new Map<number, SourceProgress>([[0, { seq: 1, watermarkMs: 3, eof: true, idle: false }]]);
    expect(table.closeDue(sources, 1)).toBe(true);
    const rows = table.records();
    expect(rows.map(([k, s]) => [JSON.stringify(k instanceof Set ? [...k] : k), s])).toEqual([['["p"]', 3], ['[null]', 2]]);
    expect(rows[0]![0]).toBeInstanceOf(Set);
  });
});
