/**
 * Scaling baseline: per (event-time window, HTTP status), the sum or the
 * maximum of the response bytes, over an Apache access log on stdin, for
 * sliding windows of any length/slide (1h/5m, 1h/1m, 1h/1s).
 *
 *   node window-panes.js --window 3600 --slide 1 --reduce sum|max   (seconds)
 *
 * Written to be fast, not naive: one partial aggregate per (pane, status),
 * pane = slide (the length must be a multiple of the slide); at the end each
 * status's panes are swept once in time order, keeping a running sum (sum)
 * or a monotonic deque (max), so the cost does not grow with length/slide.
 * A window `[k·slide, k·slide + length)` is reported for a status when it
 * holds at least one of its requests — dstream's reduceByKeyAndWindow.
 * Output: `windowStart(ISO 8601 UTC)<TAB>status<TAB>value`.
 */
import readline from 'node:readline';
import { lineTime } from './access-windows.js';

function arg(name, dflt) {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
}
const lengthMs = Number(arg('--window', 3600)) * 1000;
const slideMs = Number(arg('--slide', 300)) * 1000;
const reduce = arg('--reduce', 'sum');
if (lengthMs % slideMs !== 0 || !['sum', 'max'].includes(reduce)) {
  console.error('window-panes.js: --window must be a multiple of --slide; --reduce sum|max');
  process.exit(2);
}
const panesPerWindow = lengthMs / slideMs;
const combine = reduce === 'sum' ? (a, b) => a + b : (a, b) => (b > a ? b : a);

/** status → Map(pane index → aggregate) */
const byStatus = new Map();

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of rl) {
  const t = lineTime(line);
  const f = line.split(' ');
  const bytes = +f[9] || 0;
  let panes = byStatus.get(f[8]);
  if (!panes) byStatus.set(f[8], (panes = new Map()));
  const p = Math.floor(t / slideMs);
  const old = panes.get(p);
  panes.set(p, old === undefined ? bytes : combine(old, bytes));
}

const out = [];
for (const [status, panes] of byStatus) {
  const idx = [...panes.keys()].sort((a, b) => a - b);
  // Window k covers panes k .. k + panesPerWindow - 1. Sweep k over every
  // window that holds a pane: from idx[0] - panesPerWindow + 1 to idx[last].
  let lo = 0; // first pane index (into idx) inside the window
  let hi = 0; // first pane index (into idx) after the window
  let sum = 0;
  const deque = []; // max: positions in idx with decreasing values, live from dequeHead
  let dequeHead = 0;
  let k = idx[0] - panesPerWindow + 1;
  const kEnd = idx[idx.length - 1];
  while (k <= kEnd) {
    while (hi < idx.length && idx[hi] < k + panesPerWindow) {
      const v = panes.get(idx[hi]);
      if (reduce === 'sum') sum += v;
      else {
        while (deque.length > dequeHead && panes.get(idx[deque[deque.length - 1]]) <= v) deque.pop();
        deque.push(hi);
      }
      hi++;
    }
    while (lo < hi && idx[lo] < k) {
      if (reduce === 'sum') sum -= panes.get(idx[lo]);
      else if (deque[dequeHead] === lo) dequeHead++;
      lo++;
    }
    if (lo === hi) {
      k = idx[lo] - panesPerWindow + 1; // empty window: jump to the next one that holds a pane
      continue;
    }
    const value = reduce === 'sum' ? sum : panes.get(idx[deque[dequeHead]]);
    out.push(`${new Date(k * slideMs).toISOString()}\t${status}\t${value}\n`);
    k++;
  }
}
process.stdout.write(out.join(''));
