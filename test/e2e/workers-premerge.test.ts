/**
 * `--workers N` without windows and with a built-in combine: the partials are merged in the
 * threads and pushed once per key, with no second reduce in the main thread (engine/workers.ts).
 * Keys of every kind (objects, arrays, numbers beside their text, null), random files cut into 2
 * to 4 parts: stdout, stderr and exit code are one thread's, byte for byte (property).
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { sameAsOneThread } from '../helpers/workers-property.js';

const word = fc.constantFrom('a', 'b', '1', '22', 'é', '日本', '');
const line = fc.array(word, { maxLength: 5 }).map((ws) => ws.join(' '));

const jobs: string[][] = [
  // object keys: grouped by their JSON text, the first object seen printed
  ['--map', 'l => [{ n: l.length % 3, w: l.split(" ")[0] }, 1]', '--reduce-by-key', 'sum', '--format', 'json'],
  // 1 and "1" are different keys
  ['--map', 'l => [l.length % 2 ? String(l.length % 4) : l.length % 4, l.length]', '--reduce-by-key', 'max', '--format', 'json'],
  // arrays as records, counted by value, then the top 3
  ['--flat-map', 'l => l.split(" ").map((w) => [w.length, w])', '--count-by-value', '--top', '3', '--format', 'tsv'],
  // null keys beside strings
  ['--map', 'l => (l.length % 3 ? l.split(" ")[0] : null)', '--count-by-value', '--format', 'json'],
  ['--map', 'l => [l.split(" ")[1] ?? "none", l.length]', '--reduce-by-key', 'min', '--map', 'p => p[0] + "=" + p[1]', '--format', 'text'],
];

describe('--workers N, partials merged once per key', () => {
  it('give one thread\'s stdout, stderr and exit code for keys of every kind (property, against --workers 1)', () =>
    sameAsOneThread({ prefix: 'dstream-workers-premerge-', line, maxLines: 80, jobs, flags: ['--batch', '1d'] }), 240_000);
});
