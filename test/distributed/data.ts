/**
 * Real-data inputs for the distributed tests, derived from the bundled
 * data/elastic-examples/apache_logs (10,000 Apache combined-log lines of
 * 17–20 May 2015, out of order by up to 59 s).
 */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../helpers/run-cli.js';

export const APACHE = `${ROOT}/data/elastic-examples/apache_logs`;

/** The job most tests run: requests per HTTP status per 5-minute event-time window. */
export const STATUS_JOB = ['--event-time', 'l => l.split("[")[1].split("]")[0]', '--map', 'l => l.split(" ")[8]',
  '--count-by-value', '--window', '5m', '--watermark', '1m'];

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const TS = /\[(\d\d)\/([A-Z][a-z]{2})\/(\d{4}):(\d\d):(\d\d):(\d\d) \+0000\]/;
const DAY = 86_400_000;

const pad = (n: number) => String(n).padStart(2, '0');

/** `[dd/Mon/yyyy:HH:MM:SS +0000]` shifted forward by `ms`. */
export function shiftApacheTime(stamp: string, ms: number): string {
  const m = TS.exec(stamp);
  if (!m) return stamp;
  const t = Date.UTC(Number(m[3]), MONTHS.indexOf(m[2]!), Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6])) + ms;
  const d = new Date(t);
  return `[${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000]`;
}

const cache = new Map<string, string>();
const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'dstream-data-'));
  dirs.push(d);
  return d;
}

/** Removes every file built here (the 1M-line file is ~240 MB); call in afterAll. */
export function removeDataFiles(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  cache.clear();
}

/**
 * A temp file of `copies` concatenated copies of apache_logs, copy i with every
 * timestamp shifted forward by i × 4 days: 100 copies = 1,000,000 lines over
 * ~400 days, still only as out of order as the original. Built once per process
 * (until removeDataFiles()).
 */
export function bigApacheLog(copies: number): string {
  const key = `big:${copies}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const lines = readFileSync(APACHE, 'utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  // Split each line once around its timestamp; only the stamp changes per copy.
  const parts = lines.map((l) => {
    const m = TS.exec(l);
    return m ? { pre: l.slice(0, m.index), stamp: m[0], post: l.slice(m.index + m[0].length) } : { pre: l, stamp: '', post: '' };
  });
  const path = join(tempDir(), `apache_logs.x${copies}`);
  const fd = openSync(path, 'w');
  try {
    for (let i = 0; i < copies; i++) {
      const shifted = new Map<string, string>();
      const out: string[] = [];
      for (const p of parts) {
        let s = '';
        if (p.stamp) {
          s = shifted.get(p.stamp) ?? shiftApacheTime(p.stamp, i * 4 * DAY);
          shifted.set(p.stamp, s);
        }
        out.push(p.pre + s + p.post);
      }
      writeSync(fd, out.join('\n') + '\n');
    }
  } finally {
    closeSync(fd);
  }
  cache.set(key, path);
  return path;
}
