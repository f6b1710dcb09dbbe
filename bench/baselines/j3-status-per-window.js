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
import { lineTime, printWindowCounts } from './access-windows.js';

const WINDOW_MS = 5 * 60 * 1000;

const counts = new Map();

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of rl) {
  const t = lineTime(line);
  const windowStart = t - (t % WINDOW_MS);
  const key = `${windowStart} ${line.split(' ')[8]}`;
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

printWindowCounts(counts);
