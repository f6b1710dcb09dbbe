/**
 * `--workers N` with packed partials (engine/partial-codec.ts, merged per key partition in every
 * thread: engine/workers-merge.ts): random files — keys ASCII, accented, CJK, emoji, empty, lone
 * surrogates (which are not packed) — cut into 2 to 4 parts at the line ends nearest to their
 * N-ths, give the stdout, stderr and exit code of one thread, byte for byte.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { runWithStdinFile } from '../helpers/run-file.js';

const dir = mkdtempSync(join(tmpdir(), 'dstream-workers-packed-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

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
  it('give one thread\'s stdout, stderr and exit code on random files, any cut (property, against --workers 1)', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(line, { maxLength: 120 }), fc.integer({ min: 0, max: jobs.length - 1 }), fc.integer({ min: 2, max: 4 }), async (lines, job, n) => {
        const file = join(dir, `in-${run++}.txt`);
        writeFileSync(file, lines.map((l) => `${l}\n`).join(''));
        const one = await runWithStdinFile(['--workers', '1', ...jobs[job]!], file);
        const many = await runWithStdinFile(['--workers', String(n), ...jobs[job]!], file);
        expect({ stdout: many.stdout, stderr: many.stderr, code: many.code }).toEqual({ stdout: one.stdout, stderr: one.stderr, code: one.code });
      }),
      { numRuns: 12 },
    );
  }, 240_000);
});
