/**
 * Checkpoints: corrupt files, the one-writer lock, pipeline changes, SIGTERM
 * mid-stream, ENOSPC, `dstream checkpoint inspect|reset`. Real processes.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, truncateSync, watch, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CheckpointStore } from '../../src/checkpoint/checkpoint-store.js';
import { readDurable, writeDurable } from '../../src/checkpoint/durable-file.js';
import { BIN, ROOT, runCli } from '../helpers/run-cli.js';

const APACHE = readFileSync(`${ROOT}/data/elastic-examples/apache_logs`);
const JOB = ['--batch', '100ms', '--event-time', 'l => l.split("[")[1].split("]")[0]', '--map', 'l => l.split(" ")[0]', '--count-by-value', '--window', '1h', '--format', 'tsv'];
const tmp = () => mkdtempSync(join(tmpdir(), 'dstream-ck-'));

/** Resolves when `path` exists: an fs.watch event on its directory, not a sleep. */
function fileAppears(path: string): Promise<void> {
  return new Promise((res) => {
    mkdirSync(dirname(path), { recursive: true });
    const w = watch(dirname(path), () => {
      if (existsSync(path)) {
        w.close();
        res();
      }
    });
    if (existsSync(path)) {
      w.close();
      res();
    }
  });
}

/** Starts dstream and writes `input` (stdin stays open); `seen` resolves when `readyFile` exists. */
function startHolding(args: string[], input: Buffer | string, readyFile: string) {
  const seen = fileAppears(readyFile);
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT });
  const closed = new Promise<number | null>((res) => child.on('close', (code) => res(code)));
  child.stdout.resume();
  child.stderr.resume();
  child.stdin.on('error', () => {});
  child.stdin.write(input);
  return { child, closed, seen };
}

async function reference(dir: string): Promise<string> {
  const r = await runCli([...JOB, '--output', join(dir, 'ref.tsv')], APACHE);
  expect(r.code).toBe(0);
  return readFileSync(join(dir, 'ref.tsv'), 'utf8');
}

describe('checkpoint files', () => {
  it('a reader never throws on any corruption of a durable file (truncation, bit flips, empty)', () => {
    const dir = tmp();
    const path = join(dir, 'f.json');
    writeDurable(path, { nodes: [{ $map: [['a', 1]] }], n: 3 });
    const good = readFileSync(path);
    expect(readDurable(path)).toEqual({ ok: true, body: { nodes: [{ $map: [['a', 1]] }], n: 3 } });
    for (let cut = 0; cut < good.length - 1; cut++) {
      writeFileSync(path, good.subarray(0, cut));
      expect(readDurable(path).ok).toBe(false);
    }
    fc.assert(
      fc.property(fc.nat(good.length - 1), fc.integer({ min: 1, max: 255 }), (at, mask) => {
        const b = Buffer.from(good);
        b[at]! ^= mask;
        writeFileSync(path, b);
        const r = readDurable(path);
        expect(r.ok).toBe(false);
      }),
    );
    writeFileSync(path, '{"v":1,"sha256":"' + '0'.repeat(64) + '","body":{"__proto__":{"x":1}}}\n');
    expect(readDurable(path).ok).toBe(false);
  });

  it('recovery falls back to the previous snapshot when the newest is corrupt, and ignores leftover temp files', () => {
    const dir = tmp();
    const store = CheckpointStore.open(join(dir, 'ck'), { description: { p: 1 }, fingerprint: 'test' });
    store.writeOffsets({ id: 0, timeMs: 1000, sources: {}, outputs: {} });
    store.writeSnapshot(0, { n: 0 });
    store.writeCommit({ id: 0, timeMs: 1000, sinks: {}, snapshot: 0 });
    store.writeOffsets({ id: 1, timeMs: 2000, sources: {}, outputs: {} });
    store.writeSnapshot(1, { n: 1 });
    store.writeCommit({ id: 1, timeMs: 2000, sinks: {}, snapshot: 1 });
    truncateSync(join(dir, 'ck', 'state', '1.json'), 20);
    writeFileSync(join(dir, 'ck', 'state', '2.json.12345'), 'partial');
    const rec = store.recover();
    expect(rec.snapshot).toEqual({ id: 0, state: { n: 0 } });
    expect(rec.batches.map((b) => [b.offsets.id, b.commit?.id])).toEqual([[1, 1]]);
    expect(rec.warnings).toEqual(['state/1.json: not a checkpoint file (truncated or corrupt envelope): recovering exactly from the older snapshot state/0.json']);
    store.close();
  });

  it('refuses a symlinked checkpoint directory (exit 2)', async () => {
    const dir = tmp();
    mkdirSync(join(dir, 'real'));
    symlinkSync(join(dir, 'real'), join(dir, 'link'));
    const r = await runCli([...JOB, '--checkpoint', join(dir, 'link')], '');
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(`dstream: --checkpoint ${join(dir, 'link')} is a symbolic link; give the real directory`);
  });
});

