/**
 * `dstream cat`'s merge of key partitions (distributed/cat.ts), against a
 * naive model: whatever the interleaving of the key partitions' commits, the
 * windows come out once, in window order, each with its rows in key order (or
 * its N best by rank with --top), and a window waits until every key
 * partition has closed it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderWindow, WindowMerger } from '../../src/distributed/cat.js';
import type { OutputRow } from '../../src/distributed/partials.js';
import { compareKeys } from '../../src/core/compare.js';
import { rankCompare } from '../../src/operators/top.js';

const LENGTH = 10;

/** Windows [k·10, k·10+10) of k in 0…7; per window, rows [key, count] spread over key partitions by key. */
const jobOutput = fc.array(fc.tuple(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 20 }), fc.integer({ min: 1, max: 5 })), { maxLength: 60 });

function commitsOf(rows: [number, number, number][], partitions: number): Map<number, OutputRow[][]> {
  // Unique (window, key); each key partition closes its windows in order, one commit per window.
  const seen = new Map<string, OutputRow>();
  for (const [w, key, n] of rows) seen.set(`${w}:${key}`, { startMs: w * LENGTH, endMs: w * LENGTH + LENGTH, record: [`k${key}`, n] });
  const byPart = new Map<number, OutputRow[][]>();
  for (let q = 0; q < partitions; q++) {
    const mine = [...seen.values()].filter((r) => Number((r.record as [string])[0].slice(1)) % partitions === q);
    const windows = [...new Set(mine.map((r) => r.endMs))].sort((a, b) => a - b);
    byPart.set(q, windows.map((end) => mine.filter((r) => r.endMs === end)));
  }
  return byPart;
}

describe('cat: key partitions merged into window order', () => {
  it('equals the naive order whatever the interleaving of commits (property)', () => {
    fc.assert(fc.property(jobOutput, fc.integer({ min: 1, max: 4 }), fc.array(fc.nat(), { maxLength: 200 }), fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
      (rows, partitions, schedule, top) => {
        const byPart = commitsOf(rows, partitions);
        const merger = new WindowMerger(partitions, top);
        const printed: OutputRow[][] = [];
        const next = new Map([...byPart.keys()].map((q) => [q, 0]));
        const step = (q: number) => {
          const commits = byPart.get(q)!;
          const i = next.get(q)!;
          if (i < commits.length) {
            merger.add(q, commits[i]![0]!.endMs, commits[i]!);
            next.set(q, i + 1);
          } else if (i === commits.length) {
            merger.add(q, Infinity, []); // done
            next.set(q, i + 1);
          }
          printed.push(...merger.takeFinal());
        };
        for (const s of schedule) step(s % partitions);
        for (let q = 0; q < partitions; q++) while (next.get(q)! <= byPart.get(q)!.length) step(q);
        // The naive model: every row, grouped by window in end order, keys ascending (or top N by rank).
        const all = [...byPart.values()].flat(2);
        const ends = [...new Set(all.map((r) => r.endMs))].sort((a, b) => a - b);
        const expected = ends.map((end) => {
          const w = all.filter((r) => r.endMs === end);
          return top === undefined
            ? w.sort((a, b) => compareKeys((a.record as unknown[])[0], (b.record as unknown[])[0]))
            : w.sort((a, b) => rankCompare(a.record, b.record)).slice(0, top);
        });
        expect(printed).toEqual(expected);
        expect(merger.pendingRows).toBe(0);
      }), { numRuns: 300 });
  });

  it('holds a window back until every key partition has closed it', () => {
    const m = new WindowMerger(2);
    m.add(0, 20, [{ startMs: 10, endMs: 20, record: ['b', 1] }]);
    expect(m.takeFinal()).toEqual([]);
    m.add(1, 15, []);
    expect(m.takeFinal()).toEqual([]);
    m.add(1, 20, [{ startMs: 10, endMs: 20, record: ['a', 2] }]);
    expect(m.takeFinal()).toEqual([[{ startMs: 10, endMs: 20, record: ['a', 2] }, { startMs: 10, endMs: 20, record: ['b', 1] }]]);
  });

  it('renders a window as the local run prints it: text frame then a blank line; json with the batch time', () => {
    const rows: OutputRow[] = [{ startMs: 0, endMs: 10_000, record: ['a', 2] }, { startMs: 0, endMs: 10_000, record: ['b', 1] }];
    expect(renderWindow(rows, 'text', 1000)).toBe('-------------------------------------------\nTime: 1000 ms\nWindow: [1970-01-01T00:00:00.000Z, 1970-01-01T00:00:10.000Z)\n-------------------------------------------\n(a,2)\n(b,1)\n\n');
    expect(renderWindow(rows, 'json', 1000).split('\n')[0]).toBe('{"time":1000,"windowStart":0,"windowEnd":10000,"key":"a","value":2}');
  });
});
