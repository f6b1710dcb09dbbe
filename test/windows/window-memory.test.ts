/**
 * Memory of a sliding window with constant state (issue 15, item 7): a 10 s /
 * 1 s windowed count-by-value over a fixed set of keys, 180 batches on a
 * manual clock. Once the window is full the heap used (after a forced garbage
 * collection) must stay flat: panes that slid out are released at once.
 * (The leak kept up to 1,024 slid-out pane maps — a batch of keys each.)
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { StreamingContext } from '../../src/engine/context.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const heapAfterGc = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

describe('sliding window memory', () => {
  it.each([['countByValueAndWindow (inverse)', false], ['reduceByKeyAndWindow max (two stacks)', true]])(
    '%s: heap used flat over 150 slides with constant state',
    (_what, twoStacks) => {
      const KEYS = 20_000;
      const PER_BATCH = 10_000;
      const clock = new ManualClock(0);
      const ssc = new StreamingContext({ batchIntervalMs: 1000, clock });
      let b = 0;
      const queue: string[][] = []; // filled per batch below, emptied once consumed (the queue source keeps it whole)
      const src = ssc.queueStream(queue);
      let stateKeys = 0;
      const windowed = twoStacks
        ? src.map((k) => [k, 1] as [string, number]).reduceByKeyAndWindow('max', 10_000, 1000)
        : src.countByValueAndWindow(10_000, 1000);
      windowed.foreachBatch((records) => {
        stateKeys = records.length;
      });
      ssc.start();
      const step = () => {
        queue.push(Array.from({ length: PER_BATCH }, (_, i) => `key-${(b * 7919 + i) % KEYS}`));
        b++;
        clock.advance(1000);
        queue[b - 1] = [];
      };
      for (let i = 0; i < 30; i++) step();
      const before = heapAfterGc();
      const keysBefore = stateKeys;
      for (let i = 0; i < 150; i++) step();
      const after = heapAfterGc();
      ssc.stop({ graceful: false });
      console.log(`${_what}: heap used ${(before / 1e6).toFixed(1)} → ${(after / 1e6).toFixed(1)} MB over 150 slides, ${stateKeys} keys in the window`);
      expect(stateKeys).toBe(keysBefore); // constant state
      expect(stateKeys).toBe(KEYS);
      // 150 leaked panes of 10,000 entries are > 100 MB; a flat heap moves by a few MB.
      expect((after - before) / 1e6).toBeLessThan(16);
    },
  );
});
