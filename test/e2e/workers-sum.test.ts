/**
 * `--reduce-by-key sum` / `--reduce sum` in threads (engine/workers.ts, `WorkerTask.integerSums`):
 * a sum of integers (safe integers and `BigInt`s, from numbers or decimal strings) adds exactly in
 * any grouping, so threads give the one-thread stdout and stderr byte for byte; at the first value
 * that is not such an integer the file is read in one thread, so a sum of decimals is the
 * one-thread sum too (with a note on stderr when `--workers N` was asked for). Property-tested
 * against `--workers 1` on generated files.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDecimal } from '../../src/core/numeric.js';
import { runWithStdinFile } from '../helpers/run-file.js';

const dir = mkdtempSync(join(tmpdir(), 'dstream-workers-sum-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const NOTE = /^dstream: note: --workers \d+: the sum has a value that is not an integer, so it depends on the order of additions: the file is read in one thread\n/m;

/** Values as written in the input: mostly integers (some beyond 2^53), sometimes a decimal or a bad value. */
const integer = fc.oneof(
  fc.integer({ min: -1000, max: 1000 }).map(String),
  fc.constantFrom('9007199254740991', '-9007199254740991', '9007199254740993', '123456789012345678901234', '-0', '007', '1e3', '+5'),
  fc.bigInt({ min: -(1n << 70n), max: 1n << 70n }).map(String),
);
const other = fc.constantFrom('0.1', '2.5', '-0.3', '1e20', '1.5e3', 'x', '');
const value = fc.oneof({ weight: 12, arbitrary: integer }, { weight: 1, arbitrary: other });

/** True when the value is added but is not a safe integer or a `BigInt` (the sum then depends on the order). */
function inexact(v: string): boolean {
  const x = parseDecimal(v);
  return typeof x === 'number' && !Number.isSafeInteger(x);
}

let n = 0;
function file(lines: string[]): string {
  const f = join(dir, `in-${n++}.txt`);
  writeFileSync(f, lines.map((l) => `${l}\n`).join(''));
  return f;
}

describe('sums in threads', () => {
  it('give the one-thread stdout and stderr, byte for byte (property, against --workers 1)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd'), value), { minLength: 1, maxLength: 300 }),
        fc.boolean(),
        fc.integer({ min: 2, max: 4 }),
        async (records, global, workers) => {
          const f = file(records.map(([k, v]) => `${k} ${v}`));
          const args = global
            ? ['--map', 'l => field(l, 2)', '--reduce', 'sum', '--format', 'json']
            : ['--map', 'l => [field(l, 1), field(l, 2)]', '--reduce-by-key', 'sum', '--format', 'tsv'];
          const one = await runWithStdinFile(['--workers', '1', ...args], f);
          const many = await runWithStdinFile(['--workers', String(workers), ...args], f);
          expect(many.stdout).toBe(one.stdout);
          expect(many.code).toBe(one.code);
          const noted = NOTE.test(many.stderr);
          expect(many.stderr.replace(NOTE, '')).toBe(one.stderr);
          // The note comes exactly when a value makes the sum order-dependent (the parts it fell in: any).
          expect(noted).toBe(records.some(([, v]) => inexact(v)));
        },
      ),
      { numRuns: 12 },
    );
  });

  it('a decimal in the last part only: one thread after all, said once with --workers N', async () => {
    const lines = [...Array.from({ length: 5000 }, (_, i) => `k${i % 3} ${i}`), 'k1 0.1', 'k1 0.2'];
    const f = file(lines);
    const args = ['--map', 'l => [field(l, 1), field(l, 2)]', '--reduce-by-key', 'sum', '--format', 'tsv'];
    const one = await runWithStdinFile(['--workers', '1', ...args], f);
    const sums = [0, 0, 0];
    for (let i = 0; i < 5000; i++) sums[i % 3] += i;
    expect(one.stdout).toBe(`k0\t${sums[0]}\nk1\t${sums[1]! + 0.1 + 0.2}\nk2\t${sums[2]}\n`);
    const two = await runWithStdinFile(['--workers', '2', ...args], f);
    expect(two.stdout).toBe(one.stdout);
    expect(two.stderr).toBe('dstream: note: --workers 2: the sum has a value that is not an integer, so it depends on the order of additions: the file is read in one thread\n');
    expect(two.code).toBe(0);
  });
});
