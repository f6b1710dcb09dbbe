/**
 * Distributed mode on Kafka (`--from kafka://…?group=JOB`), on a real broker
 * started by this file: the bundled access log in a 4-partition topic through
 * two workers with `--once` equals the local run byte for byte (`dstream cat`
 * in window order); `job status` and `job reset`; kill -9 of a worker in the
 * middle of a transaction with a replacement started (3 seeds, 10 with
 * DSTREAM_LONG=1); a worker SIGSTOPped in the middle of a transaction past its
 * session timeout, then resumed: its commit is refused (fenced) and nothing is
 * written twice; workers joining and one leaving (SIGTERM) mid-job; the broker
 * stopped and started again in the middle of a job.
 * Every wait is for an event: a line on a worker's stderr, or its exit.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCESS_LOG, accessLogLines, createTopic, hasJava, localRunOf, produceLines, SKIP_REASON, startBroker, type Broker } from './broker.js';
import { whenStderr } from './procs.js';
import { kafkaWorkers } from './workers.js';
import { runCli } from '../helpers/run-cli.js';
import { rng } from '../helpers/rng.js';

const haveData = existsSync(ACCESS_LOG);
if (!hasJava) console.warn(`skipping test/kafka/distributed.test.ts: ${SKIP_REASON}`);
else if (!haveData) console.warn(`skipping test/kafka/distributed.test.ts: ${ACCESS_LOG} is absent`);

const SEEDS = process.env.DSTREAM_LONG === '1' ? 10 : 3;
const OPS = ['--event-time', 'l => l.split("[")[1].split("]")[0]', '--map', 'l => l.split(" ")[8]', '--count-by-value', '--window', '5m', '--watermark', '1m'];

/** The local run of OPS with the access log as a regular file on stdin (bounded input: one batch at the batch interval). */
const localRun = (format: string): string => localRunOf(OPS, format);

describe.skipIf(!hasJava || !haveData)('distributed mode on Kafka', () => {
  let broker: Broker;
  let local: string;
  const { from, worker, cat, exited } = kafkaWorkers(() => broker.address, OPS);

  beforeAll(async () => {
    broker = startBroker();
    await createTopic(broker.address, 'access', 4);
    await produceLines(broker.address, 'access', accessLogLines(), 4);
    local = localRun('tsv');
  }, 300_000);
  afterAll(() => broker?.close());

  it('two workers with --once equal the local run byte for byte; job status, then job reset', async () => {
    const ws = [worker('two'), worker('two')];
    for (const w of ws) await exited(w);
    for (const w of ws) expect(w.stderr).toMatch(/done: the job is complete/);
    // The first job on this broker: a group coordinator still starting is said once in plain words, never as an error.
    for (const w of ws) expect(w.stderr).not.toMatch(/kafka error \(retrying\).*coordinator/i);
    for (const w of ws) expect(w.stderr.split('group coordinator is not ready yet').length).toBeLessThanOrEqual(2);
    expect(await cat('two')).toBe(local);
    for (const format of ['csv', 'json', 'text']) {
      // The batch time too: a --once job's rows carry the local run's (one batch, at the batch interval).
      expect(await cat('two', format), format).toBe(localRun(format));
    }
    const st = await runCli(['job', 'status', from('two'), '--json']);
    expect(st.code).toBe(0);
    const status = JSON.parse(st.stdout) as { complete: boolean; inputPartitions: number; keyPartitions: number; units: { done: boolean; lines?: number }[] };
    expect(status).toMatchObject({ complete: true, inputPartitions: 4, keyPartitions: 16 });
    expect(status.units.reduce((n, u) => n + (u.lines ?? 0), 0)).toBe(10_000);
    const reset = await runCli(['job', 'reset', from('two')]);
    expect(reset.code).toBe(0);
    expect(reset.stderr).toMatch(/dstream-two-repartition/);
    const after = await runCli(['job', 'status', from('two'), '--json']);
    expect(JSON.parse(after.stdout)).toMatchObject({ exists: false });
  }, 300_000);

  it(`kill -9 of a worker in the middle of a transaction, with a replacement (${SEEDS} seeds): the output equals the local run`, async () => {
    for (let seed = 1; seed <= SEEDS; seed++) {
      const job = `kill${seed}`;
      const n = 1 + Math.floor(rng(seed)() * 3);
      // The victim, alone at first, pauses in its n-th stage-1 transaction (messages sent, offsets not yet added): killed there.
      const victim = worker(job, { DSTREAM_FAULT: `stall-before-commit@${n}` });
      await whenStderr(victim, /DSTREAM_FAULT: stalling/);
      const other = worker(job);
      await whenStderr(other, /joined/);
      victim.child.kill('SIGKILL');
      const replacement = worker(job);
      await exited(other);
      await exited(replacement);
      expect(await cat(job), `seed ${seed}, kill in transaction ${n}`).toBe(local);
    }
  }, 300_000 * SEEDS);

  it('a worker SIGSTOPped in a transaction past its session timeout, then resumed, is fenced: nothing is written twice', async () => {
    const zombie = worker('stop', { DSTREAM_FAULT: 'stall-before-commit@2' });
    await whenStderr(zombie, /DSTREAM_FAULT: stalling/); // alone: one transaction committed, inside the second
    zombie.child.kill('SIGSTOP');
    const other = worker('stop');
    await whenStderr(other, /input partitions 0,1,2,3 assigned/); // the group gave the other one everything
    zombie.child.kill('SIGCONT');
    await exited(zombie);
    await exited(other);
    expect(zombie.stderr).toMatch(/fenced/);
    expect(await cat('stop')).toBe(local);
  }, 300_000);

  it('workers joining and leaving (SIGTERM) in the middle of a job: the output equals the local run', async () => {
    const first = worker('churn', { DSTREAM_FAULT: 'stall-before-commit@2' });
    await whenStderr(first, /DSTREAM_FAULT: stalling/); // the first has committed once and is inside its second transaction
    // The second is held in its first transaction (it has input partitions), so the job cannot end before it leaves.
    const second = worker('churn', { DSTREAM_FAULT: 'pause-before-commit@1' });
    await whenStderr(second, /DSTREAM_FAULT: pausing/);
    const third = worker('churn');
    await whenStderr(third, /assigned/);
    second.child.kill('SIGTERM'); // leaves the groups after its running step: the others rebalance at once
    await whenStderr(second, /SIGTERM: finishing the current step/);
    second.child.kill('SIGUSR2'); // the running step goes on (committed, or refused if the group moved on)
    await exited(second);
    expect(second.stderr).toMatch(/worker \S+ stopped$/m);
    await exited(first);
    await exited(third);
    expect(await cat('churn')).toBe(local);
  }, 300_000);

  it('the broker stopped and started again in the middle of a job: the output equals the local run', async () => {
    const first = worker('restart', { DSTREAM_FAULT: 'stall-before-commit@3' });
    await whenStderr(first, /DSTREAM_FAULT: stalling/); // alone: two transactions committed, inside the third
    const ws = [first, worker('restart')];
    await whenStderr(ws[1]!, /joined/);
    broker.stop();
    broker.restart();
    for (const w of ws) await exited(w); // (a failure prints every worker's stderr: procs.ts)
    expect(await cat('restart')).toBe(local);
  }, 300_000);
});
