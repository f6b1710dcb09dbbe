/** Runs the built `bin/dstream.js` with stdin redirected from a file (a regular file descriptor, as `dstream … < file`). */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readSync } from 'node:fs';
import { BIN, ROOT, collectExit, type RunResult } from './run-cli.js';

/**
 * Runs dstream with `args` and stdin redirected from `file` (a regular file, or /dev/null); waits for its exit.
 * @param skipBytes bytes read from the descriptor before dstream gets it, so its file offset starts there
 *   (as after `{ read -r header; dstream …; } < file`).
 */
export function runWithStdinFile(args: string[], file = '/dev/null', env: Record<string, string> = {}, skipBytes = 0): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const fd = openSync(file, 'r');
    if (skipBytes > 0) readSync(fd, Buffer.alloc(skipBytes), 0, skipBytes, null);
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: [fd, 'pipe', 'pipe'] });
    closeSync(fd);
    collectExit(child, resolve, reject);
  });
}
