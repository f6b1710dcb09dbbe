/**
 * Property test of the closing rule shared by the users of
 * src/windows/closing.ts — local windows, calendar windows, map-side combine
 * (--workers, distributed stage 1), distributed stage 2, and session windows
 * (their own naive model, below) — against a naive
 * model that enumerates every window of the grid and closes it by definition:
 * a window [start, end) closes at the first watermark W with
 * end + allowedLateness ≤ W.
 *
 * For random grids, watermark delays, allowed lateness and out-of-order
 * batches, every user must:
 * - output a window exactly at the first batch whose watermark closes it by
 *   definition and that finds it holding accepted records, with exactly those
 *   records (no earlier, no later, none lost); windows ending at or before the
 *   last one output are closed for good, output or not;
 * - drop a record only when a window holding it had closed by definition
 *   (sound); a local node drops every record before the end of the last
 *   window output (complete), stage 2 every partial whose windows all ended
 *   by then (a pane still feeds its later windows).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { IssueLog } from '../../src/core/issues.js';
import { TimeZone } from '../../src/core/time-zone.js';
import { KeyedReducer } from '../../src/operators/keyed-map.js';
import { MapSideCombiner } from '../../src/engine/map-side-combine.js';
import { PaneTable } from '../../src/distributed/pane-table.js';
import { windowSpec } from '../../src/windows/spec.js';
import { runBatches } from '../helpers/batches.js';

type Rec = { id: number; t: number; k: string };
type Grid = { lengthMs: number; slideMs: number };
/** One output window: the batch that output it, its bounds, and `key=sum of ids` rows in key order. */
type Out = [batch: number, startMs: number, endMs: number, rows: string];

/** Every window [k·slide, k·slide + length) of the grid that holds `t`, by enumerating k around it. */
function naiveWindowsOf(g: Grid, t: number): [number, number][] {
  const out: [number, number][] = [];
  const around = Math.floor(t / g.slideMs);
  for (let k = around - Math.ceil(g.lengthMs / g.slideMs) - 2; k <= around + 2; k++) {
    if (k * g.slideMs <= t && t < k * g.slideMs + g.lengthMs) out.push([k * g.slideMs, k * g.slideMs + g.lengthMs]);
  }
  return out;
}

/** By definition: the largest window end e of the grid with e + lateness ≤ W, found by walking the grid; −∞ if none. */
function naiveLastClosedEnd(g: Grid, W: number, latenessMs: number): number {
  if (W === -Infinity) return -Infinity;
  let e = g.lengthMs + Math.ceil((W - latenessMs - g.lengthMs) / g.slideMs + 2) * g.slideMs;
  while (e + latenessMs > W) e -= g.slideMs;
  return e;
}

function rowsText(sums: Map<string, number>): string {
  return [...sums.keys()].sort().map((k) => `${k}=${sums.get(k)}`).join(',');
}

/**
 * Checks one batch-driven user. `batches[b]` is what batch b received;
 * watermark after batch b = max event time so far − delay, +∞ on the final
 * batch (index `batches.length`, no records). `late` holds the ids the user
 * dropped; `outputs` what it output, in order. `rule`: a local node drops by
 * the record's instant, stage 2 by its pane (a pane is kept while a window
 * holding it is open, so it may still feed later windows).
 */
