/**
 * Live `--update-state-by-key` with a function that removes keys, on Kafka and on Redis: the batch
 * that removes a key writes a tombstone row (the key with the state `undefined`, printed as each
 * format prints an undefined value: an empty field in tsv and csv, null in json, `undefined` in
 * text), so each key's last row, tombstones dropped, is the table a local run of the same lines
 * prints. Lines `b b b b a a a a` in batches of 2 (one input partition): b is 2, then 4, then idle
 * with 4 and removed; a is 2, then 4. Every wait is for an event (a row printed by `cat --follow`).
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, runCli } from '../helpers/run-cli.js';
import { createTopic, hasJava, produceLines } from '../kafka/broker.js';
import { startJob, waitingFor, whenOutput } from '../kafka/procs.js';
import { runDstream } from './procs.js';
import { redisAvailable } from './redis-harness.js';
import { brokerPerSuite, redisPerSuite } from '../helpers/servers.js';

const LINES = ['b', 'b', 'b', 'b', 'a', 'a', 'a', 'a'];
const FN = '(vs, s) => s >= 4 && !vs.length ? undefined : (s || 0) + vs.length';
const JOB = ['--map', 'l => [l, 1]', '--update-state-by-key', FN, '--max-records-per-batch', '2'];

const EXPECTED: Record<string, string> = {
  tsv: 'b\t2\nb\t4\na\t2\nb\t\na\t4\n',
  csv: 'b,2\nb,4\na,2\nb,\na,4\n',
  json: ['{"time":1000,"key":"b","value":2}', '{"time":2000,"key":"b","value":4}', '{"time":3000,"key":"a","value":2}',
    '{"time":3000,"key":"b","value":null}', '{"time":4000,"key":"a","value":4}'].join('\n') + '\n',
};
const TEXT_BATCH_3 = 'Time: 3000 ms\n-------------------------------------------\n(a,2)\n(b,undefined)\n';

/** The local run's table of LINES, read from a regular file (bounded: cut by --max-records-per-batch). */
function localTable(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dstream-removal-'));
  const file = join(dir, 'in.txt');
  writeFileSync(file, LINES.join('\n') + '\n');
  const fd = openSync(file, 'r');
  try {
    const r = spawnSync(process.execPath, [BIN, ...JOB, '--format', 'tsv'], { stdio: [fd, 'pipe', 'pipe'], encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('a\t4\n');
    return r.stdout;
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs the live job (`from` → `to`) until cat has printed batch 4, then checks cat's rows in every format against the local table. */
async function removalRows(from: string, to: string, extra: string[] = []): Promise<void> {
  const worker = startJob(['--from', from, ...JOB, '--to', to, ...extra]);
  const cat = startJob(['cat', to, '--follow', '--format', 'json']);
  waitingFor('cat to print batch 4');
  await whenOutput(cat, (s) => s.includes('"time":4000'));
  worker.child.kill('SIGTERM');
  cat.child.kill('SIGTERM');
  expect(await worker.exit, worker.stderr).toEqual({ code: 0, signal: null });
  expect(await cat.exit).toEqual({ code: 0, signal: null });
  for (const [format, want] of Object.entries(EXPECTED)) {
    const r = await runCli(['cat', to, '--format', format]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout, format).toBe(want);
  }
  const text = await runCli(['cat', to, '--format', 'text']);
  expect(text.stdout).toContain(TEXT_BATCH_3);
  // The recipe: each key's last row, rows with an empty value (tombstones) dropped, is the local table.
  const last = new Map<string, string>();
  for (const row of EXPECTED.tsv!.trimEnd().split('\n')) {
    const [k, v] = row.split('\t') as [string, string];
    last.set(k, v);
  }
  const kept = [...last].filter(([, v]) => v !== '').map(([k, v]) => `${k}\t${v}\n`).join('');
  expect(kept).toBe(localTable());
}

describe.skipIf(!hasJava)('live --update-state-by-key on Kafka: a removed key gets a tombstone row', () => {
  const server = brokerPerSuite();

  it('cat prints the removal in every format; last rows without tombstones = the local table', async () => {
    const broker = server();
    await createTopic(broker.address, 'removal', 1);
    await produceLines(broker.address, 'removal', LINES, 1);
    await removalRows(`kafka://${broker.address}/removal?group=live-removal`, `kafka://${broker.address}/removal-out`);
  }, 120_000);
});

describe.skipIf(!redisAvailable())('live --update-state-by-key on Redis: a removed key gets a tombstone row', () => {
  const server = redisPerSuite();

  it('cat prints the removal in every format; last rows without tombstones = the local table', async () => {
    const redis = server();
    const pub = await runDstream(['publish', redis.url('removal'), '--partitions', '1', '--no-eof'], { input: LINES.join('\n') + '\n' });
    expect(pub.code, pub.stderr).toBe(0);
    await removalRows(redis.url('removal', 'live-removal'), redis.url('removal-out'));
  }, 120_000);
});
