/**
 * bench/run.js — dstream's benchmark suite (`npm run bench`, never part of `npm test`).
 *
 *   node bench/run.js [--size 10m|100m|1g] [--runs N | --quick] [--only J1,J3s,scale,floor,state,startup,rows,soak]
 *                     [--out FILE] [--dstream PATH/TO/bin/dstream.js [--dstream-note TEXT]]
 *                     [--startup-vs PATH/TO/other/bin/dstream.js]
 *
 * 1. Generates (or reuses) the seeded corpus of bench/corpus.js in os.tmpdir().
 * 2. Copies the built CLI (bin/, dist/, package.json; node_modules linked) into a
 *    temporary directory and benchmarks that copy, so that another engineer
 *    rebuilding dist/ during the run cannot change the binary under test.
 *    `--dstream` benchmarks another build instead (e.g. a build of a clean
 *    checkout while the working tree does not build); `--dstream-note` says
 *    which, in RESULTS.md. `--startup-vs` adds another build to the start-up
 *    group (e.g. the build before a start-up change: before and after in one run).
 * 3. For every job, runs dstream and each baseline (hand-written Node script in
 *    bench/baselines/, mawk and gawk programs in bench/baselines/awk/ when the
 *    binary exists, wc) with stdin redirected from the corpus file:
 *      - one warm-up run each, whose output is checked against dstream's
 *        (lines sorted; numbers compared by value); a mismatch is reported in
 *        the results with the differing lines, never hidden;
 *      - then N timed runs, interleaved (A B C, B C A, …) so that load from other
 *        processes on the shared machine hits every contender alike; each timed
 *        run must exit 0 and print the same output as its warm-up (except
 *        start-up, whose text output holds the batch time).
 *    `--quick`: 3 runs of everything (start-up 10) instead of 5 (start-up 30); about half the time.
 * 4. Reports median wall time, min–max, input lines/s and MB/s (decimal MB, at
 *    the median), peak RSS (max over the timed runs, see bench/rss.js) and the
 *    time ratio dstream ÷ baseline (> 1: dstream is slower), into bench/RESULTS.md
 *    (or --out) with a description of the machine, and prints the same Markdown. The first
 *    section, "Issue 21 targets", puts every ratio issue 21 sets a target for, from this one run,
 *    beside its target: J1 ÷ mawk, J2f and J4f ÷ mawk, --workers auto ÷ one thread (J1a, J3a),
 *    rows/s ÷ the 55f925d row output, the 1 h / 1 s sliding job ÷ the 1 h / 5 min one, start-up
 *    ÷ `node -e 0`, and whether every answer agreed with its baselines.
 *
 * Groups (ids for --only, case-insensitive): J1 J1a J2 J2f J3 J3a J3s J4 J4f J5 (jobs; the f variants use field(), the
 * a variants run with --workers auto against one thread: every other dstream run has --workers 1), scale
 * (or one of its ids, e.g. W1h/1s-max), floor, state, startup, rows (bench/rows.js: rows/s of tsv and json
 * output; startup is bench/startup.js on the same copy, CPU time from perf when it runs); and `soak`
 * (bench/soak.js: a 10-minute `--listen` service job, RSS and heap-used slopes
 * after a 60 s warm-up; DSTREAM_SOAK_SECONDS changes the length), run only
 * when named and printed, not written into RESULTS.md.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tryExec, which } from './exec.js';
import { ensureCorpus } from './corpus.js';
import { measure, rssMethod } from './rss.js';
import { soak, soakSection } from './soak.js';

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(BENCH, '..');
const BASE = path.join(BENCH, 'baselines');
const AWK = path.join(BASE, 'awk');
const NODE = process.execPath;

// ------------------------------------------------------------------ options

function parseArgs(argv) {
  const opts = { size: '100m', runs: 5, quick: false, only: null, out: path.join(BENCH, 'RESULTS.md'), dstream: null, dstreamNote: null, startupVs: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--size') opts.size = value().toLowerCase();
    else if (a === '--runs') opts.runs = Number(value());
    else if (a === '--quick') [opts.quick, opts.runs] = [true, 3];
    else if (a === '--only') opts.only = value().split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
    else if (a === '--out') opts.out = path.resolve(value());
    else if (a === '--dstream') opts.dstream = path.resolve(value());
    else if (a === '--dstream-note') opts.dstreamNote = value();
    else if (a === '--startup-vs') opts.startupVs = path.resolve(value());
    else if (a === '-h' || a === '--help') {
      console.log(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0]);
      process.exit(0);
    } else throw new Error(`unknown option ${a} (see --help)`);
  }
  if (!Number.isInteger(opts.runs) || opts.runs < 1) throw new Error('--runs must be a positive integer');
  return opts;
}

// ------------------------------------------------------------------- helpers



const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmtS = (ms) => (ms >= 10_000 ? (ms / 1000).toFixed(1) : ms >= 1000 ? (ms / 1000).toFixed(2) : (ms / 1000).toFixed(3));
const fmtRate = (x) => (x >= 1e6 ? (x / 1e6).toFixed(2) + ' M' : x >= 1e3 ? (x / 1e3).toFixed(0) + ' k' : x.toFixed(0) + ' ');
const fmtMiB = (kb) => (kb == null ? 'n/a' : (kb / 1024).toFixed(0));
const log = (msg) => process.stderr.write(msg + '\n');

// ------------------------------------------------------------ answer checks

const NUMBER = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;
/** A line with every numeric tab-separated field in canonical JS form. */
function canonical(line) {
  return line
    .split('\t')
    .map((f) => (NUMBER.test(f) ? String(Number(f)) : f))
    .join('\t');
}
const linesOf = (text) => text.split('\n').filter((l, i, a) => l !== '' || i < a.length - 1);

