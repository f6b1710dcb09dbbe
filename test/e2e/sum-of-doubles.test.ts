/**
 * `sum` of numbers beyond 2^53 that reach it as JavaScript doubles (`--map Number`, `--parse json`):
 * exact, the same in any order and the same as the digit strings give (core/numeric.ts `addNumeric`).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { runWithStdinFile } from '../helpers/run-file.js';

const FIRST = '20000000000000000\n1\n1\n1\n1\n';
const LAST = '1\n1\n1\n1\n20000000000000000\n';
const dir = mkdtempSync(join(tmpdir(), 'dstream-sum-doubles-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sum of doubles beyond 2^53', () => {
  it('--map Number: 2e16 plus four 1s is 20000000000000004 in either order, as without --map', async () => {
    for (const input of [FIRST, LAST]) {
      for (const args of [['--map', 'Number'], []]) {
        const r = await runCli([...args, '--reduce', 'sum', '--format', 'tsv'], input);
        expect([r.code, r.stdout, r.stderr]).toEqual([0, '20000000000000004\n', '']);
      }
    }
  });

  it('--parse json: a number 2e16 sums exactly in any place', async () => {
    for (const input of ['{"v":2e16}\n{"v":1}\n{"v":1}\n', '{"v":1}\n{"v":1}\n{"v":2e16}\n', '{"v":1}\n{"v":2e16}\n{"v":1}\n']) {
      const r = await runCli(['--parse', 'json', '--map', 'r => r.v', '--reduce', 'sum', '--format', 'tsv'], input);
      expect([r.code, r.stdout, r.stderr]).toEqual([0, '20000000000000002\n', '']);
    }
  });

  it('a double beyond 2^53 a function returns adds as the integer it prints as (1.1e23), as the string does', async () => {
    for (const input of ['9007199254740993\nx\n', 'x\n9007199254740993\n']) {
      const r = await runCli(['--map', 'l => (l === "x" ? 1.1e23 : l)', '--reduce', 'sum', '--format', 'tsv'], input);
      expect([r.code, r.stdout, r.stderr]).toEqual([0, '110000009007199254740993\n', '']);
    }
  });

  it('a fraction added to a double beyond 2^53 is refused in either order, as with the strings', async () => {
    for (const input of ['20000000000000000\n0.5\n', '0.5\n20000000000000000\n']) {
      const r = await runCli(['--map', 'Number', '--reduce', 'sum', '--format', 'tsv'], input);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`${Number(input.split('\n')[0])}\n`);
      expect(r.stderr).toMatch(/RangeError: sum cannot be exact: .* adds a fraction to an integer beyond 2\^53/);
    }
  });

  it('--reduce-by-key sum and a window sum are exact too', async () => {
    const byKey = await runCli(['--map', 'l => ["k", Number(l)]', '--reduce-by-key', 'sum', '--format', 'tsv'], FIRST);
    expect([byKey.code, byKey.stdout, byKey.stderr]).toEqual([0, 'k\t20000000000000004\n', '']);
    // Batches end at the markers; a window of two batches adds 2e16 of one batch to 1 of the other.
    const win = await runCli(['--batch-marker', '--', '--batch', '1s', '--map', 'Number', '--reduce', 'sum', '--window', '2s', '--slide', '1s', '--format', 'tsv'], '1\n--\n20000000000000000\n--\n1\n--\n');
    expect([win.code, win.stderr]).toEqual([0, '']);
    expect(win.stdout.trim().split('\n').map((l) => l.split('\t')[1])).toEqual(['1', '20000000000000001', '20000000000000001', '1']);
  });

  it('--workers 2: integers beyond 2^53 that arrive as doubles are summed in threads, exactly', async () => {
    const file = join(dir, 'big.txt');
    const n = 200_000;
    writeFileSync(file, Array.from({ length: n }, (_, i) => (i % 1000 === 0 ? '20000000000000000\n' : '1\n')).join(''));
    const r = await runWithStdinFile(['--workers', '2', '--map', 'Number', '--reduce', 'sum', '--format', 'tsv'], file);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${200n * 20000000000000000n + BigInt(n - 200)}\n`);
    expect(r.stderr).not.toMatch(/not an integer/);
  });
});
