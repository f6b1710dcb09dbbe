/**
 * `--header` takes its columns from the first record; a later record's fields outside them used to
 * vanish with nothing said (breaker, stop 27). Each such field is now named once on stderr.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';

const INPUT = '{"a":1}\n{"a":2,"b":3}\n{"b":4}\n{"c":1,"b":2}\n';

describe('--header and fields outside the header', () => {
  for (const format of ['csv', 'tsv']) {
    it(`${format}: the rows keep the first record's columns, and stderr names each field left out once`, async () => {
      const r = await runCli(['--parse', 'json', '--format', format, '--header'], INPUT);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe('a\n1\n2\n\n\n');
      const lines = r.stderr.trim().split('\n').filter((l) => l.includes('--header'));
      expect(lines).toEqual([
        'dstream: --header: output record 2 has field "b", which is not a column of the header (its columns: "a"); its values are not written (--format json keeps every field)',
        'dstream: --header: output record 4 has field "c", which is not a column of the header (its columns: "a"); its values are not written (--format json keeps every field)',
      ]);
    });
  }

  it('records with the same fields, or fewer, say nothing', async () => {
    const r = await runCli(['--parse', 'json', '--format', 'csv', '--header'], '{"a":1,"b":2}\n{"b":3}\n{"a":4,"b":5}\n');
    expect(r).toMatchObject({ code: 0, stdout: 'a,b\n1,2\n,3\n4,5\n', stderr: '' });
  });
});
