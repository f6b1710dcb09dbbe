/**
 * bench/rows.js — rows/s of formatting and writing windowed result rows, the
 * output path of a 1 h window sliding every second (~810,000 rows).
 *
 *   npm run build && node bench/rows.js [--rows N] [--runs R] [--format tsv,json,csv]
 *   DSTREAM_DIST=/path/to/other/dist node bench/rows.js     (another build)
 *   node bench/rows.js --compare /path/to/dist/before          (against that build instead)
 *   node bench/rows.js --no-baseline                           (this build alone)
 *   node bench/rows.js --json FILE    (also writes the speed-ups there: { tsv: { cpu, wall }, json: … })
 *   node bench/rows.js --keys pair     (keys of another kind, see below)
 *
 * By default the build is compared, runs interleaved, with issue 21's baseline:
 * the row output of commit 55f925d kept in bench/baselines/rows-55f925d/.
 *
 * Drives the real `FormatSink` over the real `StreamOutput` of the CLI,
 * writing to /dev/null through a file write stream: window groups of 12 rows
 * `[status, bytes]` (status a 3-digit string, bytes an integer up to 2^40, as
 * the access log's sums; `--keys number`: status a number; `--keys pair`: `[status, method]`, one
 * array per key, the same object in every group, as a keyed state keeps it), a group per second of event time, a batch end
 * (flush) every 60 groups, yielding to the event loop after every batch so
 * the stream drains as in the engine. Each run formats N rows (default
 * 810,000) per format; runs of the formats (and builds) are interleaved.
 * Prints, per format and build, the median rows/s over the runs, of CPU time
 * (user + system, the figure least disturbed by other processes on a shared
 * machine) and of wall time, and the speed-up this ÷ the baseline (or --compare build). The warm-up
 * runs write to a file: every build must write the same bytes per format, or the script fails.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const dirUrl = (dir) => pathToFileURL(dir.replace(/\/?$/, '/'));
const dist = process.env.DSTREAM_DIST ? dirUrl(process.env.DSTREAM_DIST) : new URL('../dist/', import.meta.url);

const opts = { rows: 810_000, runs: 5, keys: 'string', formats: ['tsv', 'json'], compare: new URL('baselines/rows-55f925d/', import.meta.url), label: '55f925d' };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (a === '--rows') opts.rows = Number(process.argv[++i]);
  else if (a === '--compare') [opts.compare, opts.label] = [dirUrl(process.argv[++i]), 'before'];
  else if (a === '--no-baseline') opts.compare = null;
  else if (a === '--runs') opts.runs = Number(process.argv[++i]);
  else if (a === '--format') opts.formats = process.argv[++i].split(',');
  else if (a === '--json') opts.json = process.argv[++i];
  else if (a === '--keys') opts.keys = process.argv[++i];
  else throw new Error(`unknown option ${a}`);
}

const STATUSES = ['200', '201', '204', '301', '302', '304', '400', '401', '403', '404', '500', '503'];
const T0 = Date.UTC(2015, 4, 17);

let seed = 12345;
const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
const KEYS = {
  string: STATUSES,
  number: STATUSES.map(Number),
  pair: STATUSES.map((s, i) => [s, i % 3 ? 'GET' : 'POST']),
}[opts.keys] ?? (() => { throw new Error(`--keys: string, number or pair, not ${opts.keys}`); })();
/** The rows, made once before any clock starts: only formatting and writing are timed. */
const values = Array.from({ length: opts.rows }, (_, i) => [KEYS[i % 12], next() * 512 + (i % 511)]);

/** The sink and output classes of a build. */
async function load(label, url) {
  const { FormatSink } = await import(new URL('sinks/format-sink.js', url).href);
  const { StreamOutput } = await import(new URL('sinks/output.js', url).href);
  return { label, url, FormatSink, StreamOutput };
}
const builds = [await load('this', dist), ...(opts.compare ? [await load(opts.label, opts.compare)] : [])];

