/** A running `bin/dstream.js` whose output a test waits on by event (a chunk of stdout/stderr), never by time. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { BIN, ROOT } from './run-cli.js';

export interface LiveCli {
  child: ChildProcessWithoutNullStreams;
  /** Resolves with the exit code once the process has exited and its pipes are closed. */
  exited: Promise<number | null>;
  out(): string;
  err(): string;
  /** Resolves as soon as `test()` holds after some output arrived; after `timeoutMs` rejects with what the job printed. */
  until(test: () => boolean, timeoutMs?: number): Promise<void>;
}

/** Starts dstream with `args` (NO_COLOR set); `kill` cleanups are the caller's (`child.kill('SIGKILL')`). */
export function startCli(args: string[], env: Record<string, string> = {}): LiveCli {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', ...env } }) as ChildProcessWithoutNullStreams;
  let stdout = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const w of [...waiters]) w();
  };
  child.stdout.setEncoding('utf8').on('data', (d) => {
    stdout += d;
    notify();
  });
  child.stderr.setEncoding('utf8').on('data', (d) => {
    stderr += d;
    notify();
  });
  child.stdin.on('error', () => {});
  const until = (test: () => boolean, timeoutMs = 60_000) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!test()) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`still waiting after ${timeoutMs / 1000} s; stdout tail: ${JSON.stringify(stdout.slice(-300))}; stderr: ${stderr.slice(-3000)}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  return { child, exited, out: () => stdout, err: () => stderr, until };
}
