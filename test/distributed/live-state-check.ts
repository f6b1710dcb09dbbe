/**
 * What the live `--update-state-by-key` tests of both backends check (test/kafka/live-state.test.ts,
 * test/distributed/redis-live-state.test.ts): the access log's 10,000 lines in batches of 1,000, the
 * rows `dstream cat --format json` printed batch by batch, against local runs of the same lines.
 */
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { BIN } from '../helpers/run-cli.js';
import { startJob, waitingFor, whenOutput, whenStderr } from '../kafka/procs.js';

/** Per status: each batch's time, its first 3 values (line length mod 10) and count; never removed. */
const STATE = '(vs, s, t) => (s || "") + t + ":" + vs.slice(0, 3).join("") + "/" + vs.length + ";"';
export const LIVE_JOB = ['--map', 'l => [l.split(" ")[8], l.length % 10]', '--update-state-by-key', STATE, '--max-records-per-batch', '1000'];

/** The local run of LIVE_JOB over `lines` as a regular file (bounded: its final table, in key order), as key → state. */
export function localTable(lines: string[]): Map<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'dstream-live-state-'));
  const file = join(dir, 'in.log');
  writeFileSync(file, lines.join('\n') + '\n');
  const fd = openSync(file, 'r');
  try {
    const r = spawnSync(process.execPath, [BIN, ...LIVE_JOB, '--format', 'tsv'], { stdio: [fd, 'pipe', 'pipe'], encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(r.status, r.stderr).toBe(0);
    return new Map(r.stdout.split('\n').filter((l) => l !== '').map((l) => l.split('\t') as [string, string]));
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Checks cat's rows of the 10,000 `lines` published 4,000 then 6,000: batches 1…10 in order at
 * b × 1000 ms, each key at most once per batch; batch 4's rows are the table of the first 4,000
 * lines (every key with state changes every batch: its state grows); each key's last row is the
 * local run's final table.
 */
export function checkLiveRows(catJson: string, lines: string[]): void {
  const rows = catJson.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { time: number; key: string; value: string });
  const times = [...new Set(rows.map((r) => r.time))];
  expect(times).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((b) => b * 1000));
  for (const t of times) {
    const keys = rows.filter((r) => r.time === t).map((r) => r.key);
    expect(new Set(keys).size, `batch at ${t}`).toBe(keys.length);
  }
  expect(new Map(rows.filter((r) => r.time === 4000).map((r) => [r.key, r.value]))).toEqual(localTable(lines.slice(0, 4000)));
  const last = new Map<string, string>();
  for (const r of rows) last.set(r.key, r.value);
  const local = localTable(lines);
  expect(local.get('200')).toMatch(/^1000:.*;10000:[0-9]{3}\/\d+;$/);
  expect(last).toEqual(local);
}

/**
 * The scenario of both tests: the first 4,000 `lines` published, a worker (`worker()`: a live job of
 * LIVE_JOB writing to `to`) until `dstream cat --follow` has printed batch 4; the worker killed -9, a
 * replacement, the other 6,000 lines published, until cat has printed batch 10; the replacement and
 * cat stopped by SIGTERM (exit 0 each); then `checkLiveRows`.
 */
export async function twoBurstsWithKill(lines: string[], publish: (lines: string[]) => Promise<void>, worker: () => ReturnType<typeof startJob>, to: string): Promise<void> {
  await publish(lines.slice(0, 4000));
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
  await publish(lines.slice(4000)); // each publish starts at partition 0: 4,000 lines keep the round-robin order
  waitingFor('cat to print batch 10 (the end of the second burst)');
  await whenOutput(cat, (s) => /^\{"time":10000,.*\n/m.test(s));
  second.child.kill('SIGTERM');
  expect(await second.exit, second.stderr).toEqual({ code: 0, signal: null });
  expect(second.stderr).toMatch(/SIGTERM: finishing the current (step|batch)/);
  cat.child.kill('SIGTERM');
  expect(await cat.exit, cat.stderr).toEqual({ code: 0, signal: null });
  checkLiveRows(cat.stdout, lines);
}
