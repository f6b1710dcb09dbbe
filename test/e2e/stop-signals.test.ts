/**
 * Stop signals as a user sends them: the first SIGINT or SIGTERM stops gracefully; only a second
 * SIGINT (Ctrl-C twice) aborts with exit 130; a repeated SIGTERM — GNU `timeout` sends one to the
 * process and one to its process group — is noted and the stop goes on. Real processes, real
 * signals; every wait is for an event (a line, the exit), never for time.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, collectExit, ROOT, type RunResult } from '../helpers/run-cli.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/**
 * Runs dstream in its own process group with stdin left open (only signals end the job); the
 * user function sends the signals itself while it holds the event loop, so that all of them wait
 * in one signal read, as when they come at once.
 */
function runSignalling(fn: string): Promise<RunResult> {
  return new Promise<RunResult>((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, '--map', fn, '--count', '--format', 'tsv'], { cwd: ROOT, detached: true, env: { ...process.env, NO_COLOR: '1' } });
    collectExit(child, resolve, reject);
    child.stdin.on('error', () => {});
    child.stdin.write('1\n2\n3\n');
    child.on('close', () => child.stdin.destroy());
  });
}

describe('a repeated SIGTERM', () => {
  it('to the process and then to its process group (as timeout sends it) finishes the batch: exit 0, noted once', async () => {
    // At the last line: a slice of input may end after any line once a stop was asked for, so only then are all 3 counted.
    const r = await runSignalling('l => { if (l === "3") { process.kill(process.pid, "SIGTERM"); process.kill(-process.pid, "SIGTERM") } return l }');
    // Both signals are normally read together; should the second come after the job ended, it is not seen at all.
    expect(r.stderr).toMatch(/^dstream: SIGTERM: finishing the current batch \(SIGINT to abort\)\n(dstream: SIGTERM again: still stopping gracefully \(SIGINT aborts, exit 130\)\n)?$/);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('3\n');
  });

  it('then a SIGINT aborts with exit 130', async () => {
    const r = await runSignalling('l => { if (l === "3") { process.kill(process.pid, "SIGTERM"); process.kill(process.pid, "SIGINT") } return l }');
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toBe('dstream: SIGTERM: finishing the current batch (SIGINT to abort)\ndstream: SIGINT again: aborting\n');
  });
});

describe.skipIf(!existsSync('/usr/bin/timeout'))('under GNU timeout', () => {
  it('a SIGTERM to timeout (forwarded to dstream and its group) finishes the batch and writes the checkpoint: exit 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dstream-sig-'));
    dirs.push(dir);
    const checkpoint = join(dir, 'ck');
    // 600 s is only a ceiling: the test sends the signal as soon as a batch is out (dstream is running).
    const child = spawn('timeout', ['600', process.execPath, BIN, '--count', '--batch', '200ms', '--checkpoint', checkpoint, '--format', 'tsv'],
      { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
    const done = new Promise<RunResult>((resolve, reject) => collectExit(child, resolve, reject));
    let out = '';
    const firstBatch = new Promise<void>((res) => child.stdout.on('data', (d) => ((out += d), out.includes('\n') && res())));
    child.stdin.write('a\nb\n');
    await firstBatch;
    child.kill('SIGTERM');
    const r = await done;
    expect(r.stderr).toMatch(/^dstream: SIGTERM: finishing the current batch \(SIGINT to abort\)\n(dstream: SIGTERM again: still stopping gracefully \(SIGINT aborts, exit 130\)\n)?$/);
    expect(r.code).toBe(0);
    expect(readdirSync(checkpoint).length).toBeGreaterThan(0);
  });
});
