/**
 * "node sync" baselines of J1, J2 and J4: the same answers as the readline
 * scripts beside this file, from a hand-tuned synchronous reader, the fastest
 * plain Node.js a user could write: `fs.readSync` of 1 MiB blocks from stdin,
 * one UTF-8 decode per block, lines cut with `indexOf`, a Map of counts.
 *
 *   node bench/baselines/sync-reader.js j1|j2|j4 < input
 *
 * j1: top 10 hashtags (`/#[\p{L}\p{M}\p{N}_]+/gu`, lower-cased); j2: requests
 * per status (field 9); j4: bytes (field 10, `-` is 0) per IP (field 1), top
 * 10. Top 10 orders by count descending, ties by key ascending (dstream's --top).
 */
import { readSync } from 'node:fs';

const job = process.argv[2];
const HASHTAG = /#[\p{L}\p{M}\p{N}_]+/gu;
const counts = new Map();

const perLine = {
  j1: (line) => {
    for (const m of line.matchAll(HASHTAG)) {
      const tag = m[0].toLowerCase();
      counts.set(tag, (counts.get(tag) ?? 0) + 1);
    }
  },
  j2: (line) => {
    const status = line.split(' ')[8];
    counts.set(status, (counts.get(status) ?? 0) + 1);
  },
  j4: (line) => {
    const f = line.split(' ');
    counts.set(f[0], (counts.get(f[0]) ?? 0) + (+f[9] || 0));
  },
}[job];
if (!perLine) throw new Error(`usage: sync-reader.js j1|j2|j4 < input (got ${job})`);

const buf = Buffer.allocUnsafe(1 << 20);
let rest = Buffer.alloc(0);
for (;;) {
  let n;
  try {
    n = readSync(0, buf, 0, buf.length, null);
  } catch (e) {
    if (e.code === 'EAGAIN') continue;
    if (e.code === 'EOF') break;
    throw e;
  }
  if (n === 0) break;
  const last = buf.lastIndexOf(10, n - 1);
  if (last === -1) {
    rest = Buffer.concat([rest, buf.subarray(0, n)]);
    continue;
  }
  const text = (rest.length ? Buffer.concat([rest, buf.subarray(0, last)]) : buf.subarray(0, last)).toString('utf8');
  rest = Buffer.from(buf.subarray(last + 1, n));
  let pos = 0;
  for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', pos)) {
    perLine(text.slice(pos, nl));
    pos = nl + 1;
  }
  perLine(text.slice(pos));
}
if (rest.length) perLine(rest.toString('utf8'));

const entries = [...counts];
const top = job === 'j2' ? entries : entries.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).slice(0, 10);
process.stdout.write(top.map(([k, n]) => `${k}\t${n}\n`).join(''));