describe('checkpoint life cycle (real processes)', () => {
  it('SIGTERM mid-stream keeps open windows in the checkpoint; the rerun gives the oracle\'s output', async () => {
    const dir = tmp();
    const expected = await reference(dir);
    const args = [...JOB, '--checkpoint', join(dir, 'ck'), '--wal', '--output', join(dir, 'out.tsv')];
    const half = APACHE.indexOf(10, APACHE.length >> 1) + 1;
    const a = startHolding(args, APACHE.subarray(0, half), join(dir, 'ck', 'commits', '1.json'));
    await a.seen;
    a.child.kill('SIGTERM');
    expect(await a.closed).toBe(0);
    const b = await runCli(args, APACHE.subarray(half));
    expect(b.code).toBe(0);
    expect(readFileSync(join(dir, 'out.tsv'), 'utf8')).toBe(expected);
  });

  it('a second dstream on the same checkpoint exits 75; the lock of a killed one is taken over', async () => {
    const dir = tmp();
    const args = [...JOB, '--checkpoint', join(dir, 'ck')];
    const first = startHolding(args, APACHE.subarray(0, 1000), join(dir, 'ck', 'commits', '0.json'));
    await first.seen;
    const second = await runCli(args, '');
    expect(second.code).toBe(75);
    expect(second.stderr).toMatch(new RegExp(`^dstream: checkpoint ${join(dir, 'ck')} is in use by process ${first.child.pid} on `));
    first.child.kill('SIGKILL');
    await first.closed;
    const third = await runCli(args, '');
    expect(third.code).toBe(0);
  });

  it('a changed pipeline stops with what changed (exit 2), unless --checkpoint-mismatch reset', async () => {
    const dir = tmp();
    const ck = join(dir, 'ck');
    expect((await runCli([...JOB, '--checkpoint', ck], APACHE.subarray(0, 5000))).code).toBe(0);
    const changed = JOB.map((a) => (a === '1h' ? '2h' : a));
    const r = await runCli([...changed, '--checkpoint', ck], '');
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toContain('was written by a different pipeline (operators: ');
    expect(r.stderr.split('\n')[0]).toContain('"lengthMs":7200000');
    expect(r.stderr.split('\n')[0]).toContain('add --checkpoint-mismatch reset to start over');
    const reset = await runCli([...changed, '--checkpoint', ck, '--checkpoint-mismatch', 'reset'], '');
    expect(reset.code).toBe(0);
    expect(reset.stderr).toBe(`dstream: --checkpoint-mismatch reset: clearing ${ck}\n`);
  });

  it('`dstream checkpoint inspect` shows batches and state; `reset` clears it', async () => {
    const dir = tmp();
    const ck = join(dir, 'ck');
    await runCli([...JOB, '--checkpoint', ck], APACHE.subarray(0, 5000));
    const inspect = await runCli(['checkpoint', 'inspect', ck]);
    expect(inspect.code).toBe(0);
    expect(inspect.stdout).toMatch(/^checkpoint .*\nformat: 1\nfingerprint: [0-9a-f]{16}\npipeline: \{"batchIntervalMs":100,/);
    // The input may end in the batch after its data (timing): batch 0 or 1 is the last.
    expect(inspect.stdout).toMatch(/\nlast committed batch: [01]\n/);
    expect(inspect.stdout).toMatch(/\nstate after batch [01]: \d+ bytes\n/);
    const reset = await runCli(['checkpoint', 'reset', ck]);
    expect(reset.code).toBe(0);
    expect(readdirSync(ck)).toEqual([]);
    expect((await runCli(['checkpoint', 'frobnicate', ck])).code).toBe(2);
    // A directory holding no checkpoint (here: just reset) is no damage.
    expect(await runCli(['checkpoint', 'inspect', ck])).toMatchObject({ code: 0, stdout: `${ck}: no checkpoint\n`, stderr: '' });
  });

  it('`dstream checkpoint inspect` of a path that does not exist, or is a file: one line on stderr, exit 2', async () => {
    const missing = join(tmp(), 'nothing-here');
    expect(await runCli(['checkpoint', 'inspect', missing])).toMatchObject({
      code: 2, stdout: '', stderr: `dstream: checkpoint inspect: ${missing} does not exist\n`,
    });
    const file = join(tmp(), 'a-file');
    writeFileSync(file, 'x');
    expect(await runCli(['checkpoint', 'inspect', file])).toMatchObject({
      code: 2, stdout: '', stderr: `dstream: checkpoint inspect: ${file} is not a directory (a checkpoint is one)\n`,
    });
  });
});

function mountTiny(dir: string, size: string): boolean {
  mkdirSync(dir, { recursive: true });
  return spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]).status === 0;
}

describe.skipIf(process.getuid?.() !== 0)('ENOSPC', () => {
  it('a full disk stops the job with a clear error; after freeing space the rerun matches the oracle', async () => {
    const dir = tmp();
    const expected = await reference(dir);
    const ck = join(dir, 'fs');
    if (!mountTiny(ck, '256k')) return; // no tmpfs here: nothing to test
    try {
      const args = [...JOB, '--checkpoint', join(ck, 'ck'), '--wal', '--output', join(dir, 'out.tsv')];
      const full = await runCli(args, APACHE);
      expect(full.code).toBe(1);
      expect(full.stderr).toMatch(/ENOSPC/);
      execFileSync('mount', ['-o', 'remount,size=64m', ck]);
      // Resend what the log did not take (a producer resending unacknowledged data).
      const wal = join(ck, 'ck', 'wal');
      const have = readdirSync(wal).reduce((n, f) => n + readFileSync(join(wal, f)).length, 0);
      const cut = APACHE.subarray(0, have).lastIndexOf(10) + 1;
      const rerun = await runCli(args, APACHE.subarray(cut));
      expect(rerun.stderr).not.toMatch(/internal error/);
      expect(rerun.code).toBe(0);
      expect(readFileSync(join(dir, 'out.tsv'), 'utf8')).toBe(expected);
    } finally {
      spawnSync('umount', [ck]);
    }
  });
});
