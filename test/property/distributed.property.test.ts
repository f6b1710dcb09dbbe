/**
 * Property tests of distributed mode's window algebra: a `PaneTable` fed the
 * partials of many sources in any interleaving, closed at any watermarks that
 * respect the sources' progress, and rebuilt from its rebuild point at any
 * moment, outputs exactly the windows a naive recomputation gives.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { IssueLog } from '../../src/core/issues.js';
import { KeyedReducer } from '../../src/operators/keyed-map.js';
import { PaneTable, type ClosedWindow } from '../../src/distributed/pane-table.js';
import { windowSpec } from '../../src/windows/spec.js';
import { compareOffsets as compareIds } from '../../src/distributed/log-backend.js';
import { lastWindowEndAtOrBefore } from '../../src/engine/map-side-combine.js';

type Ev = { t: number; k: string; v: number };

function reducer(): KeyedReducer {
  return new KeyedReducer({ keyMode: 'pair', combine: (a: number, b: number) => a + b, label: 'sum' }, new IssueLog(), false);
}

/** Naive: every window [e − L, e) on the grid that holds events, keys sorted, sums. */
function naive(evs: Ev[], L: number, S: number): string[] {
  const rows: string[] = [];
  if (!evs.length) return rows;
  const ts = evs.map((e) => e.t);
  const lo = Math.min(...ts);
  const hi = Math.max(...ts);
  for (let end = lastWindowEndAtOrBefore(lo, L, S); end <= hi + L + S; end += S) {
    const inW = evs.filter((e) => e.t >= end - L && e.t < end);
    const sums = new Map<string, number>();
    for (const e of inW) sums.set(e.k, (sums.get(e.k) ?? 0) + e.v);
    for (const k of [...sums.keys()].sort()) rows.push(`${end - L}|${end}|${k}|${sums.get(k)}`);
  }
  return rows;
}

function flat(ws: ClosedWindow[]): string[] {
  return ws.flatMap((w) => w.records.map((r) => `${w.startMs}|${w.endMs}|${(r as [string, number])[0]}|${(r as [string, number])[1]}`));
}

const events = fc.array(
  fc.record({ t: fc.integer({ min: 0, max: 300 }), k: fc.constantFrom('a', 'b', 'c'), v: fc.integer({ min: 1, max: 9 }) }),
  { maxLength: 60 },
);

describe('distributed stage 2 (PaneTable) equals a naive recomputation', () => {
  it('any interleaving of sorted sources, any watermarks behind them, rebuilt at any point', () => {
    fc.assert(
      fc.property(events, fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 3 }),
        fc.array(fc.nat(), { maxLength: 80 }), fc.nat(), (evs, mult, slide, nSources, choices, rebuildAt) => {
          const L = slide * mult;
          const spec = windowSpec(L, slide, 1, true);
          // Sources: each gets events in time order (as stage 1 guarantees with no late records).
          const sources: Ev[][] = Array.from({ length: nSources }, () => []);
          evs.forEach((e, i) => sources[i % nSources]!.push(e));
          for (const s of sources) s.sort((a, b) => a.t - b.t);
          const pos = sources.map(() => 0);
          const log: { id: string; pane: number; k: string; v: number }[] = [];
          let table = new PaneTable(spec, reducer(), 0);
          const out: ClosedWindow[] = [];
          let seq = 0;
          let c = 0;
          const watermark = () => Math.min(...sources.map((s, i) => (pos[i]! < s.length ? s[pos[i]!]!.t : Infinity)));
          while (pos.some((p, i) => p < sources[i]!.length)) {
            const live = sources.map((s, i) => i).filter((i) => pos[i]! < sources[i]!.length);
            const i = live[(choices[c++ % Math.max(1, choices.length)] ?? 0) % live.length]!;
            const e = sources[i]![pos[i]!++]!;
            const id = `${++seq}-0`;
            const pane = Math.floor(e.t / spec.paneMs);
            log.push({ id, pane, k: e.k, v: e.v });
            expect(table.add(pane, e.k, e.v, id)).toBe(true);
            out.push(...table.close(watermark()));
            if (seq === (rebuildAt % (evs.length + 1))) {
              // A new owner: the committed sealed point, then a replay from the rebuild point.
              const from = table.rebuildPoint(id);
              const fresh = new PaneTable(spec, reducer(), 0);
              fresh.sealedMs = table.sealedMs;
              for (const m of log) if (compareIds(m.id, from) >= 0 && fresh.isOpen(m.pane)) fresh.add(m.pane, m.k, m.v, m.id);
              table = fresh;
            }
          }
          out.push(...table.close(Infinity));
          expect(flat(out)).toEqual(naive(evs, L, slide));
        }),
      { numRuns: 300 },
    );
  });
});
