/**
 * J3s baseline: requests per (1-hour event-time window sliding every
 * 5 minutes, HTTP status) over an Apache access log on stdin.
 *
 * Idiomatic Node.js: readline + Map; each request is added to each of the
 * 12 windows `[k·5min, k·5min + 1h)` that contain it (the straightforward
 * way, no panes). Output: `windowStart(ISO 8601 UTC)<TAB>status<TAB>count`.
 */
import readline from 'node:readline';

const WINDOW_MS = 60 * 60 * 1000;
const SLIDE_MS = 5 * 60 * 1000;
const MONTHS = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };

/** Epoch ms of an Apache time such as `17/May/2015:10:05:03 +0000`. */
function apacheTime(s) {
  const utc = Date.UTC(+s.slice(7, 11), MONTHS[s.slice(3, 6)], +s.slice(0, 2), +s.slice(12, 14), +s.slice(15, 17), +s.slice(18, 20));
  const offsetMin = (+s.slice(22, 24) * 60 + +s.slice(24, 26)) * (s[21] === '-' ? -1 : 1);
  return utc - offsetMin * 60000;
}

const counts = new Map();

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of rl) {
  const t = apacheTime(line.slice(line.indexOf('[') + 1, line.indexOf(']')));
  const status = line.split(' ')[8];
  const lastStart = t - (t % SLIDE_MS);
  for (let start = lastStart; start > t - WINDOW_MS; start -= SLIDE_MS) {
    const key = `${start} ${status}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
}

let out = '';
for (const [key, n] of counts) {
  const [start, status] = key.split(' ');
  out += `${new Date(+start).toISOString()}\t${status}\t${n}\n`;
}
process.stdout.write(out);
