/**
 * Distributed mode gives the single-process answer however many workers share
 * the job: the 10,000 real Apache lines published to 4 partitions, requests per
 * status per 5-minute event-time window, run by 1, 2 and 3 concurrent workers
 * (each a separate consumer group writing its own OUT stream). Every `cat`
 * output, sorted, equals the sorted `dstream ... --format tsv < apache_logs`
 * rows; no row appears twice. Also: `cat --format csv|json` against the local
 * formats, and `job reset` followed by the same job again.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { APACHE, STATUS_JOB } from './data.js';
import { allExit, catRows, crashText, diffRows, duplicates, jobStatus, killAll, publishFile, reference, runDstream, startWorker, tail, type Proc } from './procs.js';
import { redisAvailable, startRedis, type RedisServer } from './redis-harness.js';

describe.skipIf(!redisAvailable())('distributed: same answer with 1, 2, 3 workers', () => {
  let redis: RedisServer;
  let expected: string[];
  const procs = new Set<Proc>();
  const outputs = new Map<number, string[]>();

  beforeAll(async () => {
    redis = await startRedis();
    expected = await reference(STATUS_JOB, APACHE);
    expect(expected.length).toBeGreaterThan(200);
    await publishFile(redis.url('apache'), 4, APACHE, ['--keep-input']); // each job reads it all
  }, 120_000);

  afterEach(async () => {
    await killAll(procs);
    procs.clear();
  });

  afterAll(async () => {
    await redis?.stop();
  });

  it.each([1, 2, 3])('%i worker(s)', async (n) => {
    const t0 = Date.now();
    const from = redis.url('apache', `g${n}`);
    const to = redis.url(`out${n}`);
    const workers = Array.from({ length: n }, (_, i) => startWorker(from, to, STATUS_JOB, [], { name: `worker ${i + 1}/${n}` }));
    workers.forEach((w) => procs.add(w));
    const exits = await allExit(workers, 150_000);
    for (const [i, e] of exits.entries()) {
      expect(e, `worker ${i + 1}/${n} exit; stderr:\n${tail(workers[i]!.stderr())}`).toEqual({ code: 0, signal: null });
      expect(crashText(workers[i]!.stderr()), workers[i]!.stderr()).toBeUndefined();
    }
    const got = await catRows(to);
    expect(duplicates(got), 'rows appearing twice').toEqual([]);
    if (got.join('\n') !== expected.join('\n')) expect.fail(diffRows(expected, got));
    outputs.set(n, got);
    console.log(`determinism: ${n} worker(s): ${got.length} rows, exact, ${Date.now() - t0} ms`);
  }, 180_000);

  it('all runs equal each other', () => {
    expect(outputs.size, 'every worker count ran').toBe(3);
    expect(outputs.get(2)).toEqual(outputs.get(1));
    expect(outputs.get(3)).toEqual(outputs.get(1));
  });

  it('cat --format csv and json print the rows of the local --format csv and json', async () => {
    const to = redis.url('out2');
    const csv = await catRows(to, 'csv');
    expect(csv).toEqual(await reference(STATUS_JOB, APACHE, 'csv'));
    // json's "time" is the batch time locally (processing time), the window end here.
    const noTime = (rs: string[]) => rs.map((r) => r.replace(/"time":\d+,?/, '')).sort();
    expect(noTime(await catRows(to, 'json'))).toEqual(noTime(await reference(STATUS_JOB, APACHE, 'json')));
  });

  it('job reset, then the same job again: the same rows, none twice', async () => {
    const from = redis.url('apache', 'g1');
    const to = redis.url('out1');
    const r = await runDstream(['job', 'reset', from]);
    expect(r.code, r.stderr).toBe(0);
    expect((await jobStatus(from)).exists, 'job gone after reset').toBe(false);
    const w = startWorker(from, to, STATUS_JOB, [], { name: 'worker after reset' });
    procs.add(w);
    expect((await allExit([w], 150_000))[0], w.stderr()).toEqual({ code: 0, signal: null });
    const got = await catRows(to);
    expect(duplicates(got)).toEqual([]);
    if (got.join('\n') !== expected.join('\n')) expect.fail(diffRows(expected, got));
  }, 180_000);
});
