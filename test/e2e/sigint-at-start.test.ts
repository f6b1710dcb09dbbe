/**
 * A stop signal that comes while dstream is still starting (loading its bundle, before the job's
 * handlers exist) is not fatal: a first SIGINT stops the job gracefully (exit 0, the usual stderr
 * line), a second one exits 130, as later in the run. The signal is sent by the child itself at a
 * known event — the moment it reads its bundle (a `--require` hook on readFileSync) — not after a
 * guessed delay.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, collectExit, ROOT, type RunResult } from '../helpers/run-cli.js';
import { tempDirs } from '../helpers/temp-dir.js';

const dir = tempDirs('dstream-sigint-start-');

/** A preload that sends the process `count` SIGINTs when it reads dist/bundle/main.cjs. */
function preload(count: number): string {
  const file = join(dir(), 'sigint-at-load.cjs');
  writeFileSync(file, `const fs = require('node:fs');
const read = fs.readFileSync;
fs.readFileSync = function (path, ...rest) {
  if (String(path).endsWith('main.cjs')) {
    fs.readFileSync = read;
    for (let i = 0; i < ${count}; i++) process.kill(process.pid, 'SIGINT');
  }
  return read.call(this, path, ...rest);
};
`);
  return file;
}

/** Runs `dstream --count` with stdin left open (only a signal can end it), SIGINTs sent at bundle load. */
function runWithSigints(count: number): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--require', preload(count), BIN, '--count'], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
    collectExit(child, resolve, reject);
  });
}

describe('SIGINT while dstream starts', () => {
  it('a first SIGINT stops the job gracefully: exit 0, not death by signal', async () => {
    const r = await runWithSigints(1);
    expect(r.signal).toBeNull();
    expect(r.stderr).toBe('dstream: SIGINT: finishing the current batch (again to abort)\n');
    expect(r.code).toBe(0);
  });

  it('a second SIGINT exits 130', async () => {
    const r = await runWithSigints(2);
    expect(r.signal).toBeNull();
    // Whichever handler gets the second one (start.cts's, or the job's once it has taken over), it aborts.
    expect(r.stderr.endsWith('dstream: SIGINT again: aborting\n')).toBe(true);
    expect(r.code).toBe(130);
  });
});
