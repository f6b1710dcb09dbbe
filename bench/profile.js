/**
 * bench/profile.js — top self-time functions of a V8 .cpuprofile.
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/dstream-prof bin/dstream.js --batch 20d \
 *     --map 'l => l.split(" ")[8]' --count-by-value --format tsv < /tmp/dstream-bench-100m/access.log
 *   node bench/profile.js /tmp/dstream-prof/CPU.*.cpuprofile [N]
 *
 * Self time of a sample is the time delta V8 recorded for it (timeDeltas),
 * attributed to the innermost frame; frames are merged by function name,
 * file and line. Prints the N (default 25) largest as a Markdown table with
 * the share of the profile, plus self time summed per file.
 */
import fs from 'node:fs';
import path from 'node:path';

const [file, nText] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/profile.js FILE.cpuprofile [N]');
  process.exit(2);
}
const top = Number(nText ?? 25);
const prof = JSON.parse(fs.readFileSync(file, 'utf8'));

const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const selfUs = new Map(); // node id → µs
for (let i = 0; i < prof.samples.length; i++) {
  const id = prof.samples[i];
  selfUs.set(id, (selfUs.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0));
}

const shortUrl = (url) => {
  if (!url) return '';
  const u = url.replace(/^file:\/\//, '');
  const i = u.indexOf('/dist/');
  if (i >= 0) return u.slice(i + 1);
  const j = u.indexOf('/node_modules/');
  return j >= 0 ? u.slice(j + 1) : u.startsWith('node:') ? u : path.basename(u);
};

const byFn = new Map();
const byFile = new Map();
let total = 0;
for (const [id, us] of selfUs) {
  const { functionName, url, lineNumber } = byId.get(id).callFrame;
  const where = shortUrl(url);
  const key = `${functionName || '(anonymous)'}\t${where}${where ? ':' + (lineNumber + 1) : ''}`;
  byFn.set(key, (byFn.get(key) ?? 0) + us);
  const f = where || functionName; // (garbage collector), (program), (idle)
  byFile.set(f, (byFile.get(f) ?? 0) + us);
  total += us;
}

const pct = (us) => ((100 * us) / total).toFixed(1);
console.log(`profile: ${file}, ${(total / 1e6).toFixed(2)} s sampled\n`);
console.log('| self ms | % | function | where |\n|--:|--:|---|---|');
for (const [key, us] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  const [fn, where] = key.split('\t');
  console.log(`| ${(us / 1000).toFixed(0)} | ${pct(us)} | \`${fn}\` | ${where} |`);
}
console.log('\n| self ms | % | file |\n|--:|--:|---|');
for (const [f, us] of [...byFile].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
  console.log(`| ${(us / 1000).toFixed(0)} | ${pct(us)} | ${f} |`);
}
