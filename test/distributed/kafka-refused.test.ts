/**
 * After a refused (fenced, so aborted) commit a Kafka worker keeps its units
 * (kafka/held.ts `refused`), without a broker: a stage-1 unit of every kind
 * that computed a batch which was never committed, then computes its batches
 * on from its committed position, writes exactly what a unit that never saw
 * the refused batch writes (fast-check); key units of the refused step 2 go
 * back to their committed state (windows) or are opened again (state).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IssueLog } from '../../src/core/issues.js';
import { HeldUnits } from '../../src/distributed/kafka/held.js';
import type { KafkaJobMeta, KafkaLog, LogRecord } from '../../src/distributed/kafka/log.js';
import { StateKeyUnit } from '../../src/distributed/kafka/state-unit.js';
import { InputUnit, KeyUnit, type UnitContext } from '../../src/distributed/kafka/units.js';
import { KeyedReducer } from '../../src/operators/keyed-map.js';
import { windowSpec } from '../../src/windows/spec.js';

function context(state: boolean): UnitContext {
  return {
    combiner: { prefix: [{ op: 'map', source: 'l => l.split(" ")' }], watermarkDelayMs: 0, onError: 'skip' },
    inputPartitions: 2, keyPartitions: 2, allowedLatenessMs: 0, spec: windowSpec(10_000, 10_000, 1000, true),
    mergeReducer: () => new KeyedReducer({ keyMode: 'pair', combine: (a: number, b: number) => a + b, label: 'sum' }, new IssueLog(), false),
    updateState: state ? { fn: (vs: unknown[], s: unknown) => `${(s as string | undefined) ?? ''}${vs.join('')}`, label: '--update-state-by-key', issues: new IssueLog('skip'), batchLines: 3, batchIntervalMs: 1000 } : undefined,
    say: () => undefined, onIssue: () => undefined,
  } as unknown as UnitContext;
}

const make = (kind: 'lines' | 'state', end: number): InputUnit => (kind === 'lines'
  ? new InputUnit(context(false), 1, 0, undefined, end, { output: 'out', outputPartitions: 1 })
  : new InputUnit(context(true), 1, 0, undefined, end, { repartition: 'rep' }));
const compute = (u: InputUnit, records: LogRecord[], next: number) => u.compute(records, next);

/** Runs `u` over `records` in batches of `sizes` (cyclic); before batch i in `refusedAt`, a batch of `refusedSize` is computed and thrown away. */
function run(u: InputUnit, records: LogRecord[], sizes: number[], refusedAt: Set<number>, refusedSize: number): string[] {
  const out: string[] = [];
  for (let i = 0; !u.done; i++) {
    if (refusedAt.has(i)) compute(u, records.slice(u.pos, u.pos + refusedSize), Math.min(records.length, u.pos + refusedSize)); // refused: never adopted
    const batch = records.slice(u.pos, u.pos + sizes[i % sizes.length]!);
    const c = compute(u, batch, u.pos + batch.length);
    out.push(...c.messages.map((m) => `${m.partition} ${m.value}`));
    u.commit(c.after);
  }
  return out;
}

describe('Kafka units after a refused commit', () => {
  it('a stage-1 unit (stateless or --update-state-by-key) kept after refused batches writes what it writes without them', () => {
    fc.assert(fc.property(
      fc.constantFrom('lines' as const, 'state' as const),
      fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.integer({ min: 0, max: 9 })), { maxLength: 30 }),
      fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 8 }),
      fc.uniqueArray(fc.integer({ min: 0, max: 20 }), { maxLength: 5 }),
      fc.integer({ min: 0, max: 9 }),
      (kind, pairs, sizes, refused, refusedSize) => {
        const records = pairs.map(([k, v], offset): LogRecord => ({ offset, timestampMs: 0, key: null, value: `${k} ${v}` }));
        const clean = run(make(kind, records.length), records, sizes, new Set(), 0);
        expect(run(make(kind, records.length), records, sizes, new Set(refused), refusedSize)).toEqual(clean);
      },
    ));
  });

  it('key units of a refused step 2: a windowed one goes back to its committed offset, a state one is opened again; others are kept', () => {
    const meta: KafkaJobMeta = { version: 1, input: 'in', inputPartitions: 2, keyPartitions: 2, pipeline: '{}', output: 'out', endOffsets: null };
    const names = { stage1: 'j', stage2: 'j.stage2', repartition: 'rep', changelog: 'cl' };
    for (const state of [false, true]) {
      const ctx = context(state);
      const held = new HeldUnits({} as KafkaLog, ctx, { meta, names, batchTimeMs: null, outputPartitions: () => 1 });
      const unit = (q: number, pos: number) => (state ? new StateKeyUnit(ctx, q, pos, undefined) : new KeyUnit(ctx, q, pos, undefined));
      held.keys.set(0, unit(0, 5));
      held.keys.set(1, unit(1, 7));
      const rec = state ? undefined : JSON.stringify(new KeyUnit(ctx, 0, 0, undefined).apply([], 5, 'out', 1).state);
      held.committed([{ q: 0, pos: 5, rec: rec! }]);
      held.keys.get(0)!.pos = 9; // step 2 applied key partition 0 up to offset 9…
      held.applying(0);
      held.refused(); // …and its transaction was refused
      expect(held.keys.get(1)!.pos).toBe(7);
      if (state) expect(held.keys.has(0)).toBe(false);
      else expect(held.keys.get(0)!.pos).toBe(5);
    }
  });
});
