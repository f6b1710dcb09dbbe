/**
 * A new owner of a Kafka unit reopens it from the changelog only once the changelog has caught up
 * with the committed offsets (kafka/worker.ts `behindOffsets`): a state older than its offsets would
 * close again windows already output (2 workers had printed a window twice).
 */
import { describe, expect, it } from 'vitest';
import { behindOffsets } from '../../src/distributed/kafka/worker.js';

describe('changelog behind the committed offsets', () => {
  const units = [{ key: 's2:0', committed: 10 }, { key: 's2:1', committed: 7 }, { key: 's1:2', committed: 0 }, { key: 's1:3', committed: 4 }];

  it('names the units whose record is older than their offset, or missing though an offset was committed', () => {
    const records = new Map<string, string | undefined>([
      ['s2:0', JSON.stringify({ pos: 9, done: false })], // one transaction behind
      ['s2:1', JSON.stringify({ pos: 7 })], // caught up
      ['s1:2', undefined], // nothing committed yet: nothing to wait for
      ['s1:3', undefined], // committed, record not visible yet
    ]);
    expect(behindOffsets(units, records)).toEqual(['s2:0', 's1:3']);
  });

  it('nothing once every record has caught up; records of older versions (no pos) are taken as they are', () => {
    const records = new Map<string, string | undefined>([
      ['s2:0', JSON.stringify({ pos: 10 })], ['s2:1', JSON.stringify({ sealedMs: null })], ['s1:2', undefined], ['s1:3', JSON.stringify({ pos: 4 })],
    ]);
    expect(behindOffsets(units, records)).toEqual([]);
  });
});