function checkAgainstNaive(g: Grid, delayMs: number, latenessMs: number, batches: Rec[][], late: Set<number>, outputs: Out[], rule: 'record' | 'pane', paneMs = g.lengthMs): void {
  const windows = new Map<number, Map<string, number>>(); // start → key → sum of ids
  let lastEmittedEnd = -Infinity;
  let max = -Infinity;
  let W = -Infinity;
  const expected: Out[] = [];
  for (let b = 0; b <= batches.length; b++) {
    for (const r of batches[b] ?? []) {
      const mine = naiveWindowsOf(g, rule === 'pane' ? Math.floor(r.t / paneMs) * paneMs : r.t);
      if (late.has(r.id)) {
        // Sound: the record is behind a window that the previous watermark closed by definition.
        expect(r.t, `record ${r.id} dropped as late`).toBeLessThan(naiveLastClosedEnd(g, W, latenessMs));
        if (rule === 'pane') expect(mine.every(([, e]) => e + latenessMs <= W), `pane of record ${r.id}: all its windows closed`).toBe(true);
      } else {
        // Complete: an accepted record never belongs only to windows already output.
        if (rule === 'record') expect(r.t, `record ${r.id} accepted after a window ending at ${lastEmittedEnd} was output`).toBeGreaterThanOrEqual(lastEmittedEnd);
        else expect(mine.some(([, e]) => e > lastEmittedEnd), `pane of record ${r.id} accepted though its windows ended by ${lastEmittedEnd}`).toBe(true);
        for (const [s, e] of mine) {
          // Windows up to the last one output are closed for good, output or not.
          if (e <= lastEmittedEnd) continue;
          let w = windows.get(s);
          if (!w) windows.set(s, (w = new Map()));
          w.set(r.k, (w.get(r.k) ?? 0) + r.id);
        }
      }
      if (r.t > max) max = r.t;
    }
    W = b === batches.length ? Infinity : Math.max(W, max - delayMs);
    for (const s of [...windows.keys()].sort((x, y) => x - y)) {
      const e = s + g.lengthMs;
      if (e + latenessMs > W) continue;
      expected.push([b, s, e, rowsText(windows.get(s)!)]);
      windows.delete(s);
      lastEmittedEnd = Math.max(lastEmittedEnd, e);
    }
  }
  expect(outputs).toEqual(expected);
}

const keys = fc.constantFrom('a', 'b', 'c');
/** Batches of records with event times in [0, span), ids 1, 2, 3, … in arrival order. */
const batchesOf = (span: number) =>
  fc.array(fc.array(fc.record({ t: fc.integer({ min: 0, max: span - 1 }), k: keys }), { maxLength: 8 }), { minLength: 1, maxLength: 10 }).map((bs) => {
    let id = 0;
    return bs.map((b) => b.map((r) => ({ ...r, id: ++id })));
  });

function lateIds(issues: IssueLog): Set<number> {
  const ids = new Set<number>();
  issues.listen((i) => {
    if (i.kind === 'late') ids.add((i.value as [string, number])[1]);
  });
  return ids;
}

/**
 * Asserts `check` (which returns how many records it saw dropped as late) for
 * every case of `cases`; over all runs some must have been late, or the
 * property proved little.
 */
function closingProperty<T>(cases: fc.Arbitrary<T>, check: (c: T) => number): void {
  let late = 0;
  fc.assert(fc.property(cases, (c) => {
    late += check(c);
  }), { numRuns: 200 });
  expect(late).toBeGreaterThan(0);
}

/** Adds `v` to key `k` of pane `p` in `m`. */
function addTo(m: Map<number, Map<string, number>>, p: number, k: string, v: number): void {
  let rows = m.get(p);
  if (!rows) m.set(p, (rows = new Map()));
  rows.set(k, (rows.get(k) ?? 0) + v);
}

/** Outputs of `runBatches` as `Out` rows (batch index from the batch time; 1 s batches). */
function outsOf(outputs: ReturnType<typeof runBatches>['outputs']): Out[] {
  return outputs.map((o) => [o.timeMs / 1000 - 1, o.window!.startMs, o.window!.endMs, rowsText(new Map(o.records as [string, number][]))]);
}

/** Batches, a grid (slide 1–12 ms, length 1–3 slides), a watermark delay and an allowed lateness (ms). */
const gridCase = fc
  .record({ batches: batchesOf(120), slide: fc.integer({ min: 1, max: 12 }), mult: fc.integer({ min: 1, max: 3 }), delay: fc.integer({ min: 0, max: 25 }), lateness: fc.integer({ min: 0, max: 15 }) })
  .map(({ batches, slide, mult, delay, lateness }) => ({ batches, g: { lengthMs: slide * mult, slideMs: slide }, delay, lateness }));

