/**
 * bench/ceiling.js — how much faster can two cores of THIS machine make a job? The bound that
 * `--workers auto` cannot beat, measured with independent processes (no threads, no merge).
 *
 *   node bench/ceiling.js [--size 100m] [--runs N] [--only J1,J3,loop] [--dstream PATH/TO/bin/dstream.js]
 *
 * For each job (J1 and J3 of bench/run.js, on the seeded corpus of bench/corpus.js):
 *   - one:    `dstream --workers 1` on the whole file;
 *   - halves: two `dstream --workers 1` processes at once, each on one line-aligned half of the
 *             file (written once beside the corpus); wall time until both have exited, CPU summed;
 *   - auto:   `dstream` (--workers auto) on the whole file;
 *   - empty:  `dstream --workers 1` on an empty input: start-up and exit, the part no split shares;
 *   - alone:  the two halves one after the other (no contention): their CPU ÷ one's is the work
 *             that splitting in two adds (a second start-up and warm-up, each half's own keys), and
 *             2 ÷ that ratio bounds two cores' speed-up even when nothing else runs.
 * And a pure CPU loop (`loop`): one `node` process spinning 2·N iterations against two spinning N
 * each at once — the ceiling when nothing at all is shared but the cores and the load on them.
 * Runs are interleaved (one, halves, auto; then halves, auto, one; …). Prints medians of wall and
 * CPU time (GNU time's user + system, see bench/rss.js) and the ratios one ÷ halves and
 * one ÷ auto, with the load average, the share of the machine's CPU time that was busy during
 * each group (/proc/stat), and whether the kernel's autogroup scheduling is on: with it, CPU is
 * shared fairly between sessions, not threads, so on a machine whose cores are all busy a second
 * thread gets no more CPU for the job, only more work. It prints; it writes no file.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCorpus } from './corpus.js';
import { measure } from './rss.js';

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const NODE = process.execPath;

function parseArgs(argv) {
  const o = { size: '100m', runs: 5, only: null, dstream: path.join(BENCH, '..', 'bin', 'dstream.js') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => argv[++i] ?? (() => { throw new Error(`${a} needs a value`); })();
    if (a === '--size') o.size = value();
    else if (a === '--runs') o.runs = Number(value());
    else if (a === '--only') o.only = value().toLowerCase().split(',');
    else if (a === '--dstream') o.dstream = path.resolve(value());
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

/** `file` cut into two line-aligned halves (cached next to it): [first, second]. */
function halves(file) {
  const dir = path.join(path.dirname(file), 'halves');
  const names = [1, 2].map((i) => path.join(dir, `${path.basename(file)}.${i}`));
  if (names.every((n) => fs.existsSync(n))) return names;
  fs.mkdirSync(dir, { recursive: true });
  const data = fs.readFileSync(file);
  const cut = data.indexOf(10, data.length >> 1) + 1;
  fs.writeFileSync(names[0], data.subarray(0, cut));
  fs.writeFileSync(names[1], data.subarray(cut));
  return names;
}

const J1 = ['--workers', '1', '--batch', '20d', '--flat-map', 't => hashtags(t)', '--count-by-value', '--top', '10', '--format', 'tsv'];
const J3 = ['--workers', '1', '--event-time', 'l => l.split("[")[1].split("]")[0]', '--watermark', '1m', '--map', 'l => l.split(" ")[8]', '--count-by-value', '--window', '5m', '--format', 'tsv'];
/** Millions of loop iterations of the one-process loop (each of the pair spins half). */
const LOOP_MILLIONS = 2000;
// A function called per million iterations (optimized after a few calls; a single top-level loop relies on on-stack replacement).
const loop = (millions) => ['-e', `function f(n) { let x = 0; for (let i = 0; i < n; i++) x = (x + i) | 0; return x } let s = 0; for (let k = 0; k < ${millions}; k++) s ^= f(1e6); if (s === 1) console.log(s)`];

/** Runs `cmds` at once; wall until the last exits, CPU summed. */
async function together(cmds) {
  const t0 = performance.now();
  const rs = await Promise.all(cmds.map(([cmd, args, stdin]) => measure(cmd, args, { stdin, stdout: 'ignore', stderr: 'ignore' })));
  for (const r of rs) if (r.code !== 0) throw new Error(`a run exited ${r.code ?? r.signal}`);
  return { ms: performance.now() - t0, cpuMs: rs.reduce((a, r) => a + (r.cpuMs ?? NaN), 0) };
}

