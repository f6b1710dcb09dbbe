/**
 * Regression tests for the breaker's findings on session 29's round 1 (fixes lane), each running the real
 * `bin/dstream.js`.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';

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
