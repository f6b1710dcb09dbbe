/** Runs the built `bin/dstream.js` as a child process and waits for its exit (no sleeps). */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { closeSync, createReadStream, openSync } from 'node:fs';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = fileURLToPath(new URL('../../bin/dstream.js', import.meta.url));

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs dstream with `args`; `input` is written to stdin (a string/Buffer) or streamed from a file path ({ file }). */
export function runCli(args: string[], input?: string | Buffer | { file: string }, env: Record<string, string> = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', ...env } });
    collectExit(child, resolve, reject);
    child.stdin.on('error', () => {});
    if (input === undefined) child.stdin.end();
    else if (typeof input === 'string' || Buffer.isBuffer(input)) child.stdin.end(input);
    else createReadStream(input.file).pipe(child.stdin);
  });
}

/** Runs dstream with stdin redirected from `file` (a regular file: bounded input, as `dstream … < file` in a shell). */
export function runCliOnFile(args: string[], file: string): Promise<RunResult> {
  const fd = openSync(file, 'r');
  return new Promise<RunResult>((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: [fd, 'pipe', 'pipe'] });
    collectExit(child, resolve, reject);
  }).finally(() => closeSync(fd));
}

/** Collects a child's stdout and stderr as text and settles with them when it has exited and its pipes closed. */
export function collectExit(child: ChildProcess, resolve: (r: RunResult) => void, reject: (e: Error) => void): void {
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d) => (stderr += d));
  child.on('error', reject);
  child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
}

/** Replaces processing-time batch times (`Time: 1764… ms`, `"time":1764…`) so output can be compared exactly. */
export function normaliseTimes(s: string): string {
  return s.replace(/^Time: \d+ ms$/gm, 'Time: T ms').replace(/"time":\d+/g, '"time":T');
}
