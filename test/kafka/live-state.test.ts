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
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCESS_LOG, accessLogLines, createTopic, hasJava, produceLines, SKIP_REASON, startBroker, type Broker } from './broker.js';
import { startJob, waitingFor, whenOutput, whenStderr } from './procs.js';
import { BIN } from '../helpers/run-cli.js';
import { runCli } from '../helpers/run-cli.js';

const haveData = existsSync(ACCESS_LOG);
if (!hasJava) console.warn(`skipping test/kafka/live-state.test.ts: ${SKIP_REASON}`);
else if (!haveData) console.warn(`skipping test/kafka/live-state.test.ts: ${ACCESS_LOG} is absent`);

/** Per status: each batch's time, its first 3 values (line length mod 10) and count; never removed. */
const STATE = '(vs, s, t) => (s || "") + t + ":" + vs.slice(0, 3).join("") + "/" + vs.length + ";"';
const JOB = ['--map', 'l => [l.split(" ")[8], l.length % 10]', '--update-state-by-key', STATE, '--max-records-per-batch', '1000'];

/** The local run of JOB over `lines` as a regular file (bounded: its final table, in key order), as key → state. */
function localTable(lines: string[]): Map<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'dstream-live-state-'));
  const file = join(dir, 'in.log');
  writeFileSync(file, lines.join('\n') + '\n');
  const fd = openSync(file, 'r');
  try {
    const r = spawnSync(process.execPath, [BIN, ...JOB, '--format', 'tsv'], { stdio: [fd, 'pipe', 'pipe'], encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(r.status, r.stderr).toBe(0);
    return new Map(r.stdout.split('\n').filter((l) => l !== '').map((l) => l.split('\t') as [string, string]));
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Row { time: number; key: string; value: string }

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

    await produceLines(broker.address, 'live', lines.slice(0, 4000), 4);
    const first = worker();
    waitingFor('the first worker to join');
    await whenStderr(first, /joined job 'live-state'/);
    const cat = startJob(['cat', to, '--format', 'json', '--follow']);
    waitingFor('cat to print batch 4 (the end of the first burst)');
    await whenOutput(cat, (s) => /^\{"time":4000,.*\n/m.test(s));

    first.child.kill('SIGKILL');
    await first.exit;
    const second = worker();
    await whenStderr(second, /joined job 'live-state'/);
    await produceLines(broker.address, 'live', lines.slice(4000), 4); // round-robin carries on: line 4000 goes to partition 0
    waitingFor('cat to print batch 10 (the end of the second burst)');
    await whenOutput(cat, (s) => /^\{"time":10000,.*\n/m.test(s));

    second.child.kill('SIGTERM');
    expect(await second.exit, second.stderr).toEqual({ code: 0, signal: null });
    expect(second.stderr).toMatch(/SIGTERM: finishing the current step/);
    cat.child.kill('SIGTERM');
    expect(await cat.exit, cat.stderr).toEqual({ code: 0, signal: null });

    const rows = cat.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Row);
    // Batches 1…10 in order, each key at most once per batch (a batch applied twice would show twice).
    const times = [...new Set(rows.map((r) => r.time))];
    expect(times).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((b) => b * 1000));
    for (const t of times) {
      const keys = rows.filter((r) => r.time === t).map((r) => r.key);
      expect(new Set(keys).size, `batch at ${t}`).toBe(keys.length);
    }
    // Every key with state changes every batch (its state grows), so batch 4's rows are the table after the first burst.
    const after4 = new Map(rows.filter((r) => r.time === 4000).map((r) => [r.key, r.value]));
    expect(after4).toEqual(localTable(lines.slice(0, 4000)));
    const last = new Map<string, string>();
    for (const r of rows) last.set(r.key, r.value);
    const local = localTable(lines);
    expect(local.get('200')).toMatch(/^1000:.*;10000:[0-9]{3}\/\d+;$/);
    expect(last).toEqual(local);
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
