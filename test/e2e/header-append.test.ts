/**
 * End-to-end: `--header` into an `--output FILE` that already has a header (a cron job's second run)
 * writes under the file's columns, in the file's order; a header that cannot hold the run's records is
 * refused (exit 1, nothing appended). Before, the second run's rows went under its own first record's
 * field order: `{"b":20,"a":10}` after a header `a,b` read back as a = 20.
 */
import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { tempDirs } from '../helpers/temp-dir.js';
import { appendedColumns, headerNames } from '../../src/sinks/appended-header.js';
import { columnsOf, headerLine } from '../../src/sinks/format.js';

const tempDir = tempDirs('dstream-header-append-');
const json = ['--once', '--map', 'JSON.parse', '--header'];

describe('--header appending to --output FILE', () => {
  for (const format of ['csv', 'tsv'] as const) {
    const sep = format === 'csv' ? ',' : '\t';
    it(`${format}: a second run's rows go under the file's columns, in the file's order`, async () => {
      const out = join(tempDir(), `out.${format}`);
      const args = [...json, '--format', format, '--output', out];
      expect((await runCli(args, '{"a":1,"b":2}\n')).code).toBe(0);
      const second = await runCli(args, '{"b":20,"a":10}\n{"a":11,"b":21}\n');
      expect(second.code).toBe(0);
      expect(second.stderr).toBe('');
      const third = await runCli(args, '{"c":5,"a":12}\n');
      expect(third.code).toBe(0);
      expect(third.stderr).toContain('has field "c", which is not a column of the header (its columns: "a", "b")');
      expect(readFileSync(out, 'utf8')).toBe(['a', 'b'].join(sep) + `\n1${sep}2\n10${sep}20\n11${sep}21\n12${sep}\n`);
    });
  }

  it('with --checkpoint (the cron recipe): the same', async () => {
    const d = tempDir();
    const out = join(d, 'out.csv');
    const args = [...json, '--format', 'csv', '--output', out, '--checkpoint', join(d, 'ck')];
    expect((await runCli(args, '{"a":1,"b":2}\n')).code).toBe(0);
    expect((await runCli(args, '{"b":20,"a":10}\n')).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe('a,b\n1,2\n10,20\n');
  });

  it('a header that cannot hold the run\'s records is refused: exit 1, the file unchanged', async () => {
    const out = join(tempDir(), 'out.csv');
    writeFileSync(out, 'a,b\n1,2\n');
    const r = await runCli(['--once', '--count-by-value', '--format', 'csv', '--header', '--output', out], 'x\n');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`--header: '${out}' starts with the line "a,b", but this run's records make the columns "key,value"`);
    expect(readFileSync(out, 'utf8')).toBe('a,b\n1,2\n');
  });

  it('a file whose first line names none of the records\' fields (no header) is refused: exit 1, the file unchanged', async () => {
    const out = join(tempDir(), 'out.tsv');
    writeFileSync(out, '{"a":1,"b":2}\n');
    const r = await runCli([...json, '--format', 'tsv', '--output', out], '{"a":5,"b":6}\n');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`--header: '${out}' starts with the line "{\\"a\\":1,\\"b\\":2}", but this run's records make the columns "a\\tb"`);
    expect(readFileSync(out, 'utf8')).toBe('{"a":1,"b":2}\n');
  });

  it('a file whose last row has no line end gets one before this run\'s rows, said on stderr (with and without --header)', async () => {
    const d = tempDir();
    writeFileSync(join(d, 'h.tsv'), 'a\tb\n1\t2');
    const h = await runCli([...json, '--format', 'tsv', '--output', join(d, 'h.tsv')], '{"a":5,"b":6}\n');
    expect(h.code).toBe(0);
    expect(readFileSync(join(d, 'h.tsv'), 'utf8')).toBe('a\tb\n1\t2\n5\t6\n');
    expect(h.stderr).toContain('did not end with a line end');
    writeFileSync(join(d, 'n.tsv'), 'x\t1');
    const n = await runCli(['--once', '--count-by-value', '--format', 'tsv', '--output', join(d, 'n.tsv')], 'y\n');
    expect(n.code).toBe(0);
    expect(readFileSync(join(d, 'n.tsv'), 'utf8')).toBe('x\t1\ny\t1\n');
  });

  it('header names read back as written (quoted csv, escaped tsv), so the same header is kept as is', () => {
    const rec = { 'x,y': 1, 'q"t': 2, 'tab\there': 3, plain: 4 };
    for (const f of ['csv', 'tsv'] as const) {
      const mine = columnsOf(rec);
      const line = headerLine(mine, f);
      expect(headerNames(line, f)).toEqual(Object.keys(rec));
      expect(appendedColumns(line, columnsOf({ plain: 0, 'x,y': 1 }), f, 'F').fields).toEqual(Object.keys(rec));
    }
  });
});
