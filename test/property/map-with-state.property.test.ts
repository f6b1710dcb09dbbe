/**
 * mapWithState with a state timeout against a naive model of Spark's
 * MapWithStateRDDRecord: values refresh a key that keeps its state (update()
 * or not), remove() deletes, a key idle strictly longer than the timeout gets
 * one last call and leaves, and the state table is taken after the timeouts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StateHandle } from '../../src/state/state-handle.js';
import { runBatches } from '../helpers/batches.js';

type P = [string, number];
const BATCH_MS = 1000;

/** The function under test: 0 removes, a new key or a value over 5 updates, other values only look. */
function fn(k: string, v: number | undefined, st: StateHandle, t: number): string {
  if (st.isTimingOut()) return `timeout ${k} ${String(st.get())} at ${t}`;
  const before = st.exists() ? String(st.get()) : '-';
  if (v === 0) st.remove();
  else if (!st.exists() || v! > 5) st.update(v);
  return `${k} ${v} had ${before} at ${t}`;
}

/** Outputs and state tables per batch, computed naively. */
function model(batches: P[][], timeoutMs: number): { outputs: string[][]; tables: P[][] } {
  const state = new Map<string, { s: number; last: number }>();
  const outputs: string[][] = [];
  const tables: P[][] = [];
  batches.forEach((batch, i) => {
    const t = (i + 1) * BATCH_MS;
    const out: string[] = [];
    for (const [k, v] of batch) {
      const e = state.get(k);
      out.push(`${k} ${v} had ${e ? e.s : '-'} at ${t}`);
      if (v === 0) state.delete(k);
      else if (!e || v > 5) state.set(k, { s: v, last: t });
      else e.last = t; // refreshed: the key keeps its state and got a value
    }
    for (const [k, e] of [...state]) {
      if (e.last < t - timeoutMs) {
        out.push(`timeout ${k} ${e.s} at ${t}`);
        state.delete(k);
      }
    }
    outputs.push(out.sort());
    tables.push([...state].map(([k, e]) => [k, e.s] as P).sort());
  });
  return { outputs, tables };
}

const batchesArb = fc.array(fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd'), fc.integer({ min: 0, max: 9 })), { maxLength: 5 }), { maxLength: 14 });

describe('mapWithState with a state timeout (property)', () => {
  it('equals the naive model: results and state tables per batch', () => {
    fc.assert(
      fc.property(batchesArb, fc.integer({ min: 1, max: 3 }), (batches, timeoutBatches) => {
        const timeoutMs = timeoutBatches * BATCH_MS;
        const expected = model(batches, timeoutMs);
        const results = runBatches<P>(batches, (s) => s.mapWithState(fn, { stateTimeoutMs: timeoutMs }));
        expect(results.outputs.map((o) => (o.records as string[]).slice().sort())).toEqual(expected.outputs);
        const tables = runBatches<P>(batches, (s) => s.mapWithState(fn, { stateTimeoutMs: timeoutMs, outputMode: 'complete' }));
        expect(tables.outputs.map((o) => (o.records as P[]).slice().sort())).toEqual(expected.tables);
      }),
      { numRuns: 200 },
    );
  });
});
