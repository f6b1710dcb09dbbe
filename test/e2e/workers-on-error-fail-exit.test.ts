/**
 * `--on-error fail` with a function that throws exits 1 (a runtime failure) in threads as in one:
 * whether the failing line is in the main thread's part or in a worker thread's (breaker's finding:
 * `--workers 2` exited 2, the usage code).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runWithStdinFile } from '../helpers/run-file.js';

const dir = mkdtempSync(join(tmpdir(), 'dstream-workers-fail-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const LINES = 200_000;
const input = join(dir, 'in.txt');
writeFileSync(input, Array.from({ length: LINES }, (_, i) => `${i + 1}\n`).join(''));

describe('--workers with --on-error fail', () => {
  for (const bad of ['5', String(LINES - 5)]) {
    it(`exits 1 when line ${bad} throws, as --workers 1 does`, async () => {
      const args = (w: string) => ['--workers', w, '--map', `l => { if (l === "${bad}") throw new Error("boom"); return l % 3 }`, '--count-by-value', '--on-error', 'fail', '--format', 'tsv'];
      const one = await runWithStdinFile(args('1'), input);
      expect(one.code).toBe(1);
      for (const w of ['2', 'auto']) {
        const r = await runWithStdinFile(args(w), input);
        expect([w, r.code, r.stdout]).toEqual([w, 1, '']);
        expect(r.stderr).toMatch(/boom/);
      }
    });
  }
});
