/**
 * One writer per checkpoint (issue 15, item 5): many dstream processes started
 * at once on one checkpoint — exactly one runs, every other exits 75. Also with
 * a stale lock (its owner is dead) to take over, and for locks that are not
 * regular files (exit 2, one line, never a hang).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { CheckpointLock } from '../../src/checkpoint/lock.js';
import { BIN, ROOT, runCli } from '../helpers/run-cli.js';

/** Called before every `fs.writeSync` of the code under test (when set). */
let beforeWrite: (() => void) | null = null;

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const writeSync = (...a: unknown[]) => {
    beforeWrite?.();
    return (fs.writeSync as (...x: unknown[]) => number)(...a);
  };
  return { ...fs, default: { ...fs, writeSync }, writeSync };
});

const JOB = ['--batch', '100ms', '--count', '--stats', '--format', 'tsv'];
const tmp = () => mkdtempSync(join(tmpdir(), 'dstream-lock-'));

interface Start {
  /** 'running' once its first batch statistics line is on stderr; else its exit code. */
  outcome: Promise<'running' | number | null>;
  end(): void;
  closed: Promise<number | null>;
  stderr: () => string;
}

function start(ck: string): Start {
  const child = spawn(process.execPath, [BIN, ...JOB, '--checkpoint', ck], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
  let stderr = '';
  child.stdout.resume();
  child.stdin.on('error', () => {});
  const closed = new Promise<number | null>((res) => child.on('close', (code) => res(code)));
  const outcome = new Promise<'running' | number | null>((res) => {
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (/batch/i.test(stderr) && !/in use/.test(stderr)) res('running');
    });
    void closed.then(res);
  });
  return { outcome, closed, end: () => child.stdin.end(), stderr: () => stderr };
}

async function race(ck: string, n: number): Promise<void> {
  const starts = Array.from({ length: n }, () => start(ck));
  const outcomes = await Promise.all(starts.map((s) => s.outcome));
  for (const s of starts) s.end();
  const codes = await Promise.all(starts.map((s) => s.closed));
  const running = outcomes.filter((o) => o === 'running').length;
  expect(running, starts.map((s) => s.stderr()).filter((e) => !/in use by process/.test(e)).join('\n---\n')).toBe(1);
  expect(codes.filter((c) => c === 75).length).toBe(n - 1);
  expect(codes.filter((c) => c === 0).length).toBe(1);
  for (const [i, s] of starts.entries()) if (codes[i] === 75) expect(s.stderr()).toMatch(/^dstream: checkpoint .* is in use by process \d+ on /);
  expect(readdirSync(ck).filter((f) => f.startsWith('.lock'))).toEqual([]);
}

/** Another process tries to take the lock of `dir` now: 'acquired' (and released) or its error code. */
function competitor(dir: string): string {
  const lock = join(ROOT, 'dist/checkpoint/lock.js');
  const script = `import(${JSON.stringify(lock)}).then((m) => { try { m.CheckpointLock.acquire(${JSON.stringify(dir)}).release(); console.log('acquired'); } catch (e) { console.log(e.code); } })`;
  return execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }).trim();
}

describe('the lock appears with its content', () => {
  it('at every write while the lock is taken, a competitor that sees the lock finds it in use', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dstream-lock-'));
    const seen: string[] = [];
    beforeWrite = () => {
      const exists = existsSync(join(dir, 'lock'));
      const r = competitor(dir);
      seen.push(`${exists ? 'lock present' : 'no lock'}: ${r}`);
    };
    let held: CheckpointLock;
    try {
      held = CheckpointLock.acquire(dir);
    } finally {
      beforeWrite = null;
    }
    expect(seen.length).toBeGreaterThan(0);
    for (const s of seen) expect(s).toMatch(/^(lock present: E_CHECKPOINT_IN_USE|no lock: acquired)$/);
    expect(competitor(dir)).toBe('E_CHECKPOINT_IN_USE');
    held.release();
    expect(competitor(dir)).toBe('acquired');
  });
});

describe('simultaneous starts on one checkpoint', () => {
  it('100 starts on a new checkpoint: exactly one runs, 99 exit 75', async () => {
    await race(join(tmp(), 'ck'), 100);
  }, 600_000);

  it('40 starts on a checkpoint whose lock owner is dead: exactly one takes it over', async () => {
    const ck = join(tmp(), 'ck');
    mkdirSync(ck, { mode: 0o700 });
    const dead = execFileSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' }).trim();
    writeFileSync(join(ck, 'lock'), JSON.stringify({ pid: Number(dead), host: hostname(), start: '1' }) + '\n', { mode: 0o600 });
    await race(ck, 40);
  }, 600_000);
});

describe('a lock that is not a lock file', () => {
  it.each([
    ['a directory', (p: string) => mkdirSync(p), 'not a regular file'],
    ['a symbolic link to a FIFO', (p: string) => {
      execFileSync('mkfifo', [p + '.fifo']);
      symlinkSync(p + '.fifo', p);
    }, 'a symbolic link'],
  ])('%s: exit 2 with one line, no hang', async (_what, plant, says) => {
    const ck = join(tmp(), 'ck');
    mkdirSync(ck, { mode: 0o700 });
    plant(join(ck, 'lock'));
    const r = await runCli([...JOB, '--checkpoint', ck], '');
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(`dstream: checkpoint ${ck}: its lock is ${says}, not a lock dstream wrote; remove ${join(ck, 'lock')} if no dstream runs on this checkpoint`);
  });
});
