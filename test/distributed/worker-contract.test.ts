/**
 * The worker side of the `LogBackend` contract (log-backend.ts) as both backends give it:
 * a Kafka group's view reconciled with the units held is the same `Assignment` a Redis worker gets
 * from its leases (lost / revoke / granted with the fencing epoch: here the group generation), and
 * `StateKeys` (state-table.ts), the stage-2 step of `--update-state-by-key` both backends run,
 * skips a re-emitted batch and outputs the table once at the end (bounded) or each closed batch's
 * changed keys (live).
 */
import { describe, expect, it } from 'vitest';
import { IssueLog } from '../../src/core/issues.js';
import { assignment, reconcile } from '../../src/distributed/kafka/rebuild.js';
import type { Assignment } from '../../src/distributed/log-backend.js';
import { packByKeyPartition } from '../../src/distributed/partials.js';
import { StateKeys, type StateMessage } from '../../src/distributed/state-table.js';

describe('a Kafka reconciliation as the contract\'s Assignment', () => {
  it('a new generation in the same membership: released partitions revoked, new ones granted at the generation', () => {
    const held = new Map<number, string>([[0, 'a'], [1, 'b'], [2, 'c']]);
    const d = reconcile({ generation: 5, memberId: 'm', partitions: [0, 2, 3] }, 4, 'm', held)!;
    const a: Assignment = assignment('s2', 5, d);
    expect(a).toEqual({ lost: [], revoke: ['s2:1'], granted: [{ unit: 's2:3', epoch: 5 }] });
  });

  it('a new member id: every unit held is lost, every partition assigned granted again', () => {
    const held = new Map<number, string>([[0, 'a'], [1, 'b']]);
    expect(assignment('s1', 9, reconcile({ generation: 9, memberId: 'm2', partitions: [1] }, 4, 'm', held)!))
      .toEqual({ lost: ['s1:0', 's1:1'], revoke: [], granted: [{ unit: 's1:1', epoch: 9 }] });
  });
});

/** A stage-1 message of source `source` with values `[key, line, value]`, each in batch line / 2 (`--max-records-per-batch 2`). */
function message(source: number, seq: number, frontier: number, eof: boolean, values: [string, number, number][]): StateMessage {
  const batches = new Map<number, Map<string, [string, [number, number, unknown][]]>>();
  for (const [k, line, v] of values) {
    const b = Math.floor(line / 2);
    if (!batches.has(b)) batches.set(b, new Map());
    const keys = batches.get(b)!;
    const e = keys.get(k) ?? [k, []];
    e[1].push([line, 0, v]);
    keys.set(k, e);
  }
  const [data] = packByKeyPartition([...batches].map(([b, keys]) => [b, [...keys.values()]]), 1);
  return { source, seq, eof, idle: false, watermarkMs: frontier, data: data! };
}

const sum = (live: boolean) => ({
  fn: (values: unknown[], state: unknown) => (values as number[]).reduce((a, b) => a + b, (state as number | undefined) ?? 0),
  label: '--update-state-by-key', issues: new IssueLog('skip'), batchLines: 2, batchIntervalMs: 1000, live,
});

describe('StateKeys: the stage-2 step of a state job on both backends', () => {
  it('bounded input: a re-emitted batch is skipped, the table comes once, when every input partition has ended', () => {
    const keys = new StateKeys(sum(false), 1);
    keys.receive(message(0, 1, 2, false, [['a', 0, 1], ['b', 1, 2]]), '1');
    keys.receive(message(0, 1, 2, false, [['a', 0, 1], ['b', 1, 2]]), '2'); // the same batch again
    expect(keys.close()).toEqual({ done: false, windows: [] });
    keys.receive(message(0, 2, 3, true, [['a', 2, 10]]), '3');
    expect(keys.close()).toEqual({ done: true, windows: [{ startMs: 2, endMs: 2, records: [['a', 11], ['b', 2]] }] });
  });

  it('live input: each closed batch outputs the keys it changed, as batch b+1', () => {
    const keys = new StateKeys(sum(true), 1);
    keys.receive(message(0, 1, 2, false, [['a', 0, 1], ['b', 1, 2]]), '1');
    expect(keys.close()).toEqual({ done: false, windows: [{ startMs: 1, endMs: 1, records: [['a', 1], ['b', 2]] }] });
    keys.receive(message(0, 2, 4, false, [['b', 2, 5]]), '2');
    expect(keys.close()).toEqual({ done: false, windows: [{ startMs: 2, endMs: 2, records: [['b', 7]] }] });
  });
});
