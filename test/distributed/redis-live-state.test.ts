/**
 * `--update-state-by-key` on live Redis input (a topic published with --no-eof from a pipe, not a
 * file): each commit that closes batches writes the keys each closed batch changed, atomically with
 * its offset and state (state-stage.ts), and `dstream cat` prints them batch by batch. The access
 * log's lines arrive in two bursts (4,000 then 6,000, round-robin over 4 partitions); between them
 * the only worker is killed -9 and replaced (its leases expire after --lease 2s). The checks are the
 * Kafka test's (live-state-check.ts). Every wait is for an event: a line on a job's stderr or
 * stdout, or its exit.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCESS_LOG, accessLogLines } from '../kafka/broker.js';
import { startJob } from '../kafka/procs.js';
import { runCli } from '../helpers/run-cli.js';
import { LIVE_JOB, twoBurstsWithKill } from './live-state-check.js';
import { redisAvailable, startRedis, type RedisServer } from './redis-harness.js';

const haveData = existsSync(ACCESS_LOG);
if (!redisAvailable()) console.warn('skipping test/distributed/redis-live-state.test.ts: redis-server is not installed');
else if (!haveData) console.warn(`skipping test/distributed/redis-live-state.test.ts: ${ACCESS_LOG} is absent`);

describe.skipIf(!redisAvailable() || !haveData)('--update-state-by-key on live Redis input', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  }, 60_000);
  afterAll(() => redis?.stop());

  const publish = async (lines: string[]) => {
    const r = await runCli(['publish', redis.url('live'), '--partitions', '4', '--no-eof'], lines.join('\n') + '\n');
    expect(r.code, r.stderr).toBe(0);
  };

  it('two bursts, the worker killed -9 and replaced between them: each batch once, last row per key = the local final table', async () => {
    const lines = accessLogLines();
    const worker = () => startJob(['--from', redis.url('live', 'live-state'), ...LIVE_JOB, '--lease', '2s', '--to', redis.url('live-out')]);
    await twoBurstsWithKill(lines, publish, worker, redis.url('live-out'));
  }, 240_000);

  it('refuses --output-mode complete on live input, and a live job without --max-records-per-batch (exit 2)', async () => {
    const pub = await runCli(['publish', redis.url('live2'), '--partitions', '2', '--no-eof'], '- - - [x] "GET /" 200 1\n');
    expect(pub.code, pub.stderr).toBe(0);
    const complete = await runCli(['--from', redis.url('live2', 'c'), ...LIVE_JOB, '--output-mode', 'complete', '--to', redis.url('c-out')]);
    expect(complete.code).toBe(2);
    expect(complete.stderr).toMatch(/^dstream: --output-mode complete: job 'c' on topic 'live2' reads live input/);
    const one = await runCli(['--from', redis.url('live2', 'd'), ...LIVE_JOB.slice(0, -2), '--to', redis.url('d-out')]);
    expect(one.code).toBe(2);
    expect(one.stderr).toMatch(/^dstream: --update-state-by-key: job 'd' on topic 'live2' reads live input, so it needs --max-records-per-batch N/);
  }, 60_000);
});
