/**
 * The Redis server itself dies: kill -9 of redis-server mid-job (AOF with
 * appendfsync always, so every acknowledged write survives), a 1 s outage, then a
 * restart on the same dir and port. The workers reconnect and carry on; when they
 * have exited 0 the output is exact. Done twice when the job is still running.
 */
import { describe, expect, it } from 'vitest';
import { bigApacheLog, STATUS_JOB } from './data.js';
import { allExit, catRows, crashText, delay, diffRows, duplicates, startWorker, tail, waitFor } from './procs.js';
import { redisAvailable, startRedis } from './redis-harness.js';
import { useRedisSuite } from './suite.js';

const COPIES = Number(process.env.DSTREAM_REDIS_CRASH_COPIES ?? 100); // 1,000,000 lines: the job outlives two crashes
const ARGS = ['--lease', '2s', '--batch', '100ms', '--key-partitions', '8'];
const OUTAGE_MS = 1000;

describe.skipIf(!redisAvailable())('distributed: redis-server killed with SIGKILL and restarted', () => {
  const suite = useRedisSuite({ job: STATUS_JOB, file: () => bigApacheLog(COPIES), publish: true, removeData: true });
  const procs = suite.procs;

  it('workers reconnect after the restart; output exact', async () => {
    const t0 = Date.now();
    const from = suite.redis.url('apache', 'rcrash');
    const to = suite.redis.url('rcrash-out');
    const workers = [startWorker(from, to, STATUS_JOB, ARGS, { name: 'worker A' }), startWorker(from, to, STATUS_JOB, ARGS, { name: 'worker B' })];
    workers.forEach((w) => procs.add(w));
    const done = Promise.all(workers.map((w) => w.exited));
    let finished = false;
    void done.then(() => (finished = true));
    const crashes: string[] = [];
    let rowsBefore = 0;
    for (let i = 0; i < 2; i++) {
      const target = rowsBefore;
      // Progress since the last restart: more rows committed (or the job ended).
      await waitFor('rows committed to OUT', async () => finished || (rowsBefore = (await catRows(to)).length) > target, 120_000, 200);
      if (finished) break;
      if (i === 0) expect(workers.every((w) => w.running()), 'workers still running at the first crash').toBe(true);
      const old = suite.redis;
      await old.kill('SIGKILL');
      await delay(OUTAGE_MS);
      suite.redis = await startRedis({ dir: old.dir, port: old.port });
      crashes.push(`crash ${i + 1} at ${rowsBefore} rows committed, ${Date.now() - t0} ms`);
    }
    expect(crashes.length, 'redis was killed at least once mid-job').toBeGreaterThan(0);
    const exits = await allExit(workers, 240_000);
    for (const [i, e] of exits.entries()) expect(e, `${workers[i]!.name} stderr:\n${tail(workers[i]!.stderr())}`).toEqual({ code: 0, signal: null });
    for (const w of workers) expect(crashText(w.stderr()), w.stderr()).toBeUndefined();
    const got = await catRows(to);
    expect(duplicates(got), 'rows appearing twice').toEqual([]);
    if (got.join('\n') !== suite.expected.join('\n')) expect.fail(diffRows(suite.expected, got));
    console.log(`redis-crash: ${crashes.join('; ')}; exact (${got.length} rows) in ${Date.now() - t0} ms`);
  }, 300_000);
});
