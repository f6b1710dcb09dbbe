/**
 * `--stats` with `--workers N`: the batch line counts the records the threads read, as one thread
 * counts its lines, not the merged rows the threads hand over ("1 in" for a `--count` was the
 * breaker's finding). The "in" and "out" of every batch line equal one thread's, on the bundled
 * access log (four copies) and on the bundled tweets' JSON.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/run-cli.js';
import { runWithStdinFile } from '../helpers/run-file.js';

const dir = mkdtempSync(join(tmpdir(), 'dstream-workers-stats-'));
const ACCESS = join(dir, 'access4.log');

beforeAll(() => writeFileSync(ACCESS, readFileSync(join(ROOT, 'data/elastic-examples/apache_logs'), 'utf8').repeat(4)));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The "in" and "out" of each --stats batch line (its rates and times vary from run to run). */
const inOut = (stderr: string): string[] => [...stderr.matchAll(/batch [\d,]+ · [\d,]+ in, [\d,]+ out/g)].map((m) => m[0]);

describe('--stats with --workers N', () => {
  it.each([
    ['a count', ['--count', '--format', 'tsv']],
    ['a count by value', ['--map', 'l => field(l, 9)', '--count-by-value', '--format', 'tsv']],
    ['a reduce by key', ['--map', 'l => [field(l, 1), +field(l, 10) || 0]', '--reduce-by-key', 'sum', '--format', 'tsv']],
  ])('%s: records in as one thread reads them', async (_name, args) => {
    const one = await runWithStdinFile([...args, '--stats', '--workers', '1'], ACCESS);
    const two = await runWithStdinFile([...args, '--stats', '--workers', '2'], ACCESS);
    expect(one.code, one.stderr).toBe(0);
    expect(inOut(one.stderr)).toEqual(['batch 1 · 40,000 in, ' + inOut(one.stderr)[0]!.split(' in, ')[1]]);
    expect({ stdout: two.stdout, batches: inOut(two.stderr), code: two.code }).toEqual({ stdout: one.stdout, batches: inOut(one.stderr), code: 0 });
  });
});
