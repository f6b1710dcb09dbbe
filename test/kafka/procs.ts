/**
 * Running dstream as a child that a test kills or stops on an event (a checkpoint file, a line of output).
 *
 * Importing this module adds an `afterEach` to the test file: when a test fails (an assertion, a
 * rejected wait, or vitest's per-test timeout), the stderr of every job it started is printed, and the
 * jobs still running are killed (a hung test must not leave workers busy for the rest of the suite).
 * With DSTREAM_TEST_DUMP=1 in the environment the stderr is printed after every test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, watch } from 'node:fs';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { BIN, ROOT } from '../helpers/run-cli.js';

export interface Job {
  /** The command line after `node bin/dstream.js`. */
  args: string[];
  child: ChildProcess;
  stdout: string;
  stderr: string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The jobs started since the last test ended (beforeAll's included): dumped when the test fails. */
const started: Job[] = [];

/** What the running test waits for now (`waitingFor`): said in the dump when it fails. */
let waiting = '';

/** Notes what the test waits for next (printed if it fails or times out there). */
export function waitingFor(what: string): void {
  waiting = what;
}

/** At most this many characters of a job's stderr are printed (its end). */
const DUMP_CHARS = 30_000;

afterEach((ctx) => {
  const jobs = started.splice(0);
  const at = waiting;
  waiting = '';
  if (ctx.task.result?.state !== 'fail' && !process.env.DSTREAM_TEST_DUMP) return;
  if (at) console.error(`---- ${ctx.task.name}: failed while waiting for ${at}`);
  jobs.forEach((j, i) => {
    const state = j.child.exitCode !== null || j.child.signalCode !== null ? `exited ${j.child.exitCode ?? j.child.signalCode}` : 'still running: killed';
    const tail = j.stderr.length > DUMP_CHARS ? `[… ${j.stderr.length - DUMP_CHARS} characters before]\n${j.stderr.slice(-DUMP_CHARS)}` : j.stderr;
    console.error(`---- ${ctx.task.name}: job ${i + 1} of ${jobs.length}, pid ${j.child.pid}, ${state}: dstream ${j.args.join(' ')}\n${tail}`);
    if (j.child.exitCode === null && j.child.signalCode === null) j.child.kill('SIGKILL');
  });
});

export function startJob(args: string[]): Job {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const job: Job = { args, child, stdout: '', stderr: '', exit: null as never };
  started.push(job);
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