/** Formats `rows` rows in `format` to `file` (default /dev/null) with a build. → { cpuMs, wallMs, bytes } */
async function run({ FormatSink, StreamOutput }, format, file = '/dev/null') {
  const stream = fs.createWriteStream(file);
  const out = new StreamOutput(stream);
  let batchTimeMs = T0;
  const sink = new FormatSink(out, { format, everyBatch: false, currentBatchTimeMs: () => batchTimeMs });
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  let i = 0;
  for (let second = 0; i < values.length; second++) {
    const startMs = T0 + second * 1000;
    sink.beginGroup({ startMs, endMs: startMs + 3_600_000, eventTime: true });
    for (let k = 0; k < 12 && i < values.length; k++) sink.record(values[i++]);
    sink.endGroup();
    if (second % 60 === 59 || i === values.length) {
      sink.endBatch({ timeMs: batchTimeMs, bounded: true });
      batchTimeMs += 60_000;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  await new Promise((resolve) => stream.end(resolve));
  const cpu = process.cpuUsage(cpu0);
  return { cpuMs: (cpu.user + cpu.system) / 1000, wallMs: performance.now() - wall0, bytes: stream.bytesWritten };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const cases = builds.flatMap((b) => opts.formats.map((f) => ({ b, f, cpu: [], wall: [], bytes: 0 })));
// Warm-up, into a file: every build must write the same bytes per format (the answer check).
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dstream-rows-'));
const digests = new Map();
for (const c of cases) {
  const file = path.join(tmp, 'rows.out');
  await run(c.b, c.f, file);
  const digest = crypto.createHash('sha1').update(fs.readFileSync(file)).digest('hex');
  if (digests.has(c.f) && digests.get(c.f) !== digest) throw new Error(`rows: ${c.f} output of ${c.b.label} differs from ${builds[0].label}'s`);
  digests.set(c.f, digest);
}
fs.rmSync(tmp, { recursive: true, force: true });
for (let r = 0; r < opts.runs; r++) {
  for (let k = 0; k < cases.length; k++) {
    const c = cases[(r + k) % cases.length];
    const m = await run(c.b, c.f);
    c.cpu.push(m.cpuMs);
    c.wall.push(m.wallMs);
    c.bytes = m.bytes;
  }
}
console.log(`rows: ${opts.rows.toLocaleString('en-US')} per run (keys: ${opts.keys}), ${opts.runs} runs each, interleaved; builds: ${builds.map((b) => `${b.label} = ${b.url.pathname}`).join(', ')}; same bytes per format: ${builds.length > 1 ? 'yes' : 'n/a'}`);
console.log('| format | build | rows/s (CPU) | rows/s (wall) | median CPU ms | median wall ms | MB written |\n|---|---|--:|--:|--:|--:|--:|');
for (const c of cases) {
  const cpu = median(c.cpu);
  const wall = median(c.wall);
  console.log(`| ${c.f} | ${c.b.label} | ${Math.round(opts.rows / (cpu / 1000)).toLocaleString('en-US')} | ${Math.round(opts.rows / (wall / 1000)).toLocaleString('en-US')} | ${cpu.toFixed(0)} | ${wall.toFixed(0)} | ${(c.bytes / 1e6).toFixed(1)} |`);
}
const speedUps = {};
if (builds.length === 2) {
  for (const f of opts.formats) {
    const [now, before] = builds.map((b) => cases.find((c) => c.b === b && c.f === f));
    speedUps[f] = { cpu: median(before.cpu) / median(now.cpu), wall: median(before.wall) / median(now.wall) };
    console.log(`${f}: this ÷ ${opts.label} speed-up ${speedUps[f].cpu.toFixed(2)}× (CPU), ${speedUps[f].wall.toFixed(2)}× (wall)`);
  }
}
if (opts.json) fs.writeFileSync(opts.json, JSON.stringify(speedUps));
