/**
 * Property test: `--count-by-value` without a window counts into `ValueCounts`
 * (operators/value-counts.ts, one lookup per record); the records
 * AggregateNode emits per batch and per window group equal a naive count and
 * the generic path (`add`, get and set of numbers), key order included.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { IssueLog } from '../../src/core/issues.js';
import type { StreamNode } from '../../src/core/node.js';
import { KeyedReducer } from '../../src/operators/keyed-map.js';
import { AggregateNode } from '../../src/operators/aggregate.js';
import { naiveCounts } from '../helpers/naive-counts.js';

const record = fc.oneof(
  fc.constantFrom('#a', '#B', '#a_much_longer_hashtag_of_40_characters_', 'é', ''),
  fc.string({ maxLength: 12 }),
  fc.constantFrom(0, -0, 1, NaN, true, null, undefined),
  fc.array(fc.constantFrom('x', 1), { maxLength: 2 }),
);

/** Per batch or group: the records, or a group of them (a window group, as downstream of a window). */
const step = fc.oneof(
  fc.record({ kind: fc.constant('batch' as const), records: fc.array(record, { maxLength: 60 }) }),
  fc.record({ kind: fc.constant('group' as const), records: fc.array(record, { maxLength: 60 }) }),
);

/** Runs the steps through an AggregateNode with `reducer`; returns what it emitted, one array per batch or group. */
function run(reducer: KeyedReducer, steps: { kind: 'batch' | 'group'; records: unknown[] }[]): unknown[][] {
  const out: unknown[][] = [];
  let current: unknown[] = [];
  const sink: StreamNode = {
    record: (v) => current.push(v),
    beginGroup: () => {},
    endGroup: () => {
      out.push(current);
      current = [];
    },
    endBatch: () => {
      out.push(current);
      current = [];
    },
  };
  const node = new AggregateNode(reducer, true);
  node.connect(sink);
  steps.forEach((s, i) => {
    if (s.kind === 'group') node.beginGroup({ startMs: 0, endMs: 10, eventTime: false } as never);
    for (const r of s.records) node.record(r);
    if (s.kind === 'group') node.endGroup();
    else node.endBatch({ timeMs: i, index: i, final: false } as never);
  });
  return out;
}

describe('count by value into tallies (AggregateNode)', () => {
  it('equals a naive count and the generic get-and-set path, per batch and per group', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 6 }), (steps) => {
        const agg = { keyMode: 'value' as const, combine: (a: number, b: number) => a + b, label: '--count-by-value' };
        const tallied = new KeyedReducer(agg, new IssueLog(), true);
        expect(tallied.countsValues).toBe(true);
        const got = run(tallied, steps);
        expect(got).toEqual(steps.map((s) => naiveCounts(s.records)));
        // The generic path: the same aggregation with an accumulate function takes get and set.
        const generic = new KeyedReducer({ ...agg, accumulate: (a: number) => a + 1 }, new IssueLog(), true);
        expect(generic.countsValues).toBe(false);
        expect(run(generic, steps)).toEqual(got);
      }),
      { numRuns: 300 },
    );
  });
});
