/**
 * Redis `--update-state-by-key`: the refusals that depend on how the topic was published (live
 * or from a file) come before the worker joins, so a refused command leaves nothing in Redis
 * (they used to come after joining: the job existed already). Exit 2, one line naming the flag.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishFile, runDstream, startDstream } from './procs.js';
import { redisAvailable, startRedis, type RedisServer } from './redis-harness.js';

const STATE = '(vs, s) => (s || 0) + vs.length';
const JOB = ['--map', 'l => [l.split(" ")[0], 1]', '--update-state-by-key', STATE];

describe.skipIf(!redisAvailable())('distributed --update-state-by-key on Redis: refused before joining', () => {
  let redis: RedisServer;
  let client: Redis;
  let dir: string;
  const keys = async () => (await client.keys('*')).sort();
  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.port, '127.0.0.1', { lazyConnect: true });
    await client.connect();
    dir = mkdtempSync(join(tmpdir(), 'dstream-refused-'));
  });
  afterAll(async () => {
    client?.disconnect();
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a topic published from a file refuses --output-mode update, and no job is created', async () => {
    const file = join(dir, 'in.txt');
    writeFileSync(file, 'a 1\nb 2\na 3\n');
    await publishFile(redis.url('bounded'), 2, file);
    const before = await keys();
    const r = await runDstream(['--from', redis.url('bounded', 'j1'), ...JOB, '--output-mode', 'update', '--to', redis.url('out1')]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe("dstream: --output-mode update: distributed --update-state-by-key outputs the whole table once, at the end of the input (complete): job 'j1' on topic 'bounded' reads a topic published from a file; each batch's changed keys (update) are for live input");
    expect(r.stdout).toBe('');
    expect(await keys()).toEqual(before);
    const status = await runDstream(['job', 'status', redis.url('bounded', 'j1')]);
    expect(status.stdout).toBe('job j1 on topic bounded: does not exist\n');
  });

  it('a live topic refuses a state job without --max-records-per-batch, and no job is created', async () => {
    const pub = await runDstream(['publish', redis.url('live'), '--partitions', '2', '--no-eof'], { input: 'a 1\n' });
    expect(pub.code, pub.stderr).toBe(0);
    const before = await keys();
    const r = await runDstream(['--from', redis.url('live', 'j2'), ...JOB, '--to', redis.url('out2')]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^dstream: --update-state-by-key: job 'j2' on topic 'live' reads live input, so it needs --max-records-per-batch N /);
    expect(await keys()).toEqual(before);
  });

  it('a worker started before its topic exists waits for it, then refuses before joining', async () => {
    const w = startDstream(['--from', redis.url('later', 'j3'), ...JOB, '--max-records-per-batch', '2', '--output-mode', 'update', '--to', redis.url('out3')], { stdin: 'ignore' });
    await w.stderrMatches(/waiting for topic 'later'/);
    const file = join(dir, 'later.txt');
    writeFileSync(file, 'x 1\ny 2\n');
    await publishFile(redis.url('later'), 2, file);
    const e = await w.exited;
    expect(e.code, w.stderr()).toBe(2);
    expect(w.stderr()).toMatch(/^dstream: waiting for topic 'later' .*\ndstream: --output-mode update: distributed --update-state-by-key outputs the whole table once/);
    expect((await keys()).filter((k) => k.includes('j3'))).toEqual([]);
  });
});
