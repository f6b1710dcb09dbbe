/**
 * Regression tests for small defects found in session 25, one `describe` per defect, each running
 * the real `bin/dstream.js`.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'dstream-d26-'));
  dirs.push(d);
  return d;
}

describe('every --parse format exits 1 when every record failed in it', () => {
  it('csv: a header and a record whose quoted field never closes: nothing got through, exit 1, the record dead-lettered whole', async () => {
    const dead = join(tempDir(), 'dead.txt');
    const r = await runCli(['--once', '--parse', 'csv', '--format', 'json', '--dead-letter', dead], 'a,b\n1,"x\n2,y\n');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('dstream: --parse csv: skipped record: ParseError: csv: missing closing quote: the input ended inside a quoted field; input "1,\\"x\\n2,y"\n');
    expect(r.stderr).toContain('dstream: no record got through --parse csv: all 1 failed in it (first errors above); exit 1\n');
    expect(readFileSync(dead, 'utf8')).toBe('1,"x\n2,y\n');
  });

  it('csv: one good record is enough (exit 0), and a header alone is an empty input, not a failure', async () => {
    const one = await runCli(['--once', '--parse', 'csv', '--format', 'json'], 'a,b\n1,2\n3,"x\n');
    expect(one.code).toBe(0);
    expect(one.stdout).toBe('{"time":1000,"value":{"a":"1","b":"2"}}\n');
    const header = await runCli(['--once', '--parse', 'csv', '--format', 'json'], 'a,b\n');
    expect(header.code).toBe(0);
    expect(header.stdout).toBe('');
  });

  it.each(['json', 'logfmt', 'csv', 'combined', 'common', 'syslog', 'regex:^(?<n>\\d+)$'])('%s: two bad lines exit 1', async (format) => {
    const r = await runCli(['--once', '--parse', format, '--format', 'json'], '"\n=\n');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/dstream: no record got through --parse \S+: all \d failed in it \(first errors above\); exit 1\n/);
  });
});

describe('--watch --parse csv --checkpoint: a quote left open at the end of a file', () => {
  it('is reported in the run that reads the file, naming it, and not again in the next run', async () => {
    const d = tempDir();
    const dir = join(d, 'in');
    const dead = join(d, 'dead.txt');
    mkdirSync(dir);
    writeFileSync(join(dir, 'one.csv'), 'a,b\n1,2\n3,"x\n');
    const args = ['--watch', dir, '--once', '--parse', 'csv', '--checkpoint', join(d, 'ck'), '--dead-letter', dead, '--format', 'json'];
    const first = await runCli(args);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toBe('{"time":1000,"value":{"a":"1","b":"2"}}\n');
    expect(first.stderr).toBe(`dstream: --parse csv: skipped record: ParseError: csv: missing closing quote: ${join(dir, 'one.csv')} ended inside a quoted field; input "3,\\"x"\n`
      + 'dstream: 1 record skipped (1 by --parse csv)\n');
    expect(readFileSync(dead, 'utf8')).toBe('3,"x\n');
    writeFileSync(join(dir, 'two.csv'), 'a,b\n5,6\n');
    const second = await runCli(args);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toBe('{"time":2000,"value":{"a":"5","b":"6"}}\n');
    expect(second.stderr).toBe('dstream: checkpoint: restored state after batch 0\n');
    expect(readFileSync(dead, 'utf8')).toBe('3,"x\n');
  });
});
