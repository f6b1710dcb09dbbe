/**
 * Regression tests for the breaker's findings on session 29's round 1 (fixes lane), each running the real
 * `bin/dstream.js`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { runWithStdinFile } from '../helpers/run-file.js';
import { tempDirs } from '../helpers/temp-dir.js';

const tempDir = tempDirs('dstream-d29b-');

describe('--workers with no value', () => {
  it('says it needs a value, as other flags do (exit 2)', async () => {
    const r = await runCli(['--workers'], 'a\n');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('dstream: --workers needs a value\n');
  });
});

describe('keys written as the same text are said once: json undefined and null, tsv/csv null and "null"', () => {
  const keys = (fn: string, format: string, input: string) => runCli(['--once', '--map', fn, '--reduce-by-key', 'sum', '--format', format], input);

  it('json: the key undefined and the key null are both null', async () => {
    const r = await keys('l => [l === "u" ? undefined : null, 1]', 'json', 'u\nn\n');
    expect(r.stdout).toBe('{"time":1000,"key":null,"value":1}\n{"time":1000,"key":null,"value":1}\n');
    expect(r.stderr).toBe('dstream: --format json: output record 2 has the key null, an earlier record the key undefined: both are written as null, so they read back as one key (said once)\n');
  });

  it('tsv and csv: the key null and the key "null" are both null; json tells them apart', async () => {
    for (const format of ['tsv', 'csv']) {
      const r = await keys('l => [l === "s" ? "null" : null, 1]', format, 'n\ns\nn\n');
      expect(r.stdout).toBe(format === 'tsv' ? 'null\t2\nnull\t1\n' : 'null,2\nnull,1\n');
      expect(r.stderr).toBe(`dstream: --format ${format}: output record 2 has the key "null", an earlier record the key null: both are written as null, so they read back as one key (said once)\n`);
    }
    const json = await keys('l => [l === "s" ? "null" : null, 1]', 'json', 'n\ns\n');
    expect(json.stderr).toBe('');
  });
});

describe('--update-state-by-key --dead-letter past the 1048576 lines a batch keeps', () => {
  it('says once how many lines of skipped records are not in the file; all are counted', async () => {
    const dir = tempDir();
    const file = join(dir, 'in.txt');
    writeFileSync(file, 'k\n'.repeat(1048580));
    const dl = join(dir, 'dl');
    const r = await runWithStdinFile(['--map', 'l => [l, 1]', '--update-state-by-key', '(vs, s) => { if (vs.length) throw new Error("x"); return s }',
      '--dead-letter', dl, '--format', 'tsv'], file);
    expect(r.stderr).toContain(": 4 input lines of records skipped in batch 1000 are not in --dead-letter: a batch keeps at most 1048576 lines for it (counted all the same; said once)\n");
    expect(r.stderr).toContain('dstream: 1048580 records skipped');
    expect(readFileSync(dl, 'utf8').length).toBe(2 * 1048576);
  }, 120_000);
});

describe('Set and Map keys are grouped by the text output writes for them', () => {
  it('--count-by-value of Sets: one row per distinct Set, not every Set under the first', async () => {
    const r = await runCli(['--once', '--map', 'l => new Set([l])', '--count-by-value', '--format', 'tsv'], 'a\nb\na\n');
    expect(r.stdout).toBe('["a"]\t2\n["b"]\t1\n');
    expect(r.stderr).toBe('');
    const maps = await runCli(['--once', '--map', 'l => [new Map([[l, 1]]), 1]', '--reduce-by-key', 'sum', '--format', 'json'], 'a\nb\na\n');
    expect(maps.stdout).toBe('{"time":1000,"key":[["a",1]],"value":2}\n{"time":1000,"key":[["b",1]],"value":1}\n');
    expect(maps.stderr).toBe('');
  });
});

describe('an output value JSON cannot write (a cycle) is counted and said at exit', () => {
  it('json writes its text, and stderr says how many', async () => {
    const r = await runCli(['--once', '--map', 'l => { const o = { l }; o.self = o; return o }', '--format', 'json'], 'a\nb\n');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('{"time":1000,"value":"[object Object]"}\n{"time":1000,"value":"[object Object]"}\n');
    expect(r.stderr).toBe('dstream: 2 output values JSON cannot write (a cycle, a toJSON that throws or returns undefined) written as their text (String(value))\n');
  });
});
