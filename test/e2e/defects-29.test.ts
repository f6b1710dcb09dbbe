/**
 * Regression tests for small defects found in session 28, one `describe` per defect, each running
 * the real `bin/dstream.js`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { tempDirs } from '../helpers/temp-dir.js';

const tempDir = tempDirs('dstream-d29-');

describe('--update-state-by-key: a throwing function skips the input lines of the failing key', () => {
  const fn = '(vs,s)=>{ if (vs.length) throw new Error("u"); return s }';
  const pairs = ['--batch-marker', 'END', '--map', 'l => [l.split(" ")[0], 1]'];

  it('--dead-letter gets each key\'s own lines, and stderr names them', async () => {
    const dl = join(tempDir(), 'dl');
    const r = await runCli([...pairs, '--update-state-by-key', fn, '--dead-letter', dl, '--format', 'tsv'], 'a 1\nb 2\nEND\nc 3\n');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(readFileSync(dl, 'utf8')).toBe('a 1\nb 2\nc 3\n');
    const inputs = r.stderr.split('\n').filter((l) => l.includes('skipped record')).map((l) => l.replace(/.*; input /, ''));
    expect(inputs).toEqual(['"a 1"', '"b 2"', '"c 3"']);
    expect(r.stderr).toContain('3 records skipped');
  });

  it('a key with several lines in the batch: every one of them, once each, in input order', async () => {
    const dl = join(tempDir(), 'dl');
    const input = 'a 1\nb 2\na 3\nEND\nb 4\n';
    const throwOnA = '(vs,s)=>{ if (vs.length && vs[0] === "a") throw new Error("u"); return (s ?? 0) + vs.length }';
    const r = await runCli([...pairs.slice(0, 2), '--flat-map', 'l => { const k = l.split(" ")[0]; return [[k, k], [k, k]] }',
      '--update-state-by-key', throwOnA, '--dead-letter', dl, '--format', 'tsv'], input);
    expect(r.code).toBe(0);
    expect(readFileSync(dl, 'utf8')).toBe('a 1\na 3\n');
    expect(r.stdout).toBe('b\t2\nb\t4\n');
    expect(r.stderr).toContain('2 records skipped');
  });

  it('a key with state only (no lines in the batch) has no input line: counted, nothing in --dead-letter', async () => {
    const dl = join(tempDir(), 'dl');
    const failWithout = '(vs,s)=>{ if (!vs.length) throw new Error("idle"); return 1 }';
    const r = await runCli([...pairs, '--update-state-by-key', failWithout, '--dead-letter', dl, '--format', 'tsv'], 'a 1\nEND\nb 2\n');
    expect(r.code).toBe(0);
    expect(readFileSync(dl, 'utf8')).toBe('');
    expect(r.stderr).toMatch(/skipped record: Error: idle\n/);
    expect(r.stderr).toContain('1 record skipped');
  });
});