/** Runs `cmds` one after the other; wall and CPU summed. */
async function oneByOne(cmds) {
  let [ms, cpuMs] = [0, 0];
  for (const cmd of cmds) {
    const r = await together([cmd]);
    [ms, cpuMs] = [ms + r.ms, cpuMs + r.cpuMs];
  }
  return { ms, cpuMs };
}

/** Busy and total jiffies of all CPUs (/proc/stat), or null off Linux. */
function cpuJiffies() {
  try {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const idle = f[3] + (f[4] ?? 0);
    return { busy: f.reduce((a, b) => a + b, 0) - idle, total: f.reduce((a, b) => a + b, 0) };
  } catch {
    return null;
  }
}

/** Whether the kernel shares CPU between sessions rather than threads (CONFIG_SCHED_AUTOGROUP). */
function autogroup() {
  try {
    return fs.readFileSync('/proc/sys/kernel/sched_autogroup_enabled', 'utf8').trim() === '1' ? 'on' : 'off';
  } catch {
    return 'unknown';
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const corpus = ensureCorpus(o.size);
  const groups = [];
  const job = (id, file, args) => {
    const [a, b] = halves(file);
    groups.push({ id, variants: {
      one: [[NODE, [o.dstream, ...args], file]],
      halves: [[NODE, [o.dstream, ...args], a], [NODE, [o.dstream, ...args], b]],
      auto: [[NODE, [o.dstream, ...args.slice(2)], file]],
      empty: [[NODE, [o.dstream, ...args], '/dev/null']],
      alone: { oneByOne: [[NODE, [o.dstream, ...args], a], [NODE, [o.dstream, ...args], b]] },
    } });
  };
  if (!o.only || o.only.includes('j1')) job('J1', corpus.files.tweets.path, J1);
  if (!o.only || o.only.includes('j3')) job('J3', corpus.files.access.path, J3);
  if (!o.only || o.only.includes('loop')) groups.push({ id: 'loop', variants: { one: [[NODE, loop(LOOP_MILLIONS)]], halves: [[NODE, loop(LOOP_MILLIONS / 2)], [NODE, loop(LOOP_MILLIONS / 2)]] } });
  console.log(`cores: ${os.availableParallelism()}, load average before: ${load()}, scheduler autogroup: ${autogroup()}`);
  for (const g of groups) {
    const j0 = cpuJiffies();
    const names = Object.keys(g.variants);
    const res = Object.fromEntries(names.map((n) => [n, { ms: [], cpu: [] }]));
    for (let run = 0; run < o.runs; run++) {
      for (let k = 0; k < names.length; k++) {
        const n = names[(run + k) % names.length];
        const v = g.variants[n];
        const r = Array.isArray(v) ? await together(v) : await oneByOne(v.oneByOne);
        res[n].ms.push(r.ms);
        res[n].cpu.push(r.cpuMs);
      }
    }
    const med = Object.fromEntries(names.map((n) => [n, { ms: median(res[n].ms), cpu: median(res[n].cpu) }]));
    for (const n of names) console.log(`${g.id} ${n.padEnd(6)} wall ${(med[n].ms / 1000).toFixed(2)} s (${res[n].ms.map((x) => (x / 1000).toFixed(2)).join(' ')})  CPU ${(med[n].cpu / 1000).toFixed(2)} s`);
    for (const n of names.filter((x) => x !== 'one' && x !== 'empty')) {
      console.log(`${g.id} one ÷ ${n}: wall ${(med.one.ms / med[n].ms).toFixed(2)}×, CPU ${(med[n].cpu / med.one.cpu).toFixed(2)} of one's`);
    }
    if (med.empty) console.log(`${g.id} empty input: ${(100 * med.empty.ms / med.one.ms).toFixed(0)} % of one's wall, ${(100 * med.empty.cpu / med.one.cpu).toFixed(0)} % of its CPU`);
    if (med.alone) console.log(`${g.id} bound from the work added by splitting: 2 ÷ ${(med.alone.cpu / med.one.cpu).toFixed(2)} = ${(2 * med.one.cpu / med.alone.cpu).toFixed(2)}×`);
    const j1 = cpuJiffies();
    // Busy share of every core of the machine over the group (this benchmark's runs included).
    const busy = j0 && j1 ? `, machine CPU busy ${(100 * (j1.busy - j0.busy) / (j1.total - j0.total)).toFixed(0)} %` : '';
    console.log(`load average: ${load()}${busy}`);
  }
}

await main();
