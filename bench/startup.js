#!/usr/bin/env node
/**
 * bench/startup.js — start-up of `echo x | dstream --count` against `node -e 0`, with CPU time to
 * the millisecond (bench/run.js's start-up row has GNU time's 10 ms steps).
 *
 *   node bench/startup.js [--runs N] [--bin PATH/TO/bin/dstream.js] [--vs PATH/TO/other/bin/dstream.js]...
 *                         [--json FILE]
 *
 * Runs this checkout's bin/dstream.js (build it first; `--bin` another one: bench/run.js passes its
 * private copy of the build), each `--vs` build and `node -e 0`,
 * interleaved (round r starts with contender r mod n), N times each (default 30), stdin a file
 * holding `x\n`, stdout and stderr /dev/null. Wall time from spawn to exit (perf or time included,
 * alike for all); CPU time (user + system, every thread) from `perf stat -e task-clock` when perf
 * runs here, else from GNU time (10 ms steps). Prints medians and each contender ÷ `node -e 0`.
 * Every run must exit 0. `--json FILE` also writes the medians there:
 * `{ runs, cpuSource, contenders: [{ name, wallMs, cpuMs, wallRatio, cpuRatio }] }` (ratios ÷ `node -e 0`).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tryExec, which } from './exec.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const NODE = process.execPath;

const args = process.argv.slice(2);
let runs = 30;
let jsonOut = null;
const builds = [['dstream', path.join(REPO, 'bin', 'dstream.js')]];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--runs') runs = Number(args[++i]);
  else if (args[i] === '--bin') builds[0][1] = path.resolve(args[++i]);
  else if (args[i] === '--json') jsonOut = path.resolve(args[++i]);
  else if (args[i] === '--vs') builds.push([`dstream (${args[i + 1]})`, path.resolve(args[++i])]);
  else throw new Error(`unknown option ${args[i]} (see the head of bench/startup.js)`);
}
if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a positive integer');

const perf = which('perf') && tryExec('perf', ['stat', '-x,', '-e', 'task-clock', NODE, '-e', '0']) !== null ? which('perf') : null;
const gnuTime = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
if (!perf && !gnuTime) throw new Error('needs perf or GNU time (/usr/bin/time) for CPU times');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dstream-startup-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
const input = path.join(dir, 'x.txt');
fs.writeFileSync(input, 'x\n');
const report = path.join(dir, 'cpu.txt');

/** One run: `{ wallMs, cpuMs, code }`. */
function measure(argv) {
  const wrapped = perf ? [perf, 'stat', '-x,', '-e', 'task-clock', '-o', report, ...argv] : [gnuTime, '-f', '%U %S', '-o', report, ...argv];
  const fds = [fs.openSync(input, 'r'), fs.openSync('/dev/null', 'w'), fs.openSync('/dev/null', 'w')];
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(wrapped[0], wrapped.slice(1), { stdio: fds });
    child.on('error', reject);
    child.on('exit', (code) => {
      const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
      for (const fd of fds) fs.closeSync(fd);
      const text = fs.readFileSync(report, 'utf8');
      const cpuMs = perf
        ? Number(text.split('\n').find((l) => l.includes('task-clock')).split(',')[0])
        : text.trim().split('\n').pop().split(' ').map(Number).reduce((a, b) => a + b, 0) * 1000;
      resolve({ wallMs, cpuMs, code });
    });
  });
}

const contenders = [...builds.map(([name, bin]) => ({ name, argv: [NODE, bin, '--count'] })), { name: 'node -e 0', argv: [NODE, '-e', '0'] }];
const results = contenders.map(() => ({ wall: [], cpu: [] }));
for (let r = 0; r < runs; r++) {
  for (let k = 0; k < contenders.length; k++) {
    const i = (r + k) % contenders.length;
    const m = await measure(contenders[i].argv);
    if (m.code !== 0) throw new Error(`${contenders[i].name} exited ${m.code}`);
    results[i].wall.push(m.wallMs);
    results[i].cpu.push(m.cpuMs);
  }
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const base = results[results.length - 1];
const [bw, bc] = [median(base.wall), median(base.cpu)];
console.log(`${runs} interleaved runs, CPU time from ${perf ? 'perf task-clock' : 'GNU time (10 ms steps)'}, load average ${os.loadavg()[0].toFixed(1)}\n`);
console.log('| command | median wall ms | ÷ node -e 0 | median CPU ms | ÷ node -e 0 (CPU) |');
console.log('|---|--:|--:|--:|--:|');
const summary = contenders.map((c, i) => {
  const [wallMs, cpuMs] = [median(results[i].wall), median(results[i].cpu)];
  console.log(`| ${c.name} | ${wallMs.toFixed(1)} | ${(wallMs / bw).toFixed(2)} | ${cpuMs.toFixed(1)} | ${(cpuMs / bc).toFixed(2)} |`);
  return { name: c.name, wallMs, cpuMs, wallRatio: wallMs / bw, cpuRatio: cpuMs / bc };
});
if (jsonOut) fs.writeFileSync(jsonOut, JSON.stringify({ runs, cpuSource: perf ? 'perf task-clock' : 'GNU time', contenders: summary }));
