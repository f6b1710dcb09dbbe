/**
 * bench/workers-merge.js — CPU time of the merge of `--workers` partials, the part of a thread
 * job that runs after every thread has read its part (not part of `npm run bench`).
 *
 *   node bench/workers-merge.js [--size 100m] [--runs 7] [--threads 2]
 *
 * The partials are real: J1's (top hashtags, `--flat-map 't => hashtags(t)' --count-by-value`) over
 * the line-aligned N-ths of the tweets corpus of bench/corpus.js, each made by a `MapSideCombiner`
 * (dist/, so run `npm run build` first). Then each merge runs once in a fresh process (as in a job:
 * before V8 has optimised it), the two kinds interleaved, medians of CPU ms:
 *   - clone + map:  the threads' results as posted before packed partials (keys and partials as two
 *                   arrays: a structured clone, serialised by the thread, read by the main thread;
 *                   the main thread's own part is not cloned), merged in one map, keys in first-seen
 *                   order;
 *   - packed:       each thread's partials packed into N key partitions (engine/partial-codec.ts),
 *                   each partition merged (engine/workers-merge.ts), decoded and put in first-seen
 *                   order. `on main` is what the main thread runs when each thread merges its own
 *                   partition: its own packing, the merge of partition 0, the decoding and ordering;
 *                   `critical` adds the slowest other partition's merge (they run at once).
 * Both give the same keys in the same order with the same counts (checked).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCorpus } from './corpus.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { MapSideCombiner } = await import(path.join(REPO, 'dist/engine/map-side-combine.js'));
const { encodePartitions } = await import(path.join(REPO, 'dist/engine/partial-codec.js'));
const { inRankOrder, mergedOf, mergePartition, premerge } = await import(path.join(REPO, 'dist/engine/workers-merge.js'));

const opt = { size: '100m', runs: 7, threads: 2, child: undefined };
for (let i = 2; i < process.argv.length; i += 2) opt[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
const n = Number(opt.threads);

const text = fs.readFileSync(ensureCorpus(opt.size).files.tweets.path, 'utf8');
const parts = [];
for (let i = 0, from = 0; i < n; i++) {
  const to = i === n - 1 ? text.length : text.indexOf('\n', Math.floor((text.length * (i + 1)) / n)) + 1;
  const c = new MapSideCombiner({ prefix: [{ op: 'flat-map', source: 't => hashtags(t)' }], aggregation: { op: 'count-by-value' }, paneMs: Number.MAX_SAFE_INTEGER, watermarkDelayMs: 0, onError: 'skip' });
  for (const l of text.slice(from, to).split('\n')) if (l) c.line(l);
  const [[, entries]] = c.take();
  parts.push({ keys: entries.map((e) => e[0]), values: entries.map((e) => e[1]) });
  from = to;
}

const add = (a, b) => a + b;
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

function cloneAndMap() {
  // The main thread's own part is not cloned; the others were posted by their threads.
  const results = parts.map((p, i) => ({ start: i, partials: [[0, ...(i === 0 ? [p.keys, p.values] : structuredClone([p.keys, p.values]))]] }));
  const out = [];
  for (const [k, v] of premerge(results, add)) out.push([k, v]);
  return out;
}

function packed() {
  let t = cpuMs();
  const chunks = parts.map((p) => encodePartitions(p.keys, p.values, n));
  const packOne = (cpuMs() - t) / n;
  const mergeMs = [];
  const merged = [];
  for (let p = 0; p < n; p++) {
    t = cpuMs();
    merged.push(mergePartition(chunks.map((c) => c[p]), add));
    mergeMs.push(cpuMs() - t);
  }
  t = cpuMs();
  const out = [];
  inRankOrder(merged.map(mergedOf), (k, v) => out.push([k, v]));
  const order = cpuMs() - t;
  return { out, onMain: packOne + mergeMs[0] + order, critical: packOne + Math.max(...mergeMs) + order, total: packOne * n + mergeMs.reduce((a, b) => a + b, 0) + order };
}

// Each measurement in a fresh process (--child): a job merges once, before V8 has optimised the
// merge, so warm figures from a loop would flatter both merges (the packed one most).
if (opt.child) {
  const t = cpuMs();
  if (opt.child === 'clone') {
    cloneAndMap();
    console.log(JSON.stringify({ clone: cpuMs() - t }));
  } else {
    const p = packed();
    console.log(JSON.stringify({ onMain: p.onMain, critical: p.critical, total: p.total }));
  }
} else {
  const { execFileSync } = await import('node:child_process');
  const self = fileURLToPath(import.meta.url);
  const child = (kind) => JSON.parse(execFileSync(process.execPath, [self, '--size', opt.size, '--threads', String(n), '--child', kind], { encoding: 'utf8' }));
  const a = cloneAndMap();
  const b = packed().out;
  if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error('the two merges differ');
  const r = { clone: [], onMain: [], critical: [], total: [] };
  for (let i = 0; i < Number(opt.runs); i++) {
    for (const kind of i % 2 ? ['packed', 'clone'] : ['clone', 'packed']) for (const [k, v] of Object.entries(child(kind))) r[k].push(v);
  }
  console.log(`${n} parts of the tweets corpus (${opt.size}), ${parts.map((p) => p.keys.length).join(' + ')} partials, ${a.length} keys merged; ${opt.runs} fresh processes each, medians of CPU ms`);
  console.log(`clone + map:  ${median(r.clone).toFixed(1)} ms (critical path: the threads' clones, then the main thread)`);
  console.log(`packed:       ${median(r.onMain).toFixed(1)} ms on main, ${median(r.critical).toFixed(1)} ms critical path, ${median(r.total).toFixed(1)} ms in all threads`);
}
