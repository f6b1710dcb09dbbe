/**
 * The units of `--update-state-by-key` on Kafka (kafka/state-unit.ts) without a broker: two
 * input partitions commit stage-1 batches of random sizes in a random order, interleaved with
 * stage-2 steps of random sizes; at a random step the key partition changes owner (a new unit
 * from the last changelog record, reading the open batches again from the repartition log). The
 * table written at the end must equal a naive reference: the topic's lines (line k of partition
 * p is line 2k + p) cut into batches of N, the function called per key in order (fast-check).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeState } from '../../src/checkpoint/codec.js';
import { StateKeyUnit, type StateKeyRecord } from '../../src/distributed/kafka/state-unit.js';
import { BATCH_MS, stateHarness } from './kafka-state-harness.js';

/** Order- and batch-sensitive; an idle key with a long state is removed. */
const fn = (vs: unknown[], s: unknown, t: number): unknown => (vs.length === 0 && typeof s === 'string' && s.length > 24 ? undefined : `${(s as string | undefined) ?? ''}${t / BATCH_MS}:${vs.join('')};`);

/** The table a local run prints: batches of `n` lines, every key with values or state called per batch. */
function naive(lines: [string, string][], n: number): [string, unknown][] {
  const state = new Map<string, unknown>();
  for (let b = 0; b * n < lines.length; b++) {
    const values = new Map<string, string[]>();
    for (const [k, v] of lines.slice(b * n, (b + 1) * n)) values.set(k, [...(values.get(k) ?? []), v]);
    for (const k of new Set([...values.keys(), ...state.keys()])) {
      const next = fn(values.get(k) ?? [], state.get(k), (b + 1) * BATCH_MS);
      if (next === undefined) state.delete(k);
      else state.set(k, next);
    }
  }
  return [...state].sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

describe('Kafka --update-state-by-key units', () => {
  it('give the local run\'s table whatever the batch sizes, interleaving and change of owner', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd'), fc.integer({ min: 0, max: 9 })), { maxLength: 40 }),
      fc.integer({ min: 1, max: 9 }),
      fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 30 }),
      fc.integer({ min: 0, max: 40 }),
      async (pairs, n, schedule, handOverAt) => {
        const h = stateHarness(pairs, n, fn, false);
        const { lines, ctx, parts, s1, rep, log } = h;
        let s2 = h.s2;
        let last: StateKeyRecord | undefined;
        const out: string[] = [];
        const step2 = (count: number) => {
          const records = rep.slice(s2.pos, s2.pos + count);
          const a = s2.apply(records, s2.pos + records.length, 'out', 1);
          for (const m of a.messages) if (m.key === null) out.push(m.value);
          last = a.state;
        };
        for (let i = 0; !(s1.every((u) => u.done) && s2.done); i++) {
          const x = schedule[i % schedule.length]!;
          const force = i >= 200; // then: every input partition to its end, then stage 2 to its end
          if (i === handOverAt && last) s2 = await StateKeyUnit.open(ctx, 0, last.pos, JSON.stringify(last), log, 'rep');
          const u = force ? (s1.find((v) => !v.done) ?? s1[0]!) : s1[x % 2]!;
          if ((force || x % 3 === 0) && !u.done) {
            const records = parts[u.partition]!.slice(u.pos, u.pos + 1 + (x % 7));
            const c = u.compute(records, u.pos + records.length);
            for (const m of c.messages) rep.push({ offset: rep.length, timestampMs: 0, key: null, value: m.value });
            u.commit(c.after);
          } else if (!s2.done) step2(force ? 1000 : 1 + (x % 5));
        }
        const table = out.map((v) => decodeState((JSON.parse(v) as unknown[])[2]) as [string, unknown]);
        expect(table).toEqual(naive(lines, n));
        const batches = Math.ceil(lines.length / n);
        for (const v of out) expect((JSON.parse(v) as number[]).slice(0, 2)).toEqual([batches, batches]);
      },
    ), { numRuns: 300 });
  });
});
