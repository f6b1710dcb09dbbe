/** Running dstream as a child that a test kills or stops on an event (a checkpoint file, a line of output). */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, watch } from 'node:fs';
import { join } from 'node:path';
import { BIN, ROOT } from '../helpers/run-cli.js';

export interface Job {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startJob(args: string[]): Job {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const job: Job = { child, stdout: '', stderr: '', exit: null as never };
  child.stdout!.setEncoding('utf8').on('data', (d) => (job.stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d) => (job.stderr += d));
  job.exit = new Promise((res) => child.on('close', (code, signal) => res({ code, signal })));
  return job;
}

/**
 * Resolves true as soon as `dir/<id>.json` exists (an fs.watch event), false if
 * the job exits first. The checkpoint's `offsets/` and `commits/` dirs give the
 * moments of the batch protocol.
 */
export function whenCheckpointFile(job: Job, dir: string, id: number): Promise<boolean> {
  const path = join(dir, `${id}.json`);
  return new Promise((res) => {
    let done = false;
    const finish = (v: boolean) => {
      if (done) return;
      done = true;
      clearInterval(poll);
      w?.close();
      res(v);
    };
    let w: ReturnType<typeof watch> | undefined;
    // The directory is created by the job; until then (and as a safety net for missed events) look every 20 ms.
    const poll = setInterval(() => {
      if (existsSync(path)) finish(true);
      else if (!w && existsSync(dir)) {
        try {
          w = watch(dir, () => existsSync(path) && finish(true));
        } catch {
          /* retried next tick */
        }
      }
    }, 20);
    void job.exit.then(() => finish(existsSync(path)));
  });
}

/** Resolves when `pred(job.stdout)` holds (on each output chunk); rejects if the job exits first. */
export function whenOutput(job: Job, pred: (stdout: string) => boolean): Promise<void> {
  return new Promise((res, rej) => {
    if (pred(job.stdout)) return res();
    const on = () => {
      if (pred(job.stdout)) {
        job.child.stdout!.off('data', on);
        res();
      }
    };
    job.child.stdout!.on('data', on);
    void job.exit.then(() => (pred(job.stdout) ? res() : rej(new Error(`job exited before the expected output; stderr:\n${job.stderr}`))));
  });
}

/** Resolves when stderr matches `re`; rejects if the job exits first. */
export function whenStderr(job: Job, re: RegExp): Promise<void> {
  return new Promise((res, rej) => {
    if (re.test(job.stderr)) return res();
    const on = () => {
      if (re.test(job.stderr)) {
        job.child.stderr!.off('data', on);
        res();
      }
    };
    job.child.stderr!.on('data', on);
    void job.exit.then(() => (re.test(job.stderr) ? res() : rej(new Error(`job exited before stderr matched ${re}; stderr:\n${job.stderr}`))));
  });
}
