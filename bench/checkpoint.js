/**
 * Checkpoint cost per batch with 100,000 keys in state (issue: checkpoints).
 * A stateful job (update-state-by-key, 100,000 distinct keys, 10,000 of them
 * updated per batch) runs 20 batches on a manual clock, three ways: without
 * checkpoint, with a checkpoint whose full snapshot is due every batch, and
 * with snapshots every 10 batches (offsets + commit only in between).
 * Prints the median processing time per batch for each.
 * Run: npm run build && node bench/checkpoint.js
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock, StreamingContext } from '../dist/index.js';
import { CheckpointStore } from '../dist/checkpoint/checkpoint-store.js';

const KEYS = 100_000;
const BATCHES = 20;

function run(mode) {
  const clock = new ManualClock(0);
  const ssc = new StreamingContext({ batchIntervalMs: 1000, clock });
  const queue = [Array.from({ length: KEYS }, (_, i) => [`key-${i}`, 1])];
  for (let b = 1; b < BATCHES; b++) queue.push(Array.from({ length: 10_000 }, (_, i) => [`key-${(b * 7919 + i) % KEYS}`, 1]));
  const dir = mkdtempSync(join(tmpdir(), 'dstream-ckbench-'));
  let store = null;
  if (mode !== 'none') {
    store = CheckpointStore.open(join(dir, 'ck'), { bench: mode });
    ssc.checkpoint({ store, intervalMs: mode === 'every' ? 0 : 10_000, outputs: [] });
  }
  const times = [];
  ssc.queueStream(queue).updateStateByKey((vs, s) => (s ?? 0) + vs.length, { outputMode: 'update' }).foreachBatch(() => {});
  ssc.start();
  for (let b = 0; b < BATCHES; b++) {
    const t0 = performance.now();
    clock.advance(1000); // runs one batch synchronously
    times.push(Math.round((performance.now() - t0) * 10) / 10);
  }
  ssc.stop({ graceful: false });
  store?.close();
  rmSync(dir, { recursive: true, force: true });
  const steady = times.slice(1).sort((a, b) => a - b);
  return { median: steady[steady.length >> 1], first: times[0] };
}

for (const mode of ['none', 'every', 'interval']) {
  const r = run(mode);
  console.log(`${mode.padEnd(9)} median ms/batch (batches 2..${BATCHES}): ${r.median}   first batch (100k inserts): ${r.first} ms`);
}