describe('the closing rule, each user against the naive model', () => {
  it('local windows (windowed-node): tumbling and sliding, any delay and allowed lateness', () => {
    closingProperty(gridCase, ({ batches, g, delay, lateness }) => {
      let late = new Set<number>();
      const { outputs } = runBatches(batches, (s, ssc) => {
        late = lateIds(ssc.issues);
        return s.eventTime((r: Rec) => r.t, { watermarkDelayMs: delay }).map((r) => [r.k, r.id] as [string, number])
          .reduceByKeyAndWindow('sum', g.lengthMs, g.slideMs, { allowedLatenessMs: lateness });
      }, { endInput: true });
      checkAgainstNaive(g, delay, lateness, batches, late, outsOf(outputs), 'record');
      return late.size;
    });
  });

  it('calendar windows (calendar-node, UTC hours)', () => {
    const H = 3_600_000;
    const UTC = new TimeZone('UTC');
    const hourCase = fc.record({ batches: batchesOf(60), hours: fc.constantFrom(1, 2, 3, 4, 6), delay: fc.integer({ min: 0, max: 12 }), lateness: fc.integer({ min: 0, max: 8 }) });
    closingProperty(hourCase, ({ batches, hours, delay, lateness }) => {
      const inHours = batches.map((b) => b.map((r) => ({ ...r, t: r.t * H })));
      const g = { lengthMs: hours * H, slideMs: hours * H };
      let late = new Set<number>();
      const { outputs } = runBatches(inHours, (s, ssc) => {
        late = lateIds(ssc.issues);
        // An ISO text: a bare number of hours in ms would be read as seconds (epoch unit guessing).
        return s.eventTime((r: Rec) => new Date(r.t).toISOString(), { watermarkDelayMs: delay * H, zone: UTC }).map((r) => [r.k, r.id] as [string, number])
          .reduceByKeyAndWindow('sum', g.lengthMs, undefined, { allowedLatenessMs: lateness * H });
      }, { endInput: true });
      checkAgainstNaive(g, delay * H, lateness * H, inHours, late, outsOf(outputs), 'record');
      return late.size;
    });
  });

  it('map-side combine (--workers, distributed stage 1): per record, against the running maximum before it', () => {
    closingProperty(gridCase, ({ batches, g, delay, lateness }) => {
      const paneMs = windowSpec(g.lengthMs, g.slideMs, 1, true).paneMs;
      const combiner = new MapSideCombiner({
        prefix: [{ op: 'event-time', source: 'l => Number(l.split(" ")[0])' }, { op: 'map', source: 'l => { const [, k, id] = l.split(" "); return [k, Number(id)]; }' }],
        aggregation: { op: 'reduce-by-key', source: 'sum' }, paneMs, watermarkDelayMs: delay, onError: 'skip',
        lateness: { ...g, watermarkDelayMs: delay, allowedLatenessMs: lateness, floorMs: -Infinity },
      });
      const late = lateIds(combiner.issues);
      const panes = new Map<number, Map<string, number>>();
      const expectedPanes = new Map<number, Map<string, number>>();
      let max = -Infinity;
      for (const batch of batches) {
        for (const r of batch) {
          combiner.line(`${r.t} ${r.k} ${r.id}`);
          // By definition, per record: late when before the last window the watermark before it closed.
          expect(late.has(r.id), `record ${r.id} at ${r.t}, running max ${max}`).toBe(r.t < naiveLastClosedEnd(g, max - delay, lateness));
          if (!late.has(r.id)) addTo(expectedPanes, Math.floor(r.t / paneMs), r.k, r.id);
          if (r.t > max) max = r.t;
        }
        for (const [p, rows] of combiner.take()) for (const [k, v] of rows) addTo(panes, p, k as string, v as number);
      }
      const text = (m: Map<number, Map<string, number>>) => [...m.keys()].sort((a, b) => a - b).map((p) => `${p}:${rowsText(m.get(p)!)}`);
      expect(text(panes)).toEqual(text(expectedPanes));
      return late.size;
    });
  });

  it('session windows (session-node): sessions close by the same rule, their bound is the previous watermark − allowed lateness', () => {
    const sessionCase = fc.record({ batches: batchesOf(120), gap: fc.integer({ min: 1, max: 15 }), delay: fc.integer({ min: 0, max: 25 }), lateness: fc.integer({ min: 0, max: 15 }) });
    closingProperty(sessionCase, ({ batches, gap, delay, lateness }) => {
      let late = new Set<number>();
      const { outputs } = runBatches(batches, (s, ssc) => {
        late = lateIds(ssc.issues);
        return s.eventTime((r: Rec) => r.t, { watermarkDelayMs: delay }).map((r) => [r.k, r.id] as [string, number])
          .sessionWindow(gap, { allowedLatenessMs: lateness }).reduceByKey('sum');
      }, { endInput: true });
      // Naive: per key, the accepted events not yet output, cut into sessions where two
      // neighbours are gap or more apart; a session [first, last + gap) closes when
      // last + gap + lateness ≤ the watermark.
      const open = new Map<string, Rec[]>();
      const expected: string[] = [];
      let max = -Infinity;
      let W = -Infinity;
      for (let b = 0; b <= batches.length; b++) {
        for (const r of batches[b] ?? []) {
          expect(late.has(r.id), `event ${r.id} at ${r.t}, previous watermark ${W}`).toBe(r.t < W - lateness);
          if (!late.has(r.id)) open.set(r.k, [...(open.get(r.k) ?? []), r]);
          if (r.t > max) max = r.t;
        }
        W = b === batches.length ? Infinity : Math.max(W, max - delay);
        const rows: [number, number, string, number][] = [];
        for (const [k, evs] of open) {
          evs.sort((x, y) => x.t - y.t);
          const keep: Rec[] = [];
          for (let i = 0; i < evs.length;) {
            let j = i;
            while (j + 1 < evs.length && evs[j + 1]!.t - evs[j]!.t < gap) j++;
            const session = evs.slice(i, j + 1);
            const end = evs[j]!.t + gap;
            if (end + lateness <= W) rows.push([evs[i]!.t, end, k, session.reduce((a, e) => a + e.id, 0)]);
            else keep.push(...session);
            i = j + 1;
          }
          open.set(k, keep);
        }
        rows.sort((x, y) => x[0] - y[0] || x[1] - y[1] || (x[2] < y[2] ? -1 : 1));
        expected.push(...rows.map(([st, e, k, sum]) => `${b} [${st},${e}) ${k}=${sum}`));
      }
      const actual = outputs.flatMap((o) => (o.records as [string, number][]).map(([k, sum]) => `${o.timeMs / 1000 - 1} [${o.window!.startMs},${o.window!.endMs}) ${k}=${sum}`));
      expect(actual).toEqual(expected);
      return late.size;
    });
  });

  it('distributed stage 2 (pane-table): partials of each batch, then a close at its watermark', () => {
    closingProperty(gridCase, ({ batches, g, delay, lateness }) => {
      const spec = windowSpec(g.lengthMs, g.slideMs, 1, true);
      const reducer = new KeyedReducer({ keyMode: 'pair', combine: (a: number, b: number) => a + b, label: 'sum' }, new IssueLog(), false);
      const table = new PaneTable(spec, reducer, lateness);
      const late = new Set<number>();
      const outputs: Out[] = [];
      let max = -Infinity;
      let W = -Infinity;
      for (let b = 0; b <= batches.length; b++) {
        for (const r of batches[b] ?? []) {
          if (!table.add(Math.floor(r.t / spec.paneMs), r.k, r.id, `${r.id}-0`)) late.add(r.id);
          if (r.t > max) max = r.t;
        }
        W = b === batches.length ? Infinity : Math.max(W, max - delay);
        for (const w of table.close(W)) outputs.push([b, w.startMs, w.endMs, rowsText(new Map(w.records as [string, number][]))]);
      }
      checkAgainstNaive(g, delay, lateness, batches, late, outputs, 'pane', spec.paneMs);
      return late.size;
    });
  });
});
