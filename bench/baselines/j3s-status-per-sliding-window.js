/**
 * J3s baseline: requests per (1-hour event-time window sliding every
 * 5 minutes, HTTP status) over an Apache access log on stdin.
 *
 * Idiomatic Node.js: readline + Map; each request is added to each of the
 * 12 windows `[k·5min, k·5min + 1h)` that contain it (the straightforward
 * way, no panes). Output: `windowStart(ISO 8601 UTC)<TAB>status<TAB>count`.
 */
import readline from 'node:readline';
import { lineTime, printWindowCounts } from './access-windows.js';

const WINDOW_MS = 60 * 60 * 1000;
const SLIDE_MS = 5 * 60 * 1000;

const counts = new Map();

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of rl) {
  const t = lineTime(line);
  const status = line.split(' ')[8];
  const lastStart = t - (t % SLIDE_MS);
  for (let start = lastStart; start > t - WINDOW_MS; start -= SLIDE_MS) {
    const key = `${start} ${status}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
}

printWindowCounts(counts);
