/**
 * `LineMerger` (dstream cat of a stateless job) against a naive reference:
 * the rows of every line in topic order (line k of partition p is line
 * k·n + p), whatever the cut of each partition into commits and however the
 * commits of the partitions interleave; nothing is released before every
 * line in front of it is final.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineMerger, type LineRow } from '../../src/distributed/rows.js';

describe('LineMerger', () => {
  it('releases the rows in topic order, each once, only when every line before is final', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 4 }),
      fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 40 }),
      fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 20 }),
      fc.array(fc.nat(), { maxLength: 200 }),
      (n, rowsPerLine, cuts, picks) => {
        // Line g of the topic gives rowsPerLine[g] rows `g.i`; it is line floor(g/n) of partition g mod n.
        const perPartition: LineRow[][][] = Array.from({ length: n }, () => []);
        const expected: string[] = [];
        rowsPerLine.forEach((count, g) => {
          const rows = Array.from({ length: count }, (_, i) => ({ ordinal: Math.floor(g / n), record: `${g}.${i}` }));
          perPartition[g % n]!.push(rows);
          expected.push(...rows.map((r) => r.record));
        });
        // Each partition's lines cut into commits; the last one marks its end (+∞).
        const commits = perPartition.map((lines) => {
          const out: { closed: number; rows: LineRow[] }[] = [];
          let at = 0;
          let c = 0;
          while (at < lines.length) {
            const len = cuts[c++ % cuts.length]!;
            out.push({ closed: Math.min(lines.length, at + len), rows: lines.slice(at, at + len).flat() });
            at += len;
          }
          out.push({ closed: Infinity, rows: [] });
          return out;
        });
        const merger = new LineMerger(n);
        const got: string[] = [];
        let pick = 0;
        for (;;) {
          const open = commits.map((c, p) => (c.length ? p : -1)).filter((p) => p >= 0);
          if (!open.length) break;
          const p = open[(picks[pick++] ?? 0) % open.length]!;
          const c = commits[p]!.shift()!;
          merger.add(p, c.closed, c.rows);
          got.push(...merger.takeFinal().map((r) => r.record as string));
          // Released so far: a prefix of the expected order.
          expect(got).toEqual(expected.slice(0, got.length));
        }
        expect(got).toEqual(expected);
        expect(merger.pendingRows).toBe(0);
      },
    ), { numRuns: 300 });
  });
});
