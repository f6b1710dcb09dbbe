/**
 * The units of `--update-state-by-key` on live Kafka input (kafka/state-unit.ts with
 * `UpdateStateSettings.live`) without a broker: two input partitions with no end commit stage-1
 * batches of random sizes in a random order, interleaved with stage-2 steps of random sizes; at
 * random steps a stage-2 transaction is lost (aborted: its messages dropped, a new unit opened from
 * the last committed changelog record, reading the open batches again from the repartition log).
 * The rows written must be, batch by batch, a naive reference's: the topic's lines (line k of
 * partition p is line 2k + p) cut into batches of N, each whole batch's changed keys (a key with
 * values given a state, a key with state only given another one) in key order, at (b+1)·batch; the
 * progress records count the batches closed; the trailing lines short of a batch stay open (fast-check).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeState } from '../../src/checkpoint/codec.js';
import { StateKeyUnit, type StateKeyRecord } from '../../src/distributed/kafka/state-unit.js';
import { BATCH_MS, stateHarness } from './kafka-state-harness.js';

/** Order- and batch-sensitive; an idle key with a long state is removed, an idle key "d" keeps its state (unchanged: no row). */
const fn = (vs: unknown[], s: unknown, t: number): unknown => {
  if (vs.length === 0 && s === 'd') return s;
  if (vs.length === 0 && typeof s === 'string' && s.length > 24) return undefined;
  return vs.length && vs[0] === '0' && s === undefined ? 'd' : `${(s as string | undefined) ?? ''}${t / BATCH_MS}:${vs.join('')};`;
};

/** Each whole batch's changed keys in key order, as [batch count, batch count, [key, state], time] rows. */
function naive(lines: [string, string][], n: number): unknown[][] {
  const state = new Map<string, unknown>();
  const rows: unknown[][] = [];
  for (let b = 0; (b + 1) * n <= lines.length; b++) {
    const values = new Map<string, string[]>();
    for (const [k, v] of lines.slice(b * n, (b + 1) * n)) values.set(k, [...(values.get(k) ?? []), v]);
    const changed = new Map<string, unknown>();
    for (const k of new Set([...values.keys(), ...state.keys()])) {
      const old = state.get(k);
      const next = fn(values.get(k) ?? [], old, (b + 1) * BATCH_MS);
      if (next === undefined) state.delete(k);
      else {
        state.set(k, next);
        if (values.has(k) || next !== old) changed.set(k, next);
      }
    }
    for (const [k, s] of [...changed].sort((x, y) => (x[0] < y[0] ? -1 : 1))) rows.push([b + 1, b + 1, [k, s], (b + 1) * BATCH_MS]);
  }
  return rows;
}

describe('Kafka --update-state-by-key units on live input', () => {
  it('write each whole batch\'s changed keys once, whatever the batch sizes, interleaving and lost transactions', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd'), fc.integer({ min: 0, max: 9 })), { minLength: 2, maxLength: 40 }), // every partition has a line: one with none holds every batch back (documented)
      fc.integer({ min: 1, max: 9 }),
      fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 30 }),
      fc.array(fc.boolean(), { minLength: 1, maxLength: 7 }),
      async (pairs, n, schedule, losses) => {
        const h = stateHarness(pairs, n, fn, true);
        const { lines, ctx, parts, s1, rep, log } = h;
        let s2 = h.s2;
        let last: StateKeyRecord | undefined;
        const out: unknown[][] = [];
        const progress: number[] = [];
        let steps = 0;
        const inputLeft = () => s1.some((u) => u.pos < parts[u.partition]!.length);
        for (let i = 0; inputLeft() || s2.pos < rep.length; i++) {
          const x = schedule[i % schedule.length]!;
          const force = i >= 200; // then: every input partition to its end, then stage 2 to its end
          const u = force ? (s1.find((v) => v.pos < parts[v.partition]!.length) ?? s1[0]!) : s1[x % 2]!;
          if ((force || x % 3 === 0) && u.pos < parts[u.partition]!.length) {
            const records = parts[u.partition]!.slice(u.pos, u.pos + 1 + (x % 7));
            const c = u.compute(records, u.pos + records.length);
            for (const m of c.messages) rep.push({ offset: rep.length, timestampMs: 0, key: null, value: m.value });
            u.commit(c.after);
          } else if (s2.pos < rep.length) {
            const records = rep.slice(s2.pos, s2.pos + (force ? 1000 : 1 + (x % 5)));
            const a = s2.apply(records, s2.pos + records.length, 'out', 1);
            if (!force && losses[steps++ % losses.length]) { // aborted: nothing written, the next owner opens from the last commit
              s2 = last ? await StateKeyUnit.open(ctx, 0, last.pos, JSON.stringify(last), log, 'rep') : new StateKeyUnit(ctx, 0, 0, undefined);
              continue;
            }
            for (const m of a.messages) {
              if (m.key === null) out.push(JSON.parse(m.value) as unknown[]);
              else progress.push((JSON.parse(m.value) as { c: number }).c);
            }
            last = a.state;
            expect(a.state.done).toBe(false);
          }
        }
        expect(out.map((r) => [r[0], r[1], decodeState(r[2]), r[3]])).toEqual(naive(lines, n));
        const whole = Math.floor(lines.length / n);
        expect(progress).toEqual([...progress].sort((a, b) => a - b));
        expect(new Set(progress).size).toBe(progress.length);
        expect(progress.at(-1) ?? 0).toBe(whole);
      },
    ), { numRuns: 300 });
  });
});
