/**
 * Child processes of the built bin/dstream.js for the distributed tests:
 * publishers, workers, `cat`, `job status`. Everything waits on process events;
 * the only loop is `waitFor`, a poll on an observable condition (job status,
 * redis keys) with a deadline.
 */
import { expect } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { BIN, ROOT } from '../helpers/run-cli.js';

export { BIN, ROOT };

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Proc {
  name: string;
  child: ChildProcess;
  pid: number;
  args: string[];
  stdout(): string;
  stderr(): string;
  /** Resolves on 'close' (all output read). */
  exited: Promise<Exit>;
  running(): boolean;
  kill9(): Promise<Exit>;
  term(): Promise<Exit>;
  /** Resolves when stderr matches `re` (rejects if the process ends first). */
  stderrMatches(re: RegExp): Promise<RegExpMatchArray>;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) {
    try {
      process.kill(c.pid!, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
});

export interface StartOptions {
  /** 'pipe' (default: you get child.stdin), 'ignore' (EOF at once... i.e. /dev/null), or { file } (stdin redirected from the file). */
  stdin?: 'pipe' | 'ignore' | { file: string };
  /** Text written to stdin (a pipe), which is then closed. */
  input?: string;
  env?: Record<string, string>;
  name?: string;
}

/** Starts `node bin/dstream.js ...args`. */
export function startDstream(args: string[], opts: StartOptions = {}): Proc {
  let stdinSpec: 'pipe' | 'ignore' | number = 'pipe';
  let fd: number | undefined;
  if (opts.stdin === 'ignore') stdinSpec = 'ignore';
  else if (typeof opts.stdin === 'object') stdinSpec = fd = openSync(opts.stdin.file, 'r');
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
    stdio: [stdinSpec, 'pipe', 'pipe'],
  });
  if (fd !== undefined) closeSync(fd);
  if (opts.input !== undefined) child.stdin!.end(opts.input);
  live.add(child);
  let out = '';
  let err = '';
  const watchers: Array<() => void> = [];
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    err += d;
    for (const w of [...watchers]) w();
  });
  child.stdin?.on('error', () => {});
  const exited = new Promise<Exit>((resolve) => {
    child.on('error', (e) => {
      err += `\n[spawn error] ${e.message}`;
      live.delete(child);
      resolve({ code: null, signal: null });
    });
    child.on('close', (code, signal) => {
      live.delete(child);
      for (const w of [...watchers]) w();
      resolve({ code, signal });
    });
  });
  const running = () => child.exitCode === null && child.signalCode === null;
  const p: Proc = {
    name: opts.name ?? args[0] ?? 'dstream',
    child,
    pid: child.pid!,
    args,
    stdout: () => out,
    stderr: () => err,
    exited,
    running,
    kill9: () => {
      if (running()) child.kill('SIGKILL');
      return exited;
    },
    term: () => {
      if (running()) child.kill('SIGTERM');
      return exited;
    },
    stderrMatches: (re) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const m = err.match(re);
          if (m) {
            watchers.splice(watchers.indexOf(check), 1);
            resolve(m);
          } else if (!running() && child.stderr!.readableEnded) {
            watchers.splice(watchers.indexOf(check), 1);
            reject(new Error(`${p.name} ended without stderr matching ${re}:\n${tail(err)}`));
          }
        };
        watchers.push(check);
        check();
      }),
  };
  return p;
}

/** Runs dstream to completion. */
export async function runDstream(args: string[], opts: StartOptions = {}): Promise<Exit & { stdout: string; stderr: string }> {
  const p = startDstream(args, { stdin: opts.input !== undefined ? 'pipe' : 'ignore', ...opts });
  const e = await p.exited;
  return { ...e, stdout: p.stdout(), stderr: p.stderr() };
}

/** The last `n` characters of a log, for failure messages. */
export function tail(s: string, n = 3000): string {
  return s.length > n ? `…${s.slice(-n)}` : s;
}

/** The single-process reference: `dstream <job> --format tsv < file`, rows sorted. */
export async function reference(job: string[], file: string, format = 'tsv'): Promise<string[]> {
  const r = await runDstream([...job, '--format', format], { stdin: { file } });
  if (r.code !== 0) throw new Error(`reference run failed (${r.code ?? r.signal}):\n${tail(r.stderr)}`);
  return rows(r.stdout);
}

/** `dstream publish URL --partitions N ...` with stdin from `file`. */
export async function publishFile(url: string, partitions: number, file: string, extra: string[] = []): Promise<void> {
  const r = await runDstream(['publish', url, '--partitions', String(partitions), ...extra], { stdin: { file } });
  if (r.code !== 0) throw new Error(`publish failed (${r.code ?? r.signal}):\n${tail(r.stderr)}`);
}

/** `dstream cat URL --format FORMAT` (default tsv) → its non-empty lines, sorted. */
export async function catRows(url: string, format = 'tsv'): Promise<string[]> {
  const r = await runDstream(['cat', url, '--format', format]);
  if (r.code !== 0) throw new Error(`cat ${url} failed (${r.code ?? r.signal}):\n${tail(r.stderr)}`);
  return rows(r.stdout);
}

/** `dstream job status URL --json`, parsed. */
export async function jobStatus(url: string): Promise<any> {
  const r = await runDstream(['job', 'status', url, '--json']);
  if (r.code !== 0) throw new Error(`job status ${url} failed (${r.code ?? r.signal}):\n${tail(r.stderr)}`);
  try {
    return JSON.parse(r.stdout);
  } catch {
    throw new Error(`job status --json printed no JSON:\n${tail(r.stdout)}`);
  }
}

