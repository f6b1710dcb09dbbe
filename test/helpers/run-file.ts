/** Runs the built `bin/dstream.js` with stdin redirected from a file (a regular file descriptor, as `dstream … < file`). */
import { spawn } from 'node:child_process';
import { BIN, ROOT, type RunResult } from './run-cli.js';

/** Runs dstream with `args` and stdin redirected from `file`; waits for its exit. */
export function runWithStdinFile(args: string[], file: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', 'f="$1"; shift; exec "$@" < "$f"', 'sh', file, process.execPath, BIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
