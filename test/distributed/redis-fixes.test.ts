/**
 * The Redis side of issue 18, on the 10,000 real Apache lines published to 4
 * partitions: `dstream cat` prints exactly the bytes of the local run in every
 * format (key partitions merged into window order); input entries every job
 * has committed are trimmed; every input partition has a hash slot of its
 * own; `dstream topic delete` removes everything (exit 75 while a worker is
 * live); a worker with more than 1 % of a batch late says so once, with a
 * `--watermark` that really keeps them.
 */
import { existsSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APACHE, STATUS_JOB } from './data.js';
import { allExit, publishFile, runDstream, startWorker, tail } from './procs.js';
import { redisAvailable, type RedisServer } from './redis-harness.js';
import { useRedisSuite } from './suite.js';

/** Redis Cluster's hash slot of a key: CRC16 (XMODEM) of its hash tag (or the whole key), modulo 16384. */
function keySlot(key: string): number {
  const open = key.indexOf('{');
  const close = open >= 0 ? key.indexOf('}', open + 1) : -1;
  const tag = close > open + 1 ? key.slice(open + 1, close) : key;
  let crc = 0;
  for (const byte of Buffer.from(tag)) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16384;
}

describe.skipIf(!redisAvailable() || !existsSync(APACHE))('distributed: Redis fixes of issue 18', () => {
  const suite = useRedisSuite({ job: STATUS_JOB, file: () => APACHE, publish: true, removeData: false });
  let redis: RedisServer;
  let client: Redis;
  const procs = suite.procs;

  beforeAll(async () => {
    redis = suite.redis;
    client = new Redis({ port: redis.port, lazyConnect: true });
    await client.connect();
  });

  afterAll(() => client?.disconnect());

  /** Runs `n` workers of `job` over topic `topic` to completion; returns their stderr. */
  async function runJob(topic: string, group: string, job: string[], n: number): Promise<string[]> {
    const workers = Array.from({ length: n }, (_, i) => startWorker(redis.url(topic, group), redis.url(group), job, [], { name: `${group} worker ${i + 1}` }));
    workers.forEach((w) => procs.add(w));
    const exits = await allExit(workers, 150_000);
    for (const [i, e] of exits.entries()) expect(e, `worker ${i + 1}: ${tail(workers[i]!.stderr())}`).toEqual({ code: 0, signal: null });
    return workers.map((w) => w.stderr());
  }

  it('cat prints the bytes of the local run in every format (2 workers, 16 key partitions)', async () => {
    await runJob('apache', 'status', STATUS_JOB, 2);
    for (const format of ['tsv', 'csv', 'json', 'text']) {
      const local = await runDstream([...STATUS_JOB, '--format', format], { stdin: { file: APACHE } });
      expect(local.code).toBe(0);
      const cat = await runDstream(['cat', redis.url('status'), '--format', format]);
      expect(cat.code, cat.stderr).toBe(0);
      expect(cat.stdout.length, format).toBeGreaterThan(1000);
      expect(cat.stdout, `--format ${format}`).toBe(local.stdout);
    }
  }, 240_000);

  it('input every job has committed is trimmed; each input partition has a hash slot of its own', async () => {
    // The job above is complete: each partition keeps only its last committed entry (the end-of-input marker).
    const slots = new Set<number>();
    for (let p = 0; p < 4; p++) {
      const key = `ds:{apache:${p}}:in`;
      expect(await client.xlen(key), key).toBe(1);
      slots.add(keySlot(key));
    }
    expect(slots.size).toBe(4);
  }, 60_000);

  it('trimming waits for the slowest job of the topic', async () => {
    await publishFile(redis.url('two'), 2, APACHE);
    const full = [await client.xlen('ds:{two:0}:in'), await client.xlen('ds:{two:1}:in')];
    // Job "stuck" joins, then stops at its first record (--on-error fail) without committing anything.
    const stuck = startWorker(redis.url('two', 'stuck'), redis.url('stuck'), [...STATUS_JOB.slice(0, 2), '--map', 'l => { throw new Error("stuck"); }',
      '--count-by-value', '--window', '5m', '--on-error', 'fail'], [], { name: 'stuck worker' });
    procs.add(stuck);
    expect((await stuck.exited).code).toBe(1);
    await runJob('two', 'first', STATUS_JOB, 1);
    expect([await client.xlen('ds:{two:0}:in'), await client.xlen('ds:{two:1}:in')], 'nothing trimmed while a job has not committed').toEqual(full);
    const reset = await runDstream(['job', 'reset', redis.url('two', 'stuck')]);
    expect(reset.code, reset.stderr).toBe(0);
    await runJob('two', 'second', STATUS_JOB, 1);
    expect([await client.xlen('ds:{two:0}:in'), await client.xlen('ds:{two:1}:in')]).toEqual([1, 1]);
  }, 180_000);

  it('topic delete: exit 75 while a worker is live, then every key of the topic, its jobs and outputs is gone', async () => {
    await publishFile(redis.url('live'), 2, APACHE, ['--no-eof']);
    const w = startWorker(redis.url('live', 'g'), redis.url('live-out'), STATUS_JOB, [], { name: 'live worker' });
    procs.add(w);
    await w.stderrMatches(/joined job/);
    const refused = await runDstream(['topic', 'delete', redis.url('live')]);
    expect(refused.code, refused.stderr).toBe(75);
    expect(refused.stderr).toMatch(/live worker/);
    expect((await w.term()).code).toBe(0);
    const deleted = await runDstream(['topic', 'delete', redis.url('live')]);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stderr).toMatch(/topic 'live' deleted/);
    expect(await client.keys('ds:{live*')).toEqual([]);
    expect(await client.hget('ds:outputs', 'live-out')).toBeNull();
    const again = await runDstream(['topic', 'delete', redis.url('live')]);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/does not exist/);
    const usage = await runDstream(['topic', 'drop', redis.url('live')]);
    expect(usage.code).toBe(2);
  }, 120_000);

  it('more than 1 % late in a batch: one warning naming a --watermark that keeps them all', async () => {
    const job = ['--event-time', 'l => l.split("[")[1].split("]")[0]', '--map', 'l => l.split(" ")[8]', '--count-by-value', '--window', '10s'];
    await publishFile(redis.url('late'), 4, APACHE, ['--keep-input']); // read by two jobs in turn
    const [stderr] = await runJob('late', 'late', job, 1);
    const warnings = stderr!.split('\n').filter((l) => l.includes('would have kept them'));
    expect(warnings, stderr).toHaveLength(1);
    const m = /--watermark (\S+) would have kept them/.exec(warnings[0]!)!;
    const [again] = await runJob('late', 'kept', [...job, '--watermark', m[1]!], 1);
    expect(again).not.toMatch(/would have kept them/);
    const status = await runDstream(['job', 'status', redis.url('late', 'kept'), '--json']);
    const late = (JSON.parse(status.stdout) as { units: { late?: number }[] }).units.reduce((s, u) => s + (u.late ?? 0), 0);
    expect(late).toBe(0);
  }, 240_000);
});
