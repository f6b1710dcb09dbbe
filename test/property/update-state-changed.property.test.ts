/**
 * `--update-state-by-key … --output-mode update` against a naive reference:
 * each batch prints the keys that got values and the keys without values whose
 * state the function changed by value — built anew or mutated in place and
 * returned — but not a key given back its state untouched or as an equal copy.
 * The reference works on deep copies, so in-place mutation cannot fool it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runBatches } from '../helpers/batches.js';

/** Input pairs carry their key in the value, so the function (which is not told the key) can keep it in its state. */
type P = [string, [string, number]];
type S = { k: string; n: number; idle: number; seen: number[] };
/** What the function does with a key that has state but no values in a batch. */
type Idle = 'same' | 'mutate' | 'copy' | 'copy-change' | 'remove';
const IDLE: Idle[] = ['same', 'mutate', 'copy', 'copy-change', 'remove'];
const KEYS = ['a', 'b', 'c', 'd'];
const BATCH_MS = 1000;
/** Copies a row as it is printed (a later batch may mutate the state object it holds). */
const snap = (r: unknown): unknown => structuredClone(r);
type Fn = (vs: [string, number][], s: S | undefined, t: number) => S | undefined;

/** The user's function: `plan` picks, per key and batch, what happens to a key without values. */
function makeFn(plan: (key: string, batch: number) => Idle, mutateOnValues: boolean): Fn {
  return (vs, s, t) => {
    if (vs.length > 0) {
      const add = vs.reduce((a, [, v]) => a + v, 0);
      if (s && mutateOnValues) {
        s.n += add;
        s.seen.push(...vs.map(([, v]) => v));
        return s;
      }
      return { k: vs[0][0], n: (s?.n ?? 0) + add, idle: s?.idle ?? 0, seen: [...(s?.seen ?? []), ...vs.map(([, v]) => v)] };
    }
    switch (plan(s!.k, t / BATCH_MS)) {
      case 'same': return s;
      case 'mutate': s!.idle++; s!.seen.push(-1); return s;
      case 'copy': return { ...s!, seen: [...s!.seen] };
      case 'copy-change': return { ...s!, idle: s!.idle + 1 };
      case 'remove': return undefined;
    }
  };
}

/** Rows printed per batch, computed on deep copies of the states. */
function reference(batches: P[][], fn: Fn): [string, S][][] {
  const table = new Map<string, S>();
  return batches.map((batch, i) => {
    const t = (i + 1) * BATCH_MS;
    const values = new Map<string, [string, number][]>();
    for (const [k, v] of batch) values.set(k, [...(values.get(k) ?? []), v]);
    const rows: [string, S][] = [];
    for (const [k, vs] of values) {
      const old = table.get(k);
      const next = fn(vs, old && structuredClone(old), t);
      if (next === undefined) table.delete(k);
      else {
        table.set(k, structuredClone(next));
        rows.push([k, structuredClone(next)]);
      }
    }
    for (const [k, s] of [...table]) {
      if (values.has(k)) continue;
      const next = fn([], structuredClone(s), t);
      if (next === undefined) table.delete(k);
      else if (JSON.stringify(next) !== JSON.stringify(s)) {
        table.set(k, structuredClone(next));
        rows.push([k, structuredClone(next)]);
      }
    }
    return rows.sort((a, b) => a[0].localeCompare(b[0]));
  });
}

const batchesArb = fc.array(
  fc.array(fc.tuple(fc.constantFrom(...KEYS), fc.integer({ min: 0, max: 9 })).map(([k, v]): P => [k, [k, v]]), { maxLength: 4 }),
  { maxLength: 10 },
);
const planArb = fc.array(fc.constantFrom(...IDLE), { minLength: 40, maxLength: 40 });

describe('updateStateByKey --output-mode update: which keys changed (property)', () => {
  it('equals the naive reference, whether the function mutates its state or builds a new one', () => {
    fc.assert(
      fc.property(batchesArb, planArb, fc.boolean(), (batches, planned, mutateOnValues) => {
        const plan = (key: string, batch: number): Idle => planned[KEYS.indexOf(key) * 10 + ((batch - 1) % 10)];
        const expected = reference(batches, makeFn(plan, mutateOnValues));
        const { outputs } = runBatches<P>(batches, (s) => s.updateStateByKey(makeFn(plan, mutateOnValues), { outputMode: 'update' }).map(snap));
        const got = outputs.map((o) => (o.records as [string, S][]).slice().sort((a, b) => a[0].localeCompare(b[0])));
        expect(got).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('a state mutated in place and returned is printed; the same state untouched is not', () => {
    const plan = (key: string): Idle => (key === 'a' ? 'mutate' : 'same');
    const { outputs } = runBatches<P>([[['a', ['a', 1]], ['b', ['b', 2]]], []], (s) => s.updateStateByKey(makeFn(plan, true), { outputMode: 'update' }).map(snap));
    expect(outputs.map((o) => o.records)).toEqual([
      [['a', { k: 'a', n: 1, idle: 0, seen: [1] }], ['b', { k: 'b', n: 2, idle: 0, seen: [2] }]],
      [['a', { k: 'a', n: 1, idle: 1, seen: [1, -1] }]],
    ]);
  });
});
