/**
 * The distributed state table (Redis and Kafka live --update-state-by-key) finds changed keys as a
 * local --output-mode update does (state/state-change.ts): a key without values whose state the
 * function mutated in place and returned is a changed key; one given back an equal copy is not.
 */
import { describe, expect, it } from 'vitest';
import { IssueLog } from '../../src/core/issues.js';
import { packByKeyPartition } from '../../src/distributed/partials.js';
import { StateTable } from '../../src/distributed/state-table.js';
import type { SourceProgress } from '../../src/distributed/key-panes.js';

type S = { n: number; idle: number };

describe('StateTable: changed keys of a batch', () => {
  it('a state mutated in place is changed; an equal copy is not', () => {
    const fn = (vs: unknown[], s: unknown): unknown => {
      const st = s as S | undefined;
      if (vs.length) return { n: (st?.n ?? 0) + vs.length, idle: st?.idle ?? 0 };
      if ((st as S).n === 1) {
        (st as S).idle++; // key "a": mutated in place
        return st;
      }
      return { ...(st as S) }; // key "b": an equal copy
    };
    const table = new StateTable({ fn, label: '--update-state-by-key', issues: new IssueLog('skip'), batchLines: 1, batchIntervalMs: 1000, live: true });
    const rows: [number, [unknown, unknown][]][] = [];
    const close = (watermark: number) => {
      const sources = new Map<number, SourceProgress>([[0, { seq: watermark, watermarkMs: watermark, eof: false, idle: false } as SourceProgress]]);
      table.closeDue(sources, 1, (b, changed) => rows.push([b, structuredClone(changed)]));
    };
    table.apply(packByKeyPartition([[0, [['a', [[0, 0, 1]]], ['b', [[0, 1, 1], [0, 2, 1]]]]]], 1)[0]!, 'm0');
    close(1);
    close(2); // batch 1: no values
    expect(rows).toEqual([
      [0, [['a', { n: 1, idle: 0 }], ['b', { n: 2, idle: 0 }]]],
      [1, [['a', { n: 1, idle: 1 }]]],
    ]);
  });
});
