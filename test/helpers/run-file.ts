/** Runs the built `bin/dstream.js` with stdin redirected from a file (a regular file descriptor, as `dstream … < file`). */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { BIN, ROOT, collectExit, type RunResult } from './run-cli.js';

/** Runs dstream with `args` and stdin redirected from `file` (a regular file, or /dev/null); waits for its exit. */
export function runWithStdinFile(args: string[], file = '/dev/null', env: Record<string, string> = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const fd = openSync(file, 'r');
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: [fd, 'pipe', 'pipe'] });
    closeSync(fd);
    collectExit(child, resolve, reject);
  });
}
