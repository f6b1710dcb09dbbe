/**
 * `--update-state-by-key` on live Kafka input (a job created without `--once`), on a real broker
 * started by this file: each closed batch writes the keys it changed, in the transaction of its
 * offsets (kafka/state-unit.ts), and `dstream cat` prints them batch by batch. The access log's
 * lines arrive in two bursts (4,000 then 6,000, round-robin over 4 partitions); between them the
 * only worker is killed -9 and replaced. Checked: each batch is printed once, at (b+1) × --batch;
 * the rows of batch 4 are the table of a local run of the first 4,000 lines; each key's last row is
 * the local run's final table over all 10,000. The function is order- and batch-sensitive (values in
 * order, batch times), so a wrong cut, order, time or a batch applied twice shows. Every wait is for
 * an event: a line on a job's stderr or stdout, or its exit.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCESS_LOG, accessLogLines, createTopic, hasJava, produceLines, SKIP_REASON, startBroker, type Broker } from './broker.js';
import { startJob } from './procs.js';
import { runCli } from '../helpers/run-cli.js';
import { LIVE_JOB as JOB, twoBurstsWithKill } from '../distributed/live-state-check.js';

const haveData = existsSync(ACCESS_LOG);
if (!hasJava) console.warn(`skipping test/kafka/live-state.test.ts: ${SKIP_REASON}`);
else if (!haveData) console.warn(`skipping test/kafka/live-state.test.ts: ${ACCESS_LOG} is absent`);

describe.skipIf(!hasJava || !haveData)('--update-state-by-key on live Kafka input', () => {
  let broker: Broker;
  beforeAll(async () => {
    broker = startBroker();
    await createTopic(broker.address, 'live', 4);
  }, 300_000);
  afterAll(() => broker?.close());

  it('two bursts, the worker killed -9 and replaced between them: each batch once, last row per key = the local final table', async () => {
    const lines = accessLogLines();
    expect(lines.length).toBe(10_000);
    const from = `kafka://${broker.address}/live?group=live-state`;
    const to = `kafka://${broker.address}/live-out`;
    const worker = () => startJob(['--from', from, ...JOB, '--lease', '6s', '--to', to]);

    await twoBurstsWithKill(lines, (ls) => produceLines(broker.address, 'live', ls, 4), worker, to); // round-robin carries on: line 4000 goes to partition 0
  }, 300_000);

  it('a live state job needs --max-records-per-batch, and --output-mode update (not complete); refused before it is created, exit 2', async () => {
    const from = `kafka://${broker.address}/live?group=refused`;
    const to = `kafka://${broker.address}/refused-out`;
    const noBatch = await runCli(['--from', from, '--map', 'l => [l.length, 1]', '--update-state-by-key', '(vs, s) => (s || 0) + vs.length', '--to', to]);
    expect(noBatch.code).toBe(2);
    expect(noBatch.stderr).toMatch(/^dstream: --update-state-by-key: job 'refused' reads live input, so it needs --max-records-per-batch N/);
    const complete = await runCli(['--from', from, ...JOB, '--output-mode', 'complete', '--to', to]);
    expect(complete.code).toBe(2);
    expect(complete.stderr).toMatch(/^dstream: --output-mode complete: job 'refused' reads live input/);
    const once = await runCli(['--from', from, ...JOB, '--output-mode', 'update', '--once', '--to', to]);
    expect(once.code).toBe(2);
    expect(once.stderr).toMatch(/^dstream: --output-mode update: job 'refused' ends \(--once\)/);
    expect(JSON.parse((await runCli(['job', 'status', from, '--json'])).stdout)).toMatchObject({ exists: false });
  }, 120_000);
});
