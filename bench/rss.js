/**
 * bench/rss.js — run one command, measure its wall time and peak RSS.
 *
 * How peak RSS is measured, best first:
 *   1. `time`: GNU time (`/usr/bin/time -f %M -o FILE cmd …`) when it exists. GNU
 *      time waits for the command itself and reports its ru_maxrss (KiB), so this
 *      is exact for any program (node, awk, wc), with ~1 ms of extra start-up.
 *   2. `proc`: otherwise, on Linux, the command is spawned directly and
 *      /proc/<pid>/status is polled every 10 ms for VmHWM (the kernel's own
 *      resident-set high-water mark). VmHWM never decreases, so only growth in
 *      the last < 10 ms before exit can be missed. (Node 20 has no API for a
 *      child's rusage: `process.resourceUsage()` only describes the caller.)
 *   3. `none`: maxRssKB is null.
 * Set DSTREAM_BENCH_RSS=proc to force method 2 (e.g. to check it).
 *
 * Wall time is taken in this process, from spawn to the child's exit. CPU
 * time (user + system, of the command and the threads and children it waited
 * for) comes from GNU time's %U and %S (10 ms resolution); null without it.
 *
 * API: measure(cmd, args, { stdin, stdout, stderr, env }) → Promise<{ ms, maxRssKB,
 *      cpuMs, code, signal, method }>; stdin/stdout/stderr are file paths (stdin: read,
 *      the others: truncated and written), or 'ignore'.
 * CLI: node bench/rss.js cmd [args…] < in > out
 *      runs the command with this process's stdin/stdout/stderr and prints
 *      `wall_ms=… max_rss_kb=… method=…` on stderr; exits with its code.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const GNU_TIME = '/usr/bin/time';

/** The measuring method this machine supports (see module doc). */
export function rssMethod() {
  if (process.env.DSTREAM_BENCH_RSS === 'proc' && fs.existsSync('/proc/self/status')) return 'proc';
  if (fs.existsSync(GNU_TIME)) return 'time';
  if (fs.existsSync('/proc/self/status')) return 'proc';
  return 'none';
}

function openStdio(spec, mode) {
  if (spec === undefined || spec === 'ignore') return 'ignore';
  if (spec === 'inherit') return 'inherit';
  if (typeof spec === 'number') return spec;
  return fs.openSync(spec, mode);
}

function readVmHWM(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0; // already gone
  }
}

/** Runs `cmd args` and measures it (see module doc). */
export function measure(cmd, args, { stdin, stdout, stderr, env } = {}) {
  const method = rssMethod();
  const fds = [openStdio(stdin, 'r'), openStdio(stdout, 'w'), openStdio(stderr, 'w')];
  let timeFile = null;
  let file = cmd;
  let argv = args;
  if (method === 'time') {
    timeFile = path.join(os.tmpdir(), `dstream-bench-rss-${process.pid}-${Math.random().toString(36).slice(2)}`);
    file = GNU_TIME;
    argv = ['-f', '%M %U %S', '-o', timeFile, cmd, ...args];
  }
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(file, argv, { stdio: fds, env: env ?? process.env });
    let peak = 0;
    let timer = null;
    if (method === 'proc') {
      timer = setInterval(() => {
        peak = Math.max(peak, readVmHWM(child.pid));
      }, 10);
      peak = readVmHWM(child.pid);
    }
    child.on('error', (e) => {
      if (timer) clearInterval(timer);
      reject(e);
    });
    child.on('exit', (code, signal) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (timer) clearInterval(timer);
      for (const fd of fds) if (typeof fd === 'number' && fd > 2) fs.closeSync(fd);
      let maxRssKB = method === 'proc' ? peak || null : null;
      let cpuMs = null;
      if (timeFile) {
        try {
          // GNU time writes "Command exited with non-zero status N" before its line on failure.
          const lines = fs.readFileSync(timeFile, 'utf8').trim().split('\n');
          const [rss, user, sys] = lines[lines.length - 1].split(' ').map(Number);
          maxRssKB = rss || null;
          cpuMs = Number.isFinite(user) && Number.isFinite(sys) ? (user + sys) * 1000 : null;
          fs.rmSync(timeFile, { force: true });
        } catch {
          maxRssKB = null;
        }
      }
      resolve({ ms, maxRssKB, cpuMs, code, signal, method });
    });
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const [cmd, ...args] = process.argv.slice(2).filter((a, i) => !(i === 0 && a === '--'));
  if (!cmd) {
    console.error('usage: node bench/rss.js cmd [args...] < in > out');
    process.exit(2);
  }
  const r = await measure(cmd, args, { stdin: 0, stdout: 1, stderr: 2 });
  process.stderr.write(`wall_ms=${r.ms.toFixed(1)} cpu_ms=${r.cpuMs ?? 'n/a'} max_rss_kb=${r.maxRssKB ?? 'n/a'} method=${r.method}\n`);
  process.exit(r.code ?? 1);
}
