/**
 * Property tests: incremental window algebra equals a naive recomputation, for
 * random inputs, random window/slide multiples and random batch cuts.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { runBatches } from '../helpers/batches.js';

type Ev = { t: number; k: string; v: number };

const events = fc.array(
  fc.record({ t: fc.integer({ min: 0, max: 400 }), k: fc.constantFrom('a', 'b', 'c', 'd'), v: fc.integer({ min: -5, max: 20 }) }),
  { maxLength: 80 },
);

/** Cuts `xs` into consecutive batches at random points. */
function cut<T>(xs: T[], cuts: number[]): T[][] {
  const points = [...new Set(cuts.map((c) => c % (xs.length + 1)))].sort((a, b) => a - b);
  const out: T[][] = [];
  let prev = 0;
  for (const p of points) {
    out.push(xs.slice(prev, p));
    prev = p;
  }
  out.push(xs.slice(prev));
  return out;
}

type Reducer = { name: string; fn: ((a: any, b: any) => any) | 'sum' | 'max' | 'min'; naive: (vs: number[]) => unknown };
const reducers: Reducer[] = [
  { name: 'sum', fn: 'sum', naive: (vs) => vs.reduce((a, b) => a + b) },
  { name: 'max', fn: 'max', naive: (vs) => vs.reduce((a, b) => (b > a ? b : a)) },
  { name: 'concat (not commutative)', fn: (a: any, b: any) => `${a},${b}`, naive: (vs) => vs.reduce((a: any, b) => `${a},${b}`) },
];

describe('event-time windows equal a naive recomputation', () => {
  for (const r of reducers) {
    it(`reduceByKeyAndWindow ${r.name}, in-order input, any batch cuts`, () => {
      fc.assert(
        fc.property(events, fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 30 }), fc.array(fc.nat(), { maxLength: 6 }), (evs, mult, slide, cuts) => {
          const sorted = [...evs].sort((a, b) => a.t - b.t);
          const length = slide * mult;
          const { outputs, ssc } = runBatches(
            cut(sorted, cuts),
            (s) => s.eventTime((e: Ev) => e.t).map((e) => [e.k, e.v] as [string, number]).reduceByKeyAndWindow(r.fn as any, length, slide),
            { endInput: true },
          );
          expect(ssc.issues.counts.late).toBe(0);
          // Naive: every window [k·slide, k·slide + length) that holds an event, keys in order of arrival within the window.
          const expected: [number, Record<string, unknown>][] = [];
          if (sorted.length) {
            const first = Math.floor((sorted[0]!.t - length) / slide) + 1;
            const last = Math.floor(sorted[sorted.length - 1]!.t / slide);
            for (let k = first; k <= last; k++) {
              const s = k * slide;
              const inside = sorted.filter((e) => e.t >= s && e.t < s + length);
              if (!inside.length) continue;
              const byKey: Record<string, number[]> = {};
              for (const e of inside) (byKey[e.k] ??= []).push(e.v);
              expected.push([s, Object.fromEntries(Object.entries(byKey).map(([key, vs]) => [key, r.naive(vs)]))]);
            }
          }
          const actual = outputs.map((o) => [o.window!.startMs, Object.fromEntries(o.records as [string, unknown][])]);
          expect(actual).toEqual(expected);
        }),
        { numRuns: 150 },
      );
    });
  }

  it('out-of-order input within the watermark delay gives the same windows as sorted input', () => {
    fc.assert(
      fc.property(events, fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 25 }), fc.array(fc.nat(), { maxLength: 6 }), (evs, mult, slide, cuts) => {
        const length = slide * mult;
        const run = (xs: Ev[], delay: number) =>
          runBatches(
            cut(xs, cuts),
            (s) => s.eventTime((e: Ev) => e.t, { watermarkDelayMs: delay }).map((e) => e.k).countByValueAndWindow(length, slide),
            { endInput: true },
          ).outputs.map((o) => [o.window!.startMs, Object.fromEntries(o.records as [string, number][])]);
        const sorted = [...evs].sort((a, b) => a.t - b.t);
        expect(run(evs, 400)).toEqual(run(sorted, 0));
      }),
      { numRuns: 150 },
    );
  });
});

describe('processing-time windows equal a naive recomputation', () => {
  it('countByValueAndWindow and window() for random length/slide multiples of the batch interval', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.constantFrom('x', 'y', 'z'), { maxLength: 5 }), { minLength: 1, maxLength: 15 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        (batches, slideBatches, extra) => {
          const B = 1000;
          const slide = slideBatches * B;
          const length = slide + extra * B;
          const counted = runBatches(batches, (s) => s.countByValueAndWindow(length, slide)).outputs;
          const raw = runBatches(batches, (s) => s.window(length, slide)).outputs;
          const expectedTimes = batches.map((_, i) => (i + 1) * B).filter((t) => t % slide === 0);
          expect(counted.map((o) => o.timeMs)).toEqual(expectedTimes);
          expectedTimes.forEach((t, j) => {
            const inside = batches.filter((_, i) => (i + 1) * B > t - length && (i + 1) * B <= t).flat();
            expect(raw[j]!.records).toEqual(inside);
            const counts: Record<string, number> = {};
            for (const w of inside) counts[w] = (counts[w] ?? 0) + 1;
            expect(Object.fromEntries(counted[j]!.records as [string, number][])).toEqual(counts);
          });
        },
      ),
      { numRuns: 150 },
    );
  });
});
