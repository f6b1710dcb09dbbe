/**
 * bench/distributed-kafka.js — distributed mode on Kafka against the local engine.
 *
 *   node bench/distributed-kafka.js [--lines N] [--runs N]
 *
 * Standalone (not part of `npm run bench`); prints a Markdown section on stdout.
 * Needs a build (`npm run build`), java and the broker of scripts/test-kafka.sh
 * (`scripts/test-kafka.sh install`); without java it says so and exits 0.
 *
 * 1. Input: the bundled access log repeated, copy i with its times shifted by
 *    i × 4 days (copies follow each other in event time); the first --lines N
 *    lines (default 200,000), in a temporary directory removed at exit.
 * 2. A broker of its own (scripts/test-kafka.sh start in that directory, stopped
 *    at exit); the input produced once into a 4-partition topic with
 *    `dstream --format tsv --output kafka://…/bench` (not timed).
 * 3. The job (bench/run.js J3): requests per 5-minute event-time window and status,
 *      local:     dstream <ops> --format tsv < file
 *      1 worker:  dstream --from 'kafka://…/bench?group=G' --once <ops> --to kafka://…/OUT
 *      2 workers: the same twice, started together
 *    each distributed run on a fresh group and output topic; its `dstream cat` must
 *    equal the local output byte for byte. --runs rounds (default 3), medians of wall time.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tryExec } from './exec.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(REPO, 'bin', 'dstream.js');
const KAFKA = path.join(REPO, 'scripts', 'test-kafka.sh');
const OPS = ['--event-time', 'l => l.split("[")[1].split("]")[0]', '--map', 'l => l.split(" ")[8]', '--count-by-value', '--window', '5m', '--watermark', '1m'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const argv = process.argv.slice(2);
const opt = (name, dflt) => (argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : dflt);
const LINES = opt('--lines', 200_000);
const RUNS = opt('--runs', 3);

if (tryExec('java', ['-version']) === null) {
  console.log('bench/distributed-kafka.js: java is not installed (the broker needs it); nothing measured');
  process.exit(0);
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dstream-bench-kafka-'));
let brokerUp = false;
process.on('exit', () => {
  if (brokerUp) tryExec('bash', [KAFKA, 'stop', dir]);
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The access log, copy i shifted by i × 4 days, cut at `lines` lines. */
function writeInput(file, lines) {
  const src = fs.readFileSync(path.join(REPO, 'data', 'elastic-examples', 'apache_logs'), 'utf8').split('\n').filter(Boolean);
  const out = fs.openSync(file, 'w');
  for (let i = 0, n = 0; n < lines; i++) {
    const chunk = [];
    for (const l of src) {
      if (n++ >= lines) break;
      chunk.push(l.replace(/\[(\d\d)\/(\w{3})\/(\d{4}):(\d\d:\d\d:\d\d) \+0000\]/, (_, d, mon, y, hms) => {
        const t = new Date(Date.UTC(Number(y), MONTHS.indexOf(mon), Number(d)) + i * 4 * 86_400_000);
        return `[${String(t.getUTCDate()).padStart(2, '0')}/${MONTHS[t.getUTCMonth()]}/${t.getUTCFullYear()}:${hms} +0000]`;
      }));
    }
    fs.writeSync(out, chunk.join('\n') + '\n');
  }
  fs.closeSync(out);
}

/** GNU time, to read each run's CPU seconds (user + system); null where absent. */
const TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

/** Runs dstream; resolves with its wall time (s), CPU time (s; NaN without GNU time) and stdout, rejects on a non-zero exit. */
function dstream(args, { stdin } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const [cmd, argv] = TIME ? [TIME, ['-f', 'BENCH_CPU %U %S', process.execPath, BIN, ...args]] : [process.execPath, [BIN, ...args]];
    const child = spawn(cmd, argv, { stdio: [stdin ? fs.openSync(stdin, 'r') : 'ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (err += d));
    child.on('close', (code) => {
      const m = /BENCH_CPU ([\d.]+) ([\d.]+)/.exec(err);
      const cpu = m ? Number(m[1]) + Number(m[2]) : NaN;
      if (code === 0) resolve({ s: Number(process.hrtime.bigint() - t0) / 1e9, cpu, out });
      else reject(new Error(`dstream ${args.join(' ')}: exit ${code}\n${err}`));
    });
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const input = path.join(dir, 'input.log');
writeInput(input, LINES);
const started = execFileSync('bash', [KAFKA, 'start', dir], { encoding: 'utf8' });
brokerUp = true;
const broker = /^BROKER=(\S+)$/m.exec(started)[1];
execFileSync('bash', [KAFKA, 'topics', dir, '--create', '--topic', 'bench', '--partitions', '4'], { stdio: 'ignore' });
await dstream(['--format', 'tsv', '--output', `kafka://${broker}/bench`], { stdin: input });
const reference = (await dstream([...OPS, '--format', 'tsv'], { stdin: input })).out;

const times = { local: [], one: [], two: [] };
let job = 0;
async function distributed(workers) {
  const g = `g${++job}`;
  const args = ['--from', `kafka://${broker}/bench?group=${g}`, '--once', ...OPS, '--to', `kafka://${broker}/out-${g}`];
  const t0 = process.hrtime.bigint();
  const runs = await Promise.all(Array.from({ length: workers }, () => dstream(args)));
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const got = (await dstream(['cat', `kafka://${broker}/out-${g}`])).out;
  if (got !== reference) {
    const keep = fs.mkdtempSync(path.join(os.tmpdir(), 'dstream-bench-kafka-diff-'));
    fs.writeFileSync(path.join(keep, 'local.tsv'), reference);
    fs.writeFileSync(path.join(keep, 'distributed.tsv'), got);
    throw new Error(`${workers} worker(s): output differs from the local run (both in ${keep})`);
  }
  return { s, cpu: runs.reduce((n, r) => n + r.cpu, 0) };
}
const cpus = { local: [], one: [], two: [] };
for (let r = 0; r < RUNS; r++) {
  const local = await dstream([...OPS, '--format', 'tsv'], { stdin: input });
  times.local.push(local.s);
  cpus.local.push(local.cpu);
  for (const [k, n] of [['one', 1], ['two', 2]]) {
    const d = await distributed(n);
    times[k].push(d.s);
    cpus[k].push(d.cpu);
  }
}
const [l, one, two] = [median(times.local), median(times.one), median(times.two)];
const cpu = (k) => (Number.isNaN(median(cpus[k])) ? '-' : median(cpus[k]).toFixed(2));
const rate = (s) => `${Math.round(LINES / s / 1000)} k lines/s`;
console.log(`## Distributed mode (Kafka)

${LINES.toLocaleString('en')} lines, 4 input partitions, 16 key partitions, broker on the same ${os.cpus().length}-core machine (load average ${os.loadavg()[0].toFixed(1)} at the end); median of ${RUNS} runs, wall time from start to the last worker's exit, CPU seconds (user + system) of the dstream processes (all workers of a run), not the broker's; every distributed output equal to the local one.

| run | seconds | CPU s | rate | speed vs local |
|---|---|---|---|---|
| local engine | ${l.toFixed(2)} | ${cpu('local')} | ${rate(l)} | 1.00× |
| 1 Kafka worker | ${one.toFixed(2)} | ${cpu('one')} | ${rate(one)} | ${(l / one).toFixed(2)}× |
| 2 Kafka workers | ${two.toFixed(2)} | ${cpu('two')} | ${rate(two)} | ${(l / two).toFixed(2)}× |
`);
