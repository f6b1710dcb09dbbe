/**
 * End-to-end: `--output FILE` appending to a file whose lines end in CRLF (a spreadsheet's csv
 * export) ends its rows in CRLF too. Before, the rows ended in LF: a file of mixed line ends.
 */
import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { tempDirs } from '../helpers/temp-dir.js';

const tempDir = tempDirs('dstream-crlf-append-');
const count = ['--once', '--flat-map', 'l => l.split(" ")', '--count-by-value'];

describe('--output FILE appending to a file of CRLF lines', () => {
  it('csv --header: rows under the file\'s header end in CRLF', async () => {
    const out = join(tempDir(), 'export.csv');
    writeFileSync(out, 'key,value\r\nx,1\r\n');
    const r = await runCli([...count, '--format', 'csv', '--header', '--output', out], 'a b\nb c\na\n');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(readFileSync(out, 'utf8')).toBe('key,value\r\nx,1\r\na,2\r\nb,2\r\nc,1\r\n');
  });

  for (const [format, sep] of [['csv', ','], ['tsv', '\t']] as const) {
    it(`${format} without a header: rows end in CRLF`, async () => {
      const out = join(tempDir(), `export.${format}`);
      writeFileSync(out, `x${sep}1\r\n`);
      const r = await runCli([...count, '--format', format, '--output', out], 'a b\nb\n');
      expect(r.code).toBe(0);
      expect(readFileSync(out, 'utf8')).toBe(`x${sep}1\r\na${sep}1\r\nb${sep}2\r\n`);
    });
  }

  it('json lines: rows end in CRLF', async () => {
    const out = join(tempDir(), 'export.jsonl');
    writeFileSync(out, '{"key":"x","value":1}\r\n');
    const r = await runCli([...count, '--format', 'json', '--output', out], 'a\n');
    expect(r.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toMatch(/^\{"key":"x","value":1\}\r\n\{"time":\d+,"key":"a","value":1\}\r\n$/);
  });

  it('a csv field holding a line break keeps it as it is; only the row ends in CRLF', async () => {
    const out = join(tempDir(), 'export.csv');
    writeFileSync(out, 'x,1\r\n');
    const r = await runCli(['--once', '--map', 'l => l.replace("|", "\\n")', '--count-by-value', '--format', 'csv', '--output', out], 'a|b\n');
    expect(r.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe('x,1\r\n"a\nb",1\r\n');
  });

  it('a CRLF file whose last row has no line end gets a CRLF first', async () => {
    const out = join(tempDir(), 'export.csv');
    writeFileSync(out, 'x,1\r\ny,2');
    const r = await runCli([...count, '--format', 'csv', '--output', out], 'a\n');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('did not end with a line end');
    expect(readFileSync(out, 'utf8')).toBe('x,1\r\ny,2\r\na,1\r\n');
  });

  it('with --checkpoint (the cron recipe), run twice: every row ends in CRLF', async () => {
    const d = tempDir();
    const out = join(d, 'export.csv');
    writeFileSync(out, 'key,value\r\n');
    const args = [...count, '--format', 'csv', '--header', '--output', out, '--checkpoint', join(d, 'ck')];
    expect((await runCli(args, 'a\n')).code).toBe(0);
    expect((await runCli(args, 'b\n')).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe('key,value\r\na,1\r\nb,1\r\n');
  });
});
