/**
 * `--update-state-by-key` on Kafka, per key partition (state-unit.ts), on a
 * real broker started by this file with the bundled access log in a
 * 4-partition topic. A batch is N lines of the topic (`--max-records-per-batch
 * N`; line k of input partition p is line k·n + p), so `dstream cat` prints
 * the local run's table byte for byte — the same table the Redis backend
 * gives (test/distributed/update-state.test.ts runs the same JOB against the
 * same local run, and here both backends run it). The function is order- and batch-sensitive (values in
 * order, batch times, a key removed), so a wrong cut, order or time shows.
 * Kill -9 of a worker inside a stage-1 transaction, with a replacement: the
 * key partitions' new owners restore the state from the changelog and read
 * the open batches again from the repartition topic. Every wait is for an
 * event: a line on a worker's stderr, or its exit.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCESS_LOG, hasJava, localRunOf, SKIP_REASON, startAccessBroker, type Broker } from './broker.js';
import { whenStderr } from './procs.js';
import { kafkaWorkers } from './workers.js';
import { runCli } from '../helpers/run-cli.js';
import { publishFile } from '../distributed/procs.js';
import { redisAvailable, startRedis } from '../distributed/redis-harness.js';

const haveData = existsSync(ACCESS_LOG);
if (!hasJava) console.warn(`skipping test/kafka/update-state.test.ts: ${SKIP_REASON}`);
else if (!haveData) console.warn(`skipping test/kafka/update-state.test.ts: ${ACCESS_LOG} is absent`);

const STATE = '(vs, s, t) => vs.length === 0 && s && s.length > 60 ? undefined : (s || "") + t + ":" + vs.slice(0, 3).join("") + "/" + vs.length + ";"';
/** Per status: each batch's time, its first 3 values (line length mod 10) and count; a key idle with a long state is removed. */
const JOB = ['--map', 'l => [l.split(" ")[8], l.length % 10]', '--update-state-by-key', STATE, '--max-records-per-batch', '1000'];
/** Without --max-records-per-batch: the whole input is one batch, at time 1 × --batch. */
const ONE = ['--map', 'l => [l.split(" ")[8], 1]', '--update-state-by-key', '(vs, s, t) => (s || 0) + vs.length * 1000 + t'];

describe.skipIf(!hasJava || !haveData)('--update-state-by-key on Kafka', () => {
  let broker: Broker;
  const local = new Map<string, string>();
  const job = kafkaWorkers(() => broker.address, JOB, []);
  const one = kafkaWorkers(() => broker.address, ONE, []);

  beforeAll(async () => {
    broker = await startAccessBroker();
    for (const f of ['tsv', 'json', 'text', 'csv']) local.set(f, localRunOf(JOB, f));
  }, 300_000);
  afterAll(() => broker?.close());

  it('two workers, 10 batches of 1000 lines: cat prints the local run byte for byte in four formats; job status', async () => {
    const ws = [job.worker('two'), job.worker('two')];
    for (const w of ws) await job.exited(w);
    expect(local.get('tsv')).toContain('10000:');
    for (const f of ['tsv', 'json', 'text', 'csv']) expect(await job.cat('two', f), f).toBe(local.get(f));
    const st = JSON.parse((await runCli(['job', 'status', job.from('two'), '--json'])).stdout) as { complete: boolean; units: { rows?: number }[] };
    expect(st.complete).toBe(true);
    expect(st.units.reduce((n, u) => n + (u.rows ?? 0), 0)).toBe(local.get('tsv')!.split('\n').length - 1);
  }, 300_000);

  it.skipIf(!redisAvailable())('the Redis backend prints the same table as the Kafka one (same flags, same file, 4 partitions)', async () => {
    const redis = await startRedis();
    try {
      await publishFile(redis.url('access'), 4, ACCESS_LOG); // a regular file on stdin: a bounded topic
      const w = await runCli(['--from', redis.url('access', 'r'), ...JOB, '--to', redis.url('r-out')]);
      expect(w.code, w.stderr).toBe(0);
      const fromRedis = await runCli(['cat', redis.url('r-out')]);
      expect(fromRedis.code, fromRedis.stderr).toBe(0);
      const kafka = job.worker('vs-redis');
      await job.exited(kafka);
      expect(await job.cat('vs-redis')).toBe(fromRedis.stdout);
      expect(fromRedis.stdout).toBe(local.get('tsv'));
    } finally {
      await redis.stop();
    }
  }, 300_000);

  it('without --max-records-per-batch the whole input is one batch, as locally', async () => {
    const w = one.worker('one');
    await one.exited(w);
    const expected = localRunOf(ONE, 'tsv');
    expect(expected).toContain('200\t9127000\n');
    expect(await one.cat('one')).toBe(expected);
  }, 300_000);

  it('kill -9 of a worker inside a stage-1 transaction, with a replacement: state restored from the changelog, output exact', async () => {
    // The victim, alone at first, pauses inside its second stage-1 transaction (of 3 per partition): killed there.
    const victim = job.worker('kill', { DSTREAM_FAULT: 'stall-before-commit@2' });
    await whenStderr(victim, /DSTREAM_FAULT: stalling/);
    const other = job.worker('kill');
    await whenStderr(other, /joined/);
    victim.child.kill('SIGKILL');
    const replacement = job.worker('kill');
    await job.exited(other);
    await job.exited(replacement);
    expect(await job.cat('kill')).toBe(local.get('tsv'));
    expect(await job.cat('kill', 'json')).toBe(local.get('json'));
  }, 300_000);

  it('a key partition\'s state larger than the broker accepts ends the worker with exit 1 and what to do, instead of retrying for ever', async () => {
    const big = ['--map', 'l => ["k", 1]', '--update-state-by-key', '(vs, s) => "x".repeat(2000000)'];
    const r = await runCli(['--from', job.from('big'), ...big, '--once', '--to', job.to('big')]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/job big: a record of a transaction is larger than the broker accepts \(MESSAGE_TOO_LARGE/);
  }, 120_000);

  it('a new job without --once and without --max-records-per-batch is refused before it is created (its one batch would never close), exit 2', async () => {
    const r = await runCli(['--from', job.from('live'), ...ONE, '--to', job.to('live')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^dstream: --update-state-by-key: job 'live' reads live input, so it needs --max-records-per-batch N/);
    expect(JSON.parse((await runCli(['job', 'status', job.from('live'), '--json'])).stdout)).toMatchObject({ exists: false });
  }, 60_000);
});