/**
 * Compares a baseline's output with dstream's, as multisets of lines.
 * → { status: 'exact' | 'numeric' | 'MISMATCH', onlyDstream, onlyBaseline }
 */
function compareOutputs(dstreamText, baselineText) {
  const a = linesOf(dstreamText).sort();
  const b = linesOf(baselineText).sort();
  if (a.length === b.length && a.every((l, i) => l === b[i])) return { status: 'exact', onlyDstream: [], onlyBaseline: [] };
  const count = new Map();
  for (const l of a) count.set(canonical(l), (count.get(canonical(l)) ?? 0) + 1);
  for (const l of b) count.set(canonical(l), (count.get(canonical(l)) ?? 0) - 1);
  const onlyDstream = a.filter((l) => count.get(canonical(l)) > 0);
  const onlyBaseline = b.filter((l) => count.get(canonical(l)) < 0);
  if (onlyDstream.length === 0 && onlyBaseline.length === 0) return { status: 'numeric', onlyDstream, onlyBaseline };
  return { status: 'MISMATCH', onlyDstream, onlyBaseline };
}

// ------------------------------------------------------------ dstream build

/** Copies the built CLI into a private directory (see module doc). */
function snapshotBuild() {
  const dist = path.join(REPO, 'dist');
  if (!fs.existsSync(path.join(dist, 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm run bench does)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dstream-bench-build-'));
  fs.cpSync(path.join(REPO, 'bin'), path.join(dir, 'bin'), { recursive: true });
  fs.cpSync(dist, path.join(dir, 'dist'), { recursive: true });
  fs.copyFileSync(path.join(REPO, 'package.json'), path.join(dir, 'package.json'));
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  // The code cache holds the bundle's path: the copy gets its own (src/cli/start.cts).
  const start = createRequire(import.meta.url)(path.join(dir, 'dist', 'cli', 'start.cjs'));
  if (start.makeCodeCache) start.makeCodeCache(path.join(dir, 'dist', 'bundle'));
  return path.join(dir, 'bin', 'dstream.js');
}

/** Fails loudly when the dstream under test does not even count three lines. */
function smokeTest(bin, workDir) {
  const input = path.join(workDir, 'smoke.txt');
  fs.writeFileSync(input, 'a\nb\na\n');
  let out;
  try {
    out = execFileSync(NODE, [bin, '--count', '--format', 'tsv'], { input: fs.readFileSync(input), encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (e) {
    throw new Error(`dstream under test (${bin}) does not run:\n${e.stderr || e.message}`);
  }
  if (out.trim() !== '3') throw new Error(`dstream under test (${bin}) counted ${JSON.stringify(out)} for 3 lines`);
}

// ---------------------------------------------------------------- the jobs

const EVENT_TIME = 'l => l.split("[")[1].split("]")[0]';
/** Non-event-time jobs: one batch for the whole file (see RESULTS.md notes). */
const WHOLE_FILE = ['--batch', '20d'];
/** Event-time jobs: default 1 s batches; the corpus is ≤ 30 s out of order. */
const EVENT = ['--event-time', EVENT_TIME, '--watermark', '1m'];
const STATUS_BYTES = 'l => { const f = l.split(" "); return [f[8], +f[9] || 0] }';

/** All groups; `contenders[0]` is always dstream, the reference answer. */
function defineGroups(bin, tools) {
  // One thread unless asked (`auto`): a file on stdin would otherwise be split across every core (--workers auto).
  const dstream = (args, { auto = false, name = 'dstream' } = {}) => {
    const all = auto ? args : ['--workers', '1', ...args];
    return { name, cmd: NODE, args: [bin, ...all], show: `dstream ${all.map(shq).join(' ')}` };
  };
  const nodeScript = (file, label = 'node readline', extra = []) => ({
    name: label,
    cmd: NODE,
    args: [path.join(BASE, file), ...extra],
    show: `node bench/baselines/${file}${extra.length ? ' ' + extra.join(' ') : ''}`,
  });
  const nodeSync = (job) => nodeScript('sync-reader.js', 'node sync', [job]);
  const awk = (files) =>
    ['mawk', 'gawk'].filter((a) => tools[a]).map((a) => ({
      name: a,
      cmd: tools[a],
      args: files.flatMap((f) => ['-f', path.join(AWK, f)]),
      show: `${a} ${files.map((f) => `-f bench/baselines/awk/${f}`).join(' ')}`,
    }));
  const jobs = [
    {
      id: 'J1', title: 'top 10 hashtags (regex per line)', input: 'tweets',
      contenders: [dstream([...WHOLE_FILE, '--flat-map', 't => hashtags(t)', '--count-by-value', '--top', '10', '--format', 'tsv']),
        nodeScript('j1-top-hashtags.js'), nodeSync('j1'), ...awk(['j1.awk'])],
    },
    {
      id: 'J1a', title: 'top 10 hashtags, --workers auto (every core) vs one thread', input: 'tweets',
      contenders: [dstream([...WHOLE_FILE, '--flat-map', 't => hashtags(t)', '--count-by-value', '--top', '10', '--format', 'tsv'], { auto: true }),
        dstream([...WHOLE_FILE, '--flat-map', 't => hashtags(t)', '--count-by-value', '--top', '10', '--format', 'tsv'], { name: 'dstream --workers 1' }), ...awk(['j1.awk'])],
    },
    {
      id: 'J2', title: 'requests per HTTP status', input: 'access',
      contenders: [dstream([...WHOLE_FILE, '--map', 'l => l.split(" ")[8]', '--count-by-value', '--format', 'tsv']),
        nodeScript('j2-status-count.js'), nodeSync('j2'), ...awk(['j2.awk'])],
    },
    {
      id: 'J2f', title: 'requests per HTTP status, with field()', input: 'access',
      contenders: [dstream([...WHOLE_FILE, '--map', 'l => field(l, 9)', '--count-by-value', '--format', 'tsv']),
        nodeScript('j2-status-count.js'), nodeSync('j2'), ...awk(['j2.awk'])],
    },
    {
      id: 'J3', title: 'requests per (5-min event-time window, status)', input: 'access',
      contenders: [dstream([...EVENT, '--map', 'l => l.split(" ")[8]', '--count-by-value', '--window', '5m', '--format', 'tsv']),
        nodeScript('j3-status-per-window.js'), ...awk(['time.awk', 'j3.awk'])],
    },
    {
      id: 'J3a', title: 'requests per (5-min event-time window, status), --workers auto vs one thread', input: 'access',
      contenders: [dstream([...EVENT, '--map', 'l => l.split(" ")[8]', '--count-by-value', '--window', '5m', '--format', 'tsv'], { auto: true }),
        dstream([...EVENT, '--map', 'l => l.split(" ")[8]', '--count-by-value', '--window', '5m', '--format', 'tsv'], { name: 'dstream --workers 1' }), ...awk(['time.awk', 'j3.awk'])],
    },
    {
      id: 'J3s', title: 'requests per (1-h window sliding 5 min, status)', input: 'access',
      contenders: [dstream([...EVENT, '--map', 'l => l.split(" ")[8]', '--count-by-value', '--window', '1h', '--slide', '5m', '--format', 'tsv']),
        nodeScript('j3s-status-per-sliding-window.js'), ...awk(['time.awk', 'j3s.awk'])],
    },
    {
      id: 'J4', title: 'sum of bytes per IP, top 10', input: 'access',
      contenders: [dstream([...WHOLE_FILE, '--map', 'l => { const f = l.split(" "); return [f[0], +f[9] || 0] }', '--reduce-by-key', 'sum', '--top', '10', '--format', 'tsv']),
        nodeScript('j4-bytes-per-ip.js'), nodeSync('j4'), ...awk(['j4.awk'])],
    },
    {
      id: 'J4f', title: 'sum of bytes per IP, top 10, with field()', input: 'access',
      contenders: [dstream([...WHOLE_FILE, '--map', 'l => [field(l, 1), +field(l, 10) || 0]', '--reduce-by-key', 'sum', '--top', '10', '--format', 'tsv']),
        nodeScript('j4-bytes-per-ip.js'), nodeSync('j4'), ...awk(['j4.awk'])],
    },
    {
      id: 'J5', title: 'JSON lines: mean latency per host', input: 'events',
      contenders: [dstream([...WHOLE_FILE, '--map', 'l => { const o = JSON.parse(l); return [o.host, [o.latency_ms, 1]] }',
        '--reduce-by-key', '(a, b) => [a[0] + b[0], a[1] + b[1]]', '--map', 'p => [p[0], p[1][0] / p[1][1]]', '--format', 'tsv']),
      nodeScript('j5-latency-per-host.js'), ...awk(['j5.awk'])],
    },
  ];
  const scale = [];
  for (const reducer of ['sum', 'max']) {
    for (const [slide, seconds] of [['5m', 300], ['1m', 60], ['1s', 1]]) {
      scale.push({
        id: `W1h/${slide}-${reducer}`, group: 'scale', title: `1 h window sliding ${slide}, --reduce-by-key ${reducer} of bytes per status`, input: 'access',
        slide, reducer,
        contenders: [dstream([...EVENT, '--map', STATUS_BYTES, '--reduce-by-key', reducer, '--window', '1h', '--slide', slide, '--format', 'tsv']),
          nodeScript('window-panes.js', 'node panes', ['--window', '3600', '--slide', String(seconds), '--reduce', reducer])],
      });
    }
  }
  const floor = {
    id: 'floor', title: 'engine floor: count the lines of the access log', input: 'access',
    contenders: [dstream([...WHOLE_FILE, '--count', '--format', 'tsv']),
      nodeScript('count-lines.js', 'node readline', ['readline']),
      nodeScript('count-lines.js', 'node readSync + indexOf', ['sync']),
      nodeScript('count-lines.js', 'node readSync, line strings', ['sync-strings']),
      ...(tools.wc ? [{ name: 'wc -l', cmd: tools.wc, args: ['-l'], show: 'wc -l' }] : []),
      ...awk(['count.awk'])],
  };
  const state = {
    id: 'state', title: 'state: count by value over 1,000,000 distinct lines', input: 'distinct',
    contenders: [dstream([...WHOLE_FILE, '--map', 'l => l', '--count-by-value', '--format', 'tsv']),
      nodeScript('count-distinct.js'), ...awk(['count-distinct.awk'])],
  };
  return { jobs, scale, floor, state };
}

/** Shell-quotes an argument for display. */
function shq(a) {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

// ----------------------------------------------------------------- running

/**
 * Runs one group: warm-up + answer check, then `runs` interleaved timed runs.
 * Returns { ...group, results: [{ contender, times, rss, check, stderr }] }.
 */
async function runGroup(group, inputPath, runs, workDir) {
  const n = group.contenders.length;
  const outPath = (i) => path.join(workDir, `out-${i}.txt`);
  const errPath = (i) => path.join(workDir, `err-${i}.txt`);
  const results = group.contenders.map((c) => ({ contender: c, times: [], cpu: [], rss: [], problems: [] }));
  const digest = (p) => crypto.createHash('sha1').update(fs.readFileSync(p)).digest('hex');

  // Warm-up, answers.
  const answers = [];
  for (let i = 0; i < n; i++) {
    const c = group.contenders[i];
    const r = await measure(c.cmd, c.args, { stdin: inputPath, stdout: outPath(i), stderr: errPath(i) });
    const res = results[i];
    res.stderr = fs.readFileSync(errPath(i), 'utf8');
    if (r.code !== 0) res.problems.push(`warm-up exited ${r.code ?? r.signal}: ${res.stderr.trim().split('\n').slice(0, 5).join(' / ')}`);
    answers.push(fs.readFileSync(outPath(i), 'utf8'));
    res.digest = digest(outPath(i));
    res.outputLines = linesOf(answers[i]).length;
    log(`  ${group.id} warm-up ${c.name}: ${fmtS(r.ms)} s`);
  }
  for (let i = 1; i < n; i++) {
    results[i].check = group.noCheck ? { status: 'n/a' } : compareOutputs(answers[0], answers[i]);
    if (results[i].check.status === 'MISMATCH') {
      log(`  !!! ${group.id}: ${group.contenders[i].name} disagrees with dstream (${results[i].check.onlyDstream.length} lines only in dstream, ${results[i].check.onlyBaseline.length} only in the baseline)`);
    }
  }
  results[0].check = { status: 'reference' };

  // Timed, interleaved: round r starts with contender r mod n.
  for (let r = 0; r < runs; r++) {
    for (let k = 0; k < n; k++) {
      const i = (r + k) % n;
      const c = group.contenders[i];
      const m = await measure(c.cmd, c.args, { stdin: inputPath, stdout: outPath(i), stderr: errPath(i) });
      const res = results[i];
      res.times.push(m.ms);
      if (m.cpuMs != null) res.cpu.push(m.cpuMs);
      if (m.maxRssKB != null) res.rss.push(m.maxRssKB);
      if (m.code !== 0) res.problems.push(`run ${r + 1} exited ${m.code ?? m.signal}`);
      else if (!group.noCheck && digest(outPath(i)) !== res.digest) res.problems.push(`run ${r + 1}: output differs from the warm-up run`);
    }
    log(`  ${group.id} round ${r + 1}/${runs}: ` + results.map((x) => `${x.contender.name} ${fmtS(x.times[x.times.length - 1])} s`).join(', '));
  }
  return { ...group, results };
}

// --------------------------------------------------------------- reporting

function statsOf(res, input) {
  const med = median(res.times);
  return {
    med,
    min: Math.min(...res.times),
    max: Math.max(...res.times),
    linesPerS: input.lines / (med / 1000),
    mbPerS: input.bytes / 1e6 / (med / 1000),
    rssKB: res.rss.length ? Math.max(...res.rss) : null,
    cpuMed: res.cpu.length ? median(res.cpu) : null,
  };
}

const checkText = (res) =>
  res.check.status === 'reference' ? 'reference' : res.check.status === 'exact' ? 'same' : res.check.status === 'numeric' ? 'same (numerically)' : res.check.status === 'n/a' ? '–' : '**MISMATCH**';

function groupTable(g, input, { ratioHeader = 'dstream ÷ this' } = {}) {
  const ref = statsOf(g.results[0], input);
  const rows = [`| tool | median s | min–max s | median CPU s | lines/s | MB/s | peak RSS MiB | ${ratioHeader} | ${ratioHeader} (CPU) | answer |`, '|---|--:|--:|--:|--:|--:|--:|--:|--:|---|'];
  for (const res of g.results) {
    const s = statsOf(res, input);
    const ratio = res === g.results[0] ? '1' : (ref.med / s.med).toFixed(2);
    const cpuRatio = res === g.results[0] ? '1' : cpuRatioOf(ref, s);
    const problems = res.problems.length ? ` ⚠ ${res.problems.length} problem(s)` : '';
    const rates = g.noCheck ? '– | –' : `${fmtRate(s.linesPerS)} | ${s.mbPerS.toFixed(1)}`;
    rows.push(`| ${res.contender.name} | ${fmtS(s.med)} | ${fmtS(s.min)}–${fmtS(s.max)} | ${s.cpuMed == null ? 'n/a' : fmtS(s.cpuMed)} | ${rates} | ${fmtMiB(s.rssKB)} | ${ratio} | ${cpuRatio} | ${checkText(res)}${problems} |`);
  }
  return rows.join('\n');
}

/** CPU-time ratio a ÷ b of two statsOf results, or 'n/a'. */
const cpuRatioOf = (a, b) => (a.cpuMed && b.cpuMed ? (a.cpuMed / b.cpuMed).toFixed(2) : 'n/a');

function summaryTable(jobs, corpus) {
  const rows = ['| job | input | dstream median s | dstream MB/s | ÷ node readline | ÷ node sync | ÷ mawk | ÷ gawk | ÷ node sync (CPU) | ÷ mawk (CPU) | answers |', '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|---|'];
  for (const g of jobs) {
    const input = corpus.files[g.input];
    const ref = statsOf(g.results[0], input);
    const ratio = (name) => {
      const r = g.results.find((x) => x.contender.name === name);
      return r ? (ref.med / statsOf(r, input).med).toFixed(2) : 'n/a';
    };
    const cpuRatio = (name) => {
      const r = g.results.find((x) => x.contender.name === name);
      return r ? cpuRatioOf(ref, statsOf(r, input)) : 'n/a';
    };
    const bad = g.results.filter((r) => r.check.status === 'MISMATCH').map((r) => r.contender.name);
    rows.push(`| ${g.id} ${g.title} | ${g.input} | ${fmtS(ref.med)} | ${ref.mbPerS.toFixed(1)} | ${ratio('node readline')} | ${ratio('node sync')} | ${ratio('mawk')} | ${ratio('gawk')} | ${cpuRatio('node sync')} | ${cpuRatio('mawk')} | ${bad.length ? '**MISMATCH: ' + bad.join(', ') + '**' : 'all agree'} |`);
  }
  return rows.join('\n');
}

function scaleTable(groups, corpus) {
  const input = corpus.files.access;
  const rows = ['| window / slide | reducer | dstream median s | min–max s | peak RSS MiB | node panes median s | dstream ÷ node panes | dstream ÷ dstream 1h/5m | same, CPU time | output lines | answer |', '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|---|'];
  for (const g of groups) {
    const d = statsOf(g.results[0], input);
    const b = statsOf(g.results[1], input);
    const base = groups.find((x) => x.reducer === g.reducer && x.slide === '5m');
    const rel = base ? (d.med / statsOf(base.results[0], input).med).toFixed(2) : 'n/a';
    const relCpu = base ? cpuRatioOf(d, statsOf(base.results[0], input)) : 'n/a';
    const problems = g.results.flatMap((r) => r.problems).length ? ' ⚠' : '';
    rows.push(`| 1h / ${g.slide} | ${g.reducer} | ${fmtS(d.med)} | ${fmtS(d.min)}–${fmtS(d.max)} | ${fmtMiB(d.rssKB)} | ${fmtS(b.med)} | ${(d.med / b.med).toFixed(2)} | ${rel} | ${relCpu} | ${g.results[0].outputLines} | ${checkText(g.results[1])}${problems} |`);
  }
  return rows.join('\n');
}

/**
 * Issue 21's targets beside this run's ratios (Markdown table). `done` holds the groups run
 * (`{ jobs, scale, … }`), `rows` bench/rows.js's speed-ups or null, `startup` bench/startup.js's
 * summary or null. A target is "yes" when the wall-time ratio meets it, "CPU only" when only
 * the CPU-time ratio does (the wall time of a loaded machine counts waiting for a core), else "no".
 */
function targetsSection(done, rows, startup) {
  const out = ['| target (issue 21) | goal | wall | CPU | met? |', '|---|---|--:|--:|---|'];
  const x = (v) => (v == null || !Number.isFinite(v) ? 'n/a' : `${v.toFixed(2)}×`);
  const verdict = (wall, cpu, ok) => (wall == null ? 'not run' : ok(wall) ? 'yes' : cpu != null && ok(cpu) ? 'CPU only' : 'no');
  const add = (what, goal, wall, cpu, ok) => out.push(`| ${what} | ${goal} | ${x(wall)} | ${x(cpu)} | ${verdict(wall, cpu, ok)} |`);
  const stats = (g, name) => {
    const r = g?.results.find((x) => x.contender.name === name);
    return r ? { med: median(r.times), cpu: r.cpu.length ? median(r.cpu) : null } : null;
  };
  const ratio = (a, b, key) => (a && b && a[key] != null && b[key] != null ? a[key] / b[key] : null);
  const job = (id) => done.jobs?.find((g) => g.id === id);
  const atMost = (t) => (v) => v <= t;
  for (const [id, goal] of [['J1', 1.0], ['J2f', 1.6], ['J4f', 1.6]]) {
    const d = stats(job(id), 'dstream');
    const m = stats(job(id), 'mawk');
    add(`${id} dstream ÷ mawk${id === 'J1' ? '' : ', with field()'}`, `≤ ${goal.toFixed(1)}×`, ratio(d, m, 'med'), ratio(d, m, 'cpu'), atMost(goal));
  }
  for (const id of ['J1a', 'J3a']) {
    const one = stats(job(id), 'dstream --workers 1');
    const auto = stats(job(id), 'dstream');
    // Speed-up: one thread's time ÷ auto's; in CPU, auto's total CPU ÷ one thread's (its cost, not a speed-up).
    const wall = ratio(one, auto, 'med');
    out.push(`| ${id.slice(0, 2)} --workers auto speed-up over one thread (2 cores) | ≥ 1.7× | ${x(wall)} | cost ${x(ratio(auto, one, 'cpu'))} | ${wall == null ? 'not run' : wall >= 1.7 ? 'yes' : 'no'} |`);
  }
  for (const f of ['tsv', 'json']) {
    const r = rows?.[f];
    out.push(`| rows/s, ${f}, this ÷ 55f925d | ≥ 1.5× | ${x(r?.wall)} | ${x(r?.cpu)} | ${r ? verdict(r.wall, r.cpu, (v) => v >= 1.5) : 'not run'} |`);
  }
  for (const reducer of ['sum', 'max']) {
    const slide = (sl) => stats(done.scale?.find((g) => g.reducer === reducer && g.slide === sl), 'dstream');
    const [fine, coarse] = [slide('1s'), slide('5m')];
    add(`1 h / 1 s ÷ 1 h / 5 min, --reduce-by-key ${reducer}`, '< 1.8×', ratio(fine, coarse, 'med'), ratio(fine, coarse, 'cpu'), (v) => v < 1.8);
  }
  const s = startup?.contenders[0];
  add('start-up `echo x \\| dstream --count` ÷ `node -e 0`', '≤ 1.5×', s?.wallRatio, s?.cpuRatio, atMost(1.5));
  const all = Object.values(done).flat();
  const bad = all.flatMap((g) => g.results.filter((r) => r.check?.status === 'MISMATCH' || r.problems.length).map((r) => `${g.id} ${r.contender.name}`));
  out.push(`| every job's answer equal to its baselines' (${all.length} groups) | all | | | ${bad.length ? `**no: ${bad.join(', ')}**` : 'yes'} |`);
  return out.join('\n');
}

function mismatchSection(groups) {
  const out = [];
  for (const g of groups) {
    for (const res of g.results) {
      if (res.check?.status === 'MISMATCH') {
        const { onlyDstream, onlyBaseline } = res.check;
        out.push(`### ${g.id}: dstream vs ${res.contender.name}\n`);
        out.push(`${onlyDstream.length} line(s) only in dstream's output, ${onlyBaseline.length} only in ${res.contender.name}'s (sorted, first 20 each):\n`);
        out.push('```diff');
        for (const l of onlyDstream.slice(0, 20)) out.push(`+ dstream:  ${l}`);
        for (const l of onlyBaseline.slice(0, 20)) out.push(`- ${res.contender.name}: ${l}`);
        out.push('```\n');
      }
      if (res.problems.length) {
        out.push(`### ${g.id}: ${res.contender.name} had problems\n`);
        for (const p of res.problems.slice(0, 10)) out.push(`- ${p}`);
        out.push('');
      }
    }
  }
  return out.join('\n');
}

function commandsSection(groups) {
  const out = [];
  for (const g of groups) {
    out.push(`- **${g.id}** (stdin: ${g.input}):`);
    for (const c of g.contenders) out.push(`  - ${c.name}: \`${c.show}\``);
  }
  return out.join('\n');
}

function machineSection(opts, corpus, tools, dstreamBin, loadBefore) {
  const cpuinfo = fs.existsSync('/proc/cpuinfo') ? fs.readFileSync('/proc/cpuinfo', 'utf8') : '';
  const cpu = /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  const nproc = tryExec('nproc', []) ?? String(os.availableParallelism());
  const head = tryExec('git', ['-C', REPO, 'rev-parse', '--short', 'HEAD']) ?? 'unknown';
  const dirty = tryExec('git', ['-C', REPO, 'status', '--porcelain', '--', 'src']);
  const version = (bin, args) => (bin ? (tryExec(bin, args) ?? '').split('\n')[0] : 'not installed (awk baselines skipped)');
  const files = Object.entries(corpus.files).map(([k, f]) => `${k} ${(f.bytes / 1e6).toFixed(1)} MB / ${f.lines.toLocaleString('en-US')} lines`).join('; ');
  return [
    '| | |', '|---|---|',
    `| date | ${new Date().toISOString()} |`,
    `| nproc | ${nproc} |`,
    `| memory | ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB |`,
    `| CPU | ${cpu} |`,
    `| OS | ${os.type()} ${os.release()} |`,
    `| node | ${process.version} |`,
    `| mawk | ${version(tools.mawk, ['-W', 'version'])} |`,
    `| gawk | ${version(tools.gawk, ['--version'])} |`,
    `| load average (1 min) before → after | ${loadBefore.toFixed(2)} → ${os.loadavg()[0].toFixed(2)} |`,
    `| dstream | ${opts.dstream ? `\`${dstreamBin}\`${opts.dstreamNote ? ': ' + opts.dstreamNote : ''}` : `git ${head}${dirty ? ' + uncommitted changes in src/ (' + dirty.split('\n').length + ' files)' : ''}, built by \`npm run build\`, copied before the run`} |`,
    `| peak RSS measured by | ${rssMethod() === 'time' ? 'GNU time `%M` (ru_maxrss of the command)' : rssMethod() === 'proc' ? 'polling /proc/<pid>/status VmHWM every 10 ms' : 'not available'} |`,
    `| corpus | \`${corpus.dir}\`: ${files} |`,
    `| command | \`node bench/run.js --size ${opts.size} ${opts.quick ? '--quick' : `--runs ${opts.runs}`}${opts.only ? ' --only ' + opts.only.join(',') : ''}\` |`,
  ].join('\n');
}

const NOTES = `Notes on reading these numbers:

- **Noisy machine.** Other engineers run builds and tests on this 2-core machine at the same time, so
  absolute times drift (often 10–25 %) between and even within runs. Every contender of a job is run
  interleaved (A B C, B C A, …) after one warm-up, so load hits all of them alike: **trust the ratios
  more than the absolute numbers**, and the median more than min/max.
- **Ratio = dstream's median time ÷ the other tool's median time.** Above 1, dstream is slower (2.0 = it
  takes twice as long); below 1, dstream is faster. The "(CPU)" ratios divide median CPU times (user +
  system from GNU time, all threads): on a machine this loaded they move less than wall times, which
  also count the time a process waits for a core; they are not latencies (threads add up).
- Input is on stdin, redirected from the corpus file (\`< file\`), page cache warm. lines/s and MB/s are
  input lines and bytes (decimal MB) over the median wall time, start-up included.
- Peak RSS is the maximum over the timed runs.
- Non-event-time jobs use \`--batch 20d\` so the whole file is one batch even at 1 GB (batch times
  are multiples of the interval since the epoch; 20 days stays below the 24.8-day \`setTimeout\`
  limit). Event-time jobs keep the default 1 s batches and add \`--watermark 1m\`: the corpus is up
  to 30 s out of order, and with watermark 0 records arriving after a batch boundary for an
  already-emitted window would be dropped as late, making the answer depend on timing.
- The "node readline" baselines are what a TypeScript user would write instead of dstream
  (readline + Map, no tricks); "node sync" (J1, J2, J4) is the same per-line code fed by a hand-tuned
  synchronous reader (bench/baselines/sync-reader.js); "node panes" is a fast pane-based reference for the window-scaling runs.
  awk programs run only when the binary exists; their hashtag regex is ASCII (the corpus hashtags
  are ASCII, so the answers agree).
- "answer": each baseline's output compared with dstream's (lines sorted; numbers by value).`;

// -------------------------------------------------------------------- main

/** `--only soak`: the soak of bench/soak.js on the snapshot `bin`; prints its section. */
async function runSoak(bin) {
  const o = { seconds: Number(process.env.DSTREAM_SOAK_SECONDS ?? 600), rate: 20_000, keys: 100_000, warmupS: 60 };
  o.warmupS = Math.min(o.warmupS, Math.floor(o.seconds / 3));
  log(`soak: ${o.seconds} s, ${o.rate} lines/s over ${o.keys} keys (warm-up ${o.warmupS} s)`);
  const r = await soak({ ...o, dstream: bin, log: (m) => log(`  ${m}`) });
  process.stdout.write(soakSection(r, o) + '\n');
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.only?.includes('soak')) {
    await runSoak(opts.dstream ?? snapshotBuild());
    opts.only = opts.only.filter((id) => id !== 'soak');
    if (opts.only.length === 0) return;
  }
  const loadBefore = os.loadavg()[0];
  const corpus = ensureCorpus(opts.size, log);
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dstream-bench-run-'));
  process.on('exit', () => fs.rmSync(workDir, { recursive: true, force: true }));
  const bin = opts.dstream ?? snapshotBuild();
  smokeTest(bin, workDir);
  const tools = { mawk: which('mawk'), gawk: which('gawk'), wc: which('wc') };
  for (const a of ['mawk', 'gawk']) if (!tools[a]) log(`note: ${a} not found, its baselines are skipped`);

  const inputs = corpus.files;
  const groups = defineGroups(bin, tools);

  const wanted = (id, group) => !opts.only || opts.only.includes(id.toLowerCase()) || (group && opts.only.includes(group));
  const selected = {
    jobs: groups.jobs.filter((g) => wanted(g.id)),
    scale: groups.scale.filter((g) => wanted(g.id, 'scale')),
    floor: wanted('floor') ? [groups.floor] : [],
    state: wanted('state') ? [groups.state] : [],
  };
  const all = Object.values(selected).flat();
  const rowsWanted = wanted('rows');
  const startupWanted = wanted('startup');
  if (all.length === 0 && !rowsWanted && !startupWanted) throw new Error(`--only ${opts.only.join(',')} selects nothing`);

  const done = {};
  const t0 = Date.now();
  for (const [kind, list] of Object.entries(selected)) {
    done[kind] = [];
    for (const g of list) {
      log(`${g.id}: ${g.title} (${opts.runs} runs)`);
      done[kind].push(await runGroup(g, inputs[g.input].path, opts.runs, workDir));
    }
  }

  // Row output: bench/rows.js on the build under test (rows/s of formatting and writing, tsv and json).
  let rowsText = '';
  let rowsSpeedUps = null;
  if (rowsWanted) {
    log(`rows: formatting and writing 810,000 windowed rows (${opts.runs} runs)`);
    const dist = path.join(path.dirname(path.dirname(bin)), 'dist');
    const json = path.join(workDir, 'rows.json');
    rowsText = execFileSync(NODE, [path.join(BENCH, 'rows.js'), '--runs', String(opts.runs), '--json', json], { encoding: 'utf8', env: { ...process.env, DSTREAM_DIST: dist } });
    rowsSpeedUps = JSON.parse(fs.readFileSync(json, 'utf8'));
  }

  // Start-up: bench/startup.js on the build under test (CPU time to the ms with perf), ÷ `node -e 0`.
  let startupText = '';
  let startup = null;
  if (startupWanted) {
    const runs = opts.quick ? 10 : 30;
    log(`startup: \`echo x | dstream --count\` vs \`node -e 0\` (${runs} runs)`);
    const json = path.join(workDir, 'startup.json');
    const vs = opts.startupVs ? ['--vs', opts.startupVs] : [];
    startupText = execFileSync(NODE, [path.join(BENCH, 'startup.js'), '--bin', bin, '--runs', String(runs), ...vs, '--json', json], { encoding: 'utf8' });
    startup = JSON.parse(fs.readFileSync(json, 'utf8'));
  }

  const md = [];
  md.push(`# dstream benchmark results (${opts.size})\n`);
  md.push(`Generated by \`bench/run.js\` (${((Date.now() - t0) / 60000).toFixed(1)} min). Regenerate with \`npm run bench\` (100 MB, 5 runs),` +
    ` \`npm run bench -- --size 1g\`, or \`--size 10m --runs 3\` for a quick try.\n`);
  md.push('## Machine\n');
  md.push(machineSection(opts, corpus, tools, bin, loadBefore) + '\n');
  md.push(NOTES + '\n');
  md.push('## Issue 21 targets, from this run\n');
  md.push(targetsSection(done, rowsSpeedUps, startup) + '\n');
  if (done.jobs.length) {
    md.push('## Summary: time ratios dstream ÷ baseline (> 1: dstream slower)\n');
    md.push(summaryTable(done.jobs, corpus) + '\n');
  }
  const dstreamStderr = Object.values(done).flat().map((g) => [g.id, g.results[0].stderr?.trim()]).filter(([, e]) => e);
  if (dstreamStderr.length) {
    md.push("dstream's stderr (warm-up runs):\n");
    for (const [id, e] of dstreamStderr) md.push(`- ${id}: \`${e.split('\n').slice(0, 3).join(' / ').slice(0, 300)}\``);
    md.push('');
  }
  for (const g of done.jobs) {
    md.push(`## ${g.id}: ${g.title}\n`);
    md.push(`Input: ${g.input} (${(corpus.files[g.input].bytes / 1e6).toFixed(1)} MB, ${corpus.files[g.input].lines.toLocaleString('en-US')} lines), ${g.results[0].times.length} timed runs each.\n`);
    md.push(groupTable(g, corpus.files[g.input]) + '\n');
  }
  if (done.scale.length) {
    md.push('## Window scaling (event time, access log)\n');
    md.push('The same job with the slide shrinking from 5 min to 1 s under a 1 h window (12, 60 and 3,600 windows per record)' +
      ' with an invertible (`sum`) and a non-invertible (`max`) reducer on `[status, bytes]` pairs. "dstream ÷ dstream 1h/5m"' +
      ' shows how dstream\'s cost grows with windows per record; "node panes" is a pane-based hand-written reference whose cost' +
      ' does not grow (1h/1s emits ~90,000 windows × statuses, so part of that row is output).\n');
    md.push(scaleTable(done.scale, corpus) + '\n');
  }
  for (const g of [...done.floor, ...done.state]) {
    md.push(`## ${g.title}\n`);
    if (g.id === 'floor') md.push('dstream `--count` over the access log against programs that only count lines: the lowest time any line-oriented tool can reach here.\n');
    if (g.id === 'state') md.push('1,000,000 distinct keys in one batch; peak RSS is the point.\n');
    md.push(groupTable(g, inputs[g.input]) + '\n');
  }
  if (startupText) {
    md.push("## Start-up: `echo x | dstream --count` vs `node -e 0`\n");
    md.push(`\`node bench/startup.js --bin <the copy under test> --runs ${startup.runs}\`: stdin a file holding one line \`x\`, stdout and stderr /dev/null;` +
      ` wall time from spawn to exit, CPU time (user + system) from ${startup.cpuSource}; medians of interleaved runs.\n`);
    md.push(startupText.split('\n').filter((l) => l.startsWith('|')).join('\n') + '\n');
  }
  if (rowsText) {
    md.push('## Row output: formatting and writing rows\n');
    md.push('`node bench/rows.js`: the real FormatSink and StreamOutput write 810,000 `[status, bytes]` rows in window groups of 12' +
      ' (the output of the 1 h window sliding every 1 s) to /dev/null; rows/s of CPU time (user + system) and of wall time, medians;' +
      ' "55f925d" is the row output before issue 21 (bench/baselines/rows-55f925d), run interleaved with this build.\n');
    md.push(rowsText.split('\n').filter((l) => l.startsWith('|')).join('\n') + '\n');
    // The speed-up lines: this build ÷ issue 21's baseline (bench/baselines/rows-55f925d).
    md.push(rowsText.split('\n').filter((l) => / speed-up /.test(l)).map((l) => `- ${l}`).join('\n') + '\n');
  }
  md.push('## Commands\n');
  md.push(commandsSection(all) + (startupText ? "\n- **startup** (stdin: a file holding `x`): `dstream --count` against `node -e 0`" : '') + '\n');
  const problems = mismatchSection(Object.values(done).flat());
  md.push('## Mismatches and problems\n');
  md.push((problems || 'None: every baseline printed the same answer as dstream, and every timed run exited 0 with the same output as its warm-up.') + '\n');

  // Sections other scripts append (bench/distributed.js, the --workers figures) are kept, measured separately.
  const kept = keptSections(opts.out);
  const text = md.join('\n') + (kept ? `\n${kept}` : '');
  fs.writeFileSync(opts.out, text);
  process.stdout.write(text);
  log(`\nwritten to ${path.relative(process.cwd(), opts.out) || opts.out}`);
}

main().catch((e) => {
  log(`bench: ${e.message}`);
  process.exit(1);
});

/** Sections of an existing results file that this script does not write (from `## Parallelism` or `## Distributed mode` on). */
function keptSections(file) {
  let old;
  try {
    old = fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
  const at = old.search(/^## (Parallelism|Distributed mode)/m);
  return at < 0 ? '' : old.slice(at);
}
