/**
 * `premerge` (engine/workers-merge.ts): the threads' partials merged in the main thread, each key
 * once, keys grouped as the one-thread reduce groups them (`Map` keys, objects by their JSON text,
 * the first object seen kept), in first-seen order — against a naive reference (property).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { premerge } from '../../src/engine/workers-merge.js';
import type { WorkerResult } from '../../src/engine/worker-task.js';

/** Keys of every kind a `--map` may give: strings, numbers (1 beside "1"), null, arrays, objects. */
const key = fc.oneof(
  fc.constantFrom('a', 'b', '1', '', 'é', '日本'),
  fc.constantFrom(0, 1, 2.5, -3),
  fc.constant(null),
  fc.tuple(fc.constantFrom(0, 1), fc.constantFrom('x', 'y')),
  fc.record({ s: fc.constantFrom(200, 404) }),
);
/** One part's partials: one pane, keys distinct within the part (as a thread's map gives them). */
const part = fc.array(fc.tuple(key, fc.integer({ min: 1, max: 9 })), { maxLength: 12 }).map((entries) => {
  const seen = new Set<string>();
  const distinct = entries.filter(([k]) => !seen.has(JSON.stringify(k)) && !!seen.add(JSON.stringify(k)));
  return { partials: [[0, distinct.map((e) => e[0]), distinct.map((e) => e[1])]] } as unknown as WorkerResult;
});

/** The reference: a list scanned for a key with the same JSON text, in file order. */
function naive(results: WorkerResult[]): [unknown, unknown][] {
  const out: [unknown, unknown][] = [];
  for (const r of results) {
    for (const [, keys, values] of r.partials) {
      keys.forEach((k, i) => {
        const e = out.find(([o]) => JSON.stringify(o) === JSON.stringify(k));
        if (e) e[1] = (e[1] as number) + (values[i] as number);
        else out.push([k, values[i]]);
      });
    }
  }
  return out;
}

describe('premerge', () => {
  it('gives each key once, first-seen order, the first object seen, partials summed (property)', () => {
    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 4 }), (results) => {
        const merged = premerge(results, (a, b) => (a as number) + (b as number));
        expect(merged).toEqual(naive(results));
        // The first object seen is the one given back (as the one-thread reduce's KeyCodec keeps it).
        for (const [k] of merged) {
          if (typeof k !== 'object' || k === null) continue;
          const first = results.flatMap((r) => r.partials.flatMap(([, keys]) => keys)).find((x) => JSON.stringify(x) === JSON.stringify(k));
          expect(k).toBe(first);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('keeps 1 and "1" apart, and null apart from "null"', () => {
    const r = { partials: [[0, [1, '1', null, 'null'], [1, 2, 3, 4]]] } as unknown as WorkerResult;
    const s = { partials: [[0, ['1', null, 1], [10, 20, 30]]] } as unknown as WorkerResult;
    expect(premerge([r, s], (a, b) => (a as number) + (b as number))).toEqual([[1, 31], ['1', 12], [null, 23], ['null', 4]]);
  });
});
