/**
 * A checkpoint lock whose owner was killed but not yet reaped by its parent (a zombie: `kill -9` of
 * dstream under `timeout` or a shell that has not waited yet) is stale: the next run takes it over
 * instead of exiting 75 "in use by process N". The zombie here is a real one: a subshell started in the
 * background by a shell that then execs `sleep`, which never waits for it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { waitFor } from '../helpers/wait.js';

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanup.splice(0)) f();
});

it('a lock held by a zombie is taken over: the run exits 0 and counts its input', async () => {
  // The background subshell exits only once its shell has become `sleep` (exec), which never reaps it: a zombie.
  // ($$ in a subshell is the shell's pid.) Exiting before the exec, the shell could reap it.
  const parent = spawn('sh', ['-c', '( while [ "$(cat /proc/$$/comm)" != sleep ]; do sleep 0.01; done ) & echo $!; exec sleep 300'], { stdio: ['ignore', 'pipe', 'ignore'] });
  cleanup.push(() => parent.kill('SIGKILL'));
  const pid = Number(await new Promise<string>((resolve) => parent.stdout.once('data', (b: Buffer) => resolve(b.toString()))));
  const stat = await waitFor('the background subshell to be a zombie', () => {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return f[0] === 'Z' ? f : null;
  });
  const ck = mkdtempSync(join(tmpdir(), 'dstream-lock-zombie-'));
  cleanup.push(() => rmSync(ck, { recursive: true, force: true }));
  writeFileSync(join(ck, 'lock'), JSON.stringify({ pid, host: hostname(), start: stat[19], nonce: '00' }) + '\n', { mode: 0o600 });
  const r = await runCli(['--checkpoint', ck, '--count', '--format', 'tsv'], 'a\nb\nc\n');
  expect(r.stderr).not.toContain('in use');
  expect(r.code).toBe(0);
  expect(r.stdout).toBe('3\n');
});
