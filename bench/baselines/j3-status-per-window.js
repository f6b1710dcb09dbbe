/**
 * J3 baseline: requests per (5-minute event-time window, HTTP status) over an
 * Apache access log on stdin.
 *
 * Idiomatic Node.js: readline + Map keyed by "windowStart status". The event
 * time is the `[17/May/2015:10:05:03 +0000]` field, parsed by hand (Date
 * cannot parse it). Windows are tumbling, aligned to the epoch.
 * Output: `windowStart(ISO 8601 UTC)<TAB>status<TAB>count`.
 */
import readline from 'node:readline';

const WINDOW_MS = 5 * 60 * 1000;
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
  const windowStart = t - (t % WINDOW_MS);
  const key = `${windowStart} ${line.split(' ')[8]}`;
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

let out = '';
for (const [key, n] of counts) {
  const [start, status] = key.split(' ');
  out += `${new Date(+start).toISOString()}\t${status}\t${n}\n`;
}
process.stdout.write(out);
