/**
 * The property of the `--workers` e2e tests: on random files, a job run with 2 to 4 threads gives
 * the stdout, stderr and exit code of the same job with one thread, byte for byte.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { expect } from 'vitest';
import { runWithStdinFile } from './run-file.js';

/**
 * Checks the property (fast-check), each file written to a temporary directory removed after.
 * @param o.line the lines of a file; `maxLines` the most lines in one.
 * @param o.jobs the jobs' flags (without `--workers`); `flags` flags given to every job before them.
 * @param o.numRuns files tried (default 12).
 */
export async function sameAsOneThread(o: { prefix: string; line: fc.Arbitrary<string>; maxLines: number; jobs: string[][]; flags?: string[]; numRuns?: number }): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), o.prefix));
  const flags = o.flags ?? [];
  let run = 0;
  try {
    await fc.assert(
      fc.asyncProperty(fc.array(o.line, { maxLength: o.maxLines }), fc.integer({ min: 0, max: o.jobs.length - 1 }), fc.integer({ min: 2, max: 4 }), async (lines, job, n) => {
        const file = join(dir, `in-${run++}.txt`);
        writeFileSync(file, lines.map((l) => `${l}\n`).join(''));
        const one = await runWithStdinFile([...flags, '--workers', '1', ...o.jobs[job]!], file);
        const many = await runWithStdinFile([...flags, '--workers', String(n), ...o.jobs[job]!], file);
        expect({ stdout: many.stdout, stderr: many.stderr, code: many.code }).toEqual({ stdout: one.stdout, stderr: one.stderr, code: one.code });
      }),
      { numRuns: o.numRuns ?? 12 },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
