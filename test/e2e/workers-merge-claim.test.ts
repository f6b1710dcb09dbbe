/**
 * `--workers N` when a thread comes to its key partition after the main thread took it (a thread
 * starved of CPU on a busy machine; forced with `DSTREAM_FAULT=workers-starved-merge`, where every
 * worker thread waits until the main thread has claimed its partition): the main thread merges
 * every partition itself, and stdout, stderr and exit code are one thread's, byte for byte.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { runWithStdinFile } from '../helpers/run-file.js';

const dir = mkdtempSync(join(tmpdir(), 'dstream-workers-claim-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const word = fc.constantFrom('a', 'b', '#x', '#X', 'é', '日本', '😀', '0', '');
const line = fc.array(word, { maxLength: 5 }).map((ws) => ws.join(' '));

/** Jobs whose partials are packed (string keys, number partials). */
const jobs: string[][] = [
  ['--flat-map', 'l => l.split(" ")', '--count-by-value', '--format', 'json'],
  ['--map', 'l => [l.split(" ")[0], l.length]', '--reduce-by-key', 'sum', '--format', 'tsv'],
  ['--flat-map', 'l => l.split(" ")', '--count-by-value', '--top', '3', '--format', 'tsv'],
];

describe('--workers N, partitions left to the main thread', () => {
  it('give one thread\'s stdout, stderr and exit code (property, against --workers 1)', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(line, { minLength: 1, maxLength: 100 }), fc.integer({ min: 0, max: jobs.length - 1 }), fc.integer({ min: 2, max: 4 }), async (lines, job, n) => {
        const file = join(dir, `in-${run++}.txt`);
        writeFileSync(file, lines.map((l) => `${l}\n`).join(''));
        const one = await runWithStdinFile(['--workers', '1', ...jobs[job]!], file);
        const many = await runWithStdinFile(['--workers', String(n), ...jobs[job]!], file, { DSTREAM_FAULT: 'workers-starved-merge' });
        expect({ stdout: many.stdout, stderr: many.stderr, code: many.code }).toEqual({ stdout: one.stdout, stderr: one.stderr, code: one.code });
      }),
      { numRuns: 8 },
    );
  }, 240_000);
});
