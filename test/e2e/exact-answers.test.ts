/**
 * End-to-end: answers that must be exact or refused out loud (issue 14) —
 * 64-bit integers, numeric strings, epoch units, CSV records with quoted line
 * breaks, a cut access-log line. Each runs the built binary and compares
 * exact output with an independent count (awk, Python's csv module, Miller).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'dstream-exact-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const APACHE = `${ROOT}/data/elastic-examples/apache_logs`;

describe('--parse combined repairs a user agent cut at the end of the line', () => {
  it('a count per status equals awk\'s (9,126 × 200), the repaired line reported and summarised', async () => {
    const r = await runCli(['--parse', 'combined', '--map', 'r => r.status', '--count-by-value', '--batch', '1d', '--format', 'tsv'], { file: APACHE });
    expect(r.code).toBe(0);
    // awk '{print $9}' apache_logs | sort | uniq -c
    expect(r.stdout.trimEnd().split('\n').sort()).toEqual(['200\t9126', '206\t45', '301\t164', '304\t445', '403\t2', '404\t213', '416\t2', '500\t3']);
    const err = r.stderr.trimEnd().split('\n');
    expect(err).toHaveLength(2);
    expect(err[0]).toMatch(/^dstream: --parse combined: repaired record: missing closing quote of the user agent: taken to the end of the line; input "46\.118\.127\.106 - - \[20\/May\/2015:12:05:17 \+0000\]/);
    expect(err[1]).toBe('dstream: 1 line repaired by --parse (kept)');
  });

  it('the repaired user agent runs to the end of the line', async () => {
    const r = await runCli(['--parse', 'combined', '--filter', 'r => r.remote_addr === "46.118.127.106" && r.path.endsWith("configlib.py")', '--map', 'r => r.user_agent', '--format', 'tsv'], { file: APACHE });
    expect(r.stdout).toBe("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html\n");
  });
});

describe('numeric strings under one strict decimal grammar (sum, min, max, avg)', () => {
  const byKey = (reducer: string) => ['--map', 'v => ["k", v]', '--reduce-by-key', reducer, '--format', 'tsv'];

  it('007 08 1e3 +5 -0: sum 1020, min 0 (not -0), max 1000, avg 204', async () => {
    const out: string[] = [];
    for (const reducer of ['sum', 'min', 'max', 'avg']) {
      const r = await runCli(byKey(reducer), '007\n08\n1e3\n+5\n-0\n');
      expect(r.stderr).toBe('');
      out.push(r.stdout);
    }
    expect(out).toEqual(['k\t1020\n', 'k\t0\n', 'k\t1000\n', 'k\t204\n']);
    expect((await runCli(['--reduce', 'sum', '--format', 'tsv'], '-0\n')).stdout).toBe('0\n');
  });

  it('max and min compare "5" and "10" as numbers', async () => {
    expect((await runCli(byKey('max'), '5\n10\n')).stdout).toBe('k\t10\n');
    expect((await runCli(byKey('min'), '10\n5\n')).stdout).toBe('k\t5\n');
  });

  it('hex, 1_000, NaN, Infinity, empty and 12abc are bad records: counted, reported, in --dead-letter, never added', async () => {
    const dead = join(dir, 'numbers.dead');
    const r = await runCli([...byKey('sum'), '--dead-letter', dead], '1\n0x10\n1_000\nNaN\nInfinity\n\n12abc\n2\n');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('k\t3\n');
    const err = r.stderr.trimEnd().split('\n');
    expect(err[0]).toBe(`dstream: --reduce-by-key 'sum': skipped record: TypeError: not a number: "0x10" (sum, min, max and avg take numbers and decimal strings such as 12, -0.5, 1e3); input "0x10"`);
    expect(err[err.length - 1]).toBe(`dstream: 6 records skipped (6 by --reduce-by-key 'sum')`);
    expect(readFileSync(dead, 'utf8')).toBe('0x10\n1_000\nNaN\nInfinity\n\n12abc\n');
  });
});