/** Non-empty lines, sorted (byte order). */
export function rows(text: string): string[] {
  return text.split('\n').filter((l) => l !== '').sort();
}

/** Rows that occur more than once (with their counts). */
export function duplicates(sorted: string[]): string[] {
  const d: string[] = [];
  for (let i = 1; i < sorted.length; i++) if (sorted[i] === sorted[i - 1] && d[d.length - 1] !== sorted[i]) d.push(sorted[i]!);
  return d;
}

/** A compact description of how two sorted row lists differ (for assertion messages). */
export function diffRows(expected: string[], actual: string[], max = 10): string {
  const a = new Map<string, number>();
  for (const r of actual) a.set(r, (a.get(r) ?? 0) + 1);
  const missing: string[] = [];
  for (const r of expected) {
    const n = a.get(r) ?? 0;
    if (n > 0) a.set(r, n - 1);
    else missing.push(r);
  }
  const extra = [...a].flatMap(([r, n]) => Array(n).fill(r) as string[]);
  return `expected ${expected.length} rows, got ${actual.length}; missing ${missing.length}: ${JSON.stringify(missing.slice(0, max))}; ` +
    `unexpected ${extra.length}: ${JSON.stringify(extra.slice(0, max))}`;
}

export { waitFor } from '../helpers/wait.js';

/** Resolves with `ms` delay — only for randomized kill timing, never to wait for a state. */
export const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Waits for every process to exit; returns their exits in order. Rejects on timeout with their stderr. */
export async function allExit(procs: Proc[], timeoutMs: number): Promise<Exit[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, rej) => {
    timer = setTimeout(() => {
      const still = procs.filter((p) => p.running());
      rej(new Error(`${still.length} process(es) still running after ${timeoutMs} ms:\n` +
        still.map((p) => `--- ${p.name} (pid ${p.pid}) stderr:\n${tail(p.stderr(), 1500)}`).join('\n')));
    }, timeoutMs);
  });
  try {
    return await Promise.race([Promise.all(procs.map((p) => p.exited)), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Kills (SIGKILL) everything still running; for afterEach. */
export async function killAll(procs: Iterable<Proc>): Promise<void> {
  await Promise.all([...procs].map((p) => p.kill9()));
}

/** A worker: `dstream --from FROM <job> --to TO <extra>`. */
export function startWorker(from: string, to: string, job: string[], extra: string[] = [], opts: StartOptions & { name?: string } = {}): Proc {
  return startDstream(['--from', from, ...job, '--to', to, ...extra], { stdin: 'ignore', ...opts });
}

/** Asserts nothing in a worker's stderr looks like a crash (an uncaught exception's stack). */
export function crashText(stderr: string): string | undefined {
  const m = stderr.match(/(internal error|TypeError|RangeError|ReferenceError|SyntaxError|Unhandled|uncaught|\n\s+at .+:\d+:\d+\)?)/i);
  return m ? m[0] : undefined;
}

/**
 * Live lease holders in a `job status --json` document: every object with a
 * non-empty owner-like field ("owner", "holder", "worker", …) whose expiry (if it
 * has one, against the document's `nowMs`) is not past; `unit` is the object's
 * `unit`/`id`/`partition` (e.g. `s1:0`, `s2:3`) or its JSON path.
 */
export function leaseHolders(status: unknown): Array<{ unit: string; owner: string }> {
  const found: Array<{ unit: string; owner: string }> = [];
  const OWNER = ['owner', 'holder', 'worker', 'workerId', 'leaseOwner', 'heldBy'];
  const now = status && typeof status === 'object' ? Number((status as Record<string, unknown>).nowMs ?? NaN) : NaN;
  const walk = (v: unknown, path: string) => {
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}.${i}`));
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      const k = OWNER.find((n) => typeof o[n] === 'string' && o[n] !== '');
      const exp = Number(o.expiresMs ?? o.expires ?? NaN);
      if (k && !(Number.isFinite(now) && Number.isFinite(exp) && exp < now)) {
        found.push({ unit: String(o.unit ?? o.id ?? o.partition ?? path), owner: o[k] as string });
      }
      for (const [key, x] of Object.entries(o)) if (x && typeof x === 'object') walk(x, `${path}.${key}`);
    }
  };
  walk(status, '');
  return found;
}

/** The worker process whose id (as shown in job status) names its pid, if any. */
export function procForOwner(owner: string, procs: Proc[]): Proc | undefined {
  return procs.find((p) => new RegExp(`(^|\\D)${p.pid}(\\D|$)`).test(owner));
}

/**
 * Waits for `procs` (workers, publishers) to exit 0 without a crash, then checks the job's output
 * stream `to`: no row twice, rows equal to `expected` (sorted). Returns the rows.
 */
export async function expectExactJob(procs: Proc[], to: string, expected: string[], timeoutMs = 120_000): Promise<string[]> {
  const exits = await allExit(procs, timeoutMs);
  for (const [i, e] of exits.entries()) expect(e, `${procs[i]!.name} stderr:\n${tail(procs[i]!.stderr())}`).toEqual({ code: 0, signal: null });
  for (const p of procs) expect(crashText(p.stderr()), p.stderr()).toBeUndefined();
  const got = await catRows(to);
  expect(duplicates(got)).toEqual([]);
  if (got.join('\n') !== expected.join('\n')) expect.fail(diffRows(expected, got));
  return got;
}
