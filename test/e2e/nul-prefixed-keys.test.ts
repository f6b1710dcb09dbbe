/**
 * A string key that begins like the internal encoding of an object key (NUL + `obj:`) is a string:
 * it was printed as null and merged with every other such string (breaker, stop 27), and `--workers`
 * merged differently from one thread.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runWithStdinFile } from '../helpers/run-file.js';

const dir = mkdtempSync(join(tmpdir(), 'dstream-nulkeys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `n` rounds of the three lines (a NUL-prefixed plain string, one that looks like an encoded object, and `x`). */
function file(name: string, n: number): string {
  const path = join(dir, name);
  writeFileSync(path, '\0obj:a\n\0obj:{"a":1}\nx\n'.repeat(n));
  return path;
}

describe('string keys starting with NUL + obj:', () => {
  it('--count-by-value keeps each such string its own key (json, one thread)', async () => {
    const r = await runWithStdinFile(['--count-by-value', '--format', 'json'], file('small.txt', 2));
    expect(r.code).toBe(0);
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { key: unknown; value: number }).map((o) => [o.key, o.value]);
    expect(rows).toEqual([['\0obj:a', 2], ['\0obj:{"a":1}', 2], ['x', 2]]);
  });

  it('--reduce-by-key over [line, 1] pairs gives the same keys', async () => {
    const r = await runWithStdinFile(['--map', 'l => [l, 1]', '--reduce-by-key', '(a, b) => a + b', '--format', 'json'], file('pairs.txt', 3));
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { key: unknown; value: number }).map((o) => [o.key, o.value]);
    expect(rows).toEqual([['\0obj:a', 3], ['\0obj:{"a":1}', 3], ['x', 3]]);
  });

  it('--workers 2 prints what one thread prints on a file split between threads', async () => {
    const big = file('big.txt', 400_000); // 7.2 MB: split between the threads
    const one = await runWithStdinFile(['--count-by-value', '--format', 'tsv', '--workers', '1'], big);
    const two = await runWithStdinFile(['--count-by-value', '--format', 'tsv', '--workers', '2'], big);
    expect(one.stdout).toBe('\0obj:a\t400000\n\0obj:{"a":1}\t400000\nx\t400000\n');
    expect({ stdout: two.stdout, code: two.code }).toEqual({ stdout: one.stdout, code: 0 });
  });
});
