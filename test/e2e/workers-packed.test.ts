/**
 * `--workers N` with packed partials (engine/partial-codec.ts, merged per key partition in every
 * thread: engine/workers-merge.ts): random files — keys ASCII, accented, CJK, emoji, empty, lone
 * surrogates (which are not packed) — cut into 2 to 4 parts at the line ends nearest to their
 * N-ths, give the stdout, stderr and exit code of one thread, byte for byte.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { sameAsOneThread } from '../helpers/workers-property.js';

const word = fc.constantFrom('a', 'b', 'ab', '#x', '#X', 'é', 'e\u0301', '日本', '😀', '\ud83d', '0', '-1', '2.5', '1e400', '');
const line = fc.array(word, { maxLength: 6 }).map((ws) => ws.join(' '));

/** Jobs whose partials are packed (string keys, number partials), one with number keys (not packed), one with both. */
const jobs: string[][] = [
  ['--flat-map', 'l => l.split(" ")', '--count-by-value', '--format', 'json'],
  ['--map', 'l => [l.split(" ")[0], l.length]', '--reduce-by-key', 'sum', '--format', 'tsv'],
  ['--map', 'l => [l.split(" ")[0], +l.split(" ")[1]]', '--reduce-by-key', 'max', '--format', 'csv'],
  ['--flat-map', 'l => l.split(" ")', '--count-by-value', '--top', '3', '--format', 'tsv'],
  ['--map', 'l => l.length', '--count-by-value', '--format', 'tsv'],
  // string keys in some parts, number keys in others: the packed parts are unpacked and merged as before
  ['--map', 'l => (l.length % 3 ? l.split(" ")[0] : l.length)', '--count-by-value', '--format', 'json'],
  ['--filter', 'l => l.includes("a")', '--count', '--format', 'tsv'],
];

describe('--workers N, packed partials', () => {
  it('give one thread\'s stdout, stderr and exit code on random files, any cut (property, against --workers 1)', () =>
    sameAsOneThread({ prefix: 'dstream-workers-packed-', line, maxLines: 120, jobs }), 240_000);
});
