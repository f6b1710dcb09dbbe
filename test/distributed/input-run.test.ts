/**
 * `InputRun` (input-run.ts), stage 1's computation on both logs (Redis
 * redis/stage1.ts, Kafka kafka/units.ts `InputUnit`): a windowed Kafka input unit
 * kept after refused (never committed) batches writes exactly what it writes
 * without them (fast-check), and the late warning names the `--watermark`
 * that would have kept the late records, in one text for both logs.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IssueLog } from '../../src/core/issues.js';
import { InputRun } from '../../src/distributed/input-run.js';
import type { LogRecord } from '../../src/distributed/kafka/log.js';
import { InputUnit, type UnitContext } from '../../src/distributed/kafka/units.js';
import { unpackPartials } from '../../src/distributed/partials.js';
import { KeyedReducer } from '../../src/operators/keyed-map.js';
import { windowSpec } from '../../src/windows/spec.js';

const combiner = {
  prefix: [{ op: 'event-time', source: 'l => Number(l.split(" ")[0])' }, { op: 'map', source: 'l => l.split(" ")[1]' }],
  aggregation: { op: 'count-by-value' }, paneMs: 10, watermarkDelayMs: 5, onError: 'skip',
  lateness: { lengthMs: 10, slideMs: 10, watermarkDelayMs: 5, allowedLatenessMs: 0, floorMs: -Infinity },
};
const context = (onWarning?: (m: string) => void): UnitContext => ({
  combiner, inputPartitions: 2, keyPartitions: 2, allowedLatenessMs: 0, watermarkDelayMs: 5, spec: windowSpec(10, 10, 10, true),
  mergeReducer: () => new KeyedReducer({ keyMode: 'pair', combine: (a: number, b: number) => a + b, label: 'count' }, new IssueLog(), false),
  say: () => undefined, onIssue: () => undefined, onWarning,
} as unknown as UnitContext);

/** Runs `u` over `records` in batches of `sizes` (cyclic); before batch i in `refusedAt`, a batch of `refusedSize` is computed and never committed. */
function run(u: InputUnit, records: LogRecord[], sizes: number[], refusedAt: Set<number>, refusedSize: number): string[] {
  const out: string[] = [];
  for (let i = 0; !u.done; i++) {
    if (refusedAt.has(i)) u.compute(records.slice(u.pos, u.pos + refusedSize), Math.min(records.length, u.pos + refusedSize));
    const batch = records.slice(u.pos, u.pos + sizes[i % sizes.length]!);
    const c = u.compute(batch, u.pos + batch.length);
    out.push(...c.messages.map((m) => `${m.partition} ${m.value}`), JSON.stringify(c.after.state), String(c.after.issues.length));
    u.commit(c.after);
  }
  return out;
}

describe('stage 1 on both logs (InputRun)', () => {
  it('a windowed Kafka input unit kept after refused batches writes what it writes without them', () => {
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 60 }), fc.constantFrom('a', 'b', 'c')), { maxLength: 30 }),
      fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 8 }),
      fc.uniqueArray(fc.integer({ min: 0, max: 20 }), { maxLength: 5 }),
      fc.integer({ min: 0, max: 9 }),
      (lines, sizes, refused, refusedSize) => {
        const records = lines.map(([t, k], offset): LogRecord => ({ offset, timestampMs: 0, key: null, value: `${t} ${k}` }));
        const clean = run(new InputUnit(context(), 1, 0, undefined, records.length, { repartition: 'rep' }), records, sizes, new Set(), 0);
        expect(run(new InputUnit(context(), 1, 0, undefined, records.length, { repartition: 'rep' }), records, sizes, new Set(refused), refusedSize)).toEqual(clean);
      },
    ));
  });

  it('counts late records against the running maximum and says which --watermark would have kept them', () => {
    const r = new InputRun(context() as never, 3);
    r.begin(0, -Infinity, -Infinity);
    for (const l of ['1 a', '12 b', '30 c', '3 d', '14 e']) r.line(l);
    const b = r.finish(false);
    expect(b).toMatchObject({ maxEventTimeMs: 30, watermarkMs: 25, lines: 5, late: 2 });
    expect(b.out.flatMap((p) => unpackPartials(p)).flatMap(([pane, es]) => es.map(([k, v]) => `${pane} ${String(k)} ${String(v)}`)).sort())
      .toEqual(['0 a 1', '1 b 1', '3 c 1']);
    // '3 d' was 27 ms behind 30, '14 e' 16 ms: a 1 s --watermark (whole seconds) keeps both.
    expect(r.lateWarning()).toBe('input partition 3: 2 of 5 records of a batch were late (40.0 %, dropped) with --watermark 5ms, '
      + 'where they were at most 1s behind the newest record of their partition; --watermark 1s would have kept them');
    const u = new InputUnit(context(), 3, 0, undefined, Infinity, { repartition: 'rep' });
    const c = u.compute(['1 a', '12 b', '30 c', '3 d', '14 e'].map((value, offset) => ({ offset, timestampMs: 0, key: null, value })), 5);
    expect(c.after.warning).toBe(r.lateWarning());
    expect(c.after.state).toEqual({ pos: 5, max: 30, eof: false, idle: false, lines: 5, late: 2 });
  });
});
