/**
 * Regression tests for small defects found in session 25, one `describe` per defect, each running
 * the real `bin/dstream.js`.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { BIN, runCli } from '../helpers/run-cli.js';

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

/** Runs `script` with sh in `cwd` (so that the shell's word splitting and redirections apply); resolves with its exit code and stderr. */
function sh(script: string, cwd: string): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile('sh', ['-c', script], { cwd, env: { ...process.env, NO_COLOR: '1', DSTREAM: `${process.execPath} ${BIN}` } }, (err, _stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code) : 0, stderr });
    });
  });
}

describe('a function the shell cut at an unquoted => written without spaces', () => {
  it('--map l=>l.length: the hint names the redirection and the quoted function (exit 2)', async () => {
    const d = tempDir();
    const r = await sh('echo a | $DSTREAM --map l=>l.length', d);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("dstream: --map: 'l=' is a function the shell cut at the '>' of an unquoted '=>'; the shell took '>l.length' as a redirection"
      + " and created the file l.length. Quote the function: --map 'l => l.length'\n");
    expect(existsSync(join(d, 'l.length'))).toBe(true);
  });

  it('--filter=x=>x.a>3: stdout went to the last redirection, which is no body: shown as …', async () => {
    const r = await sh('echo a | $DSTREAM --filter=x=>x.a>3', tempDir());
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("dstream: --filter: 'x=' is a function the shell cut at the '>' of an unquoted '=>'; the shell took '>3' as a redirection"
      + " and created the file 3. Quote the function: --filter 'x => …'\n");
  });

  it('without a redirection (the value given as such) the hint still says to quote', async () => {
    const r = await runCli(['--map', 'l=']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("dstream: --map: 'l=' is a function the shell cut at the '>' of an unquoted '=>'. Quote the function: --map 'l => …'\n");
  });
});

describe('topk:N with an N that is not a positive whole number', () => {
  it.each([['--reduce', 'topk:x'], ['--reduce-by-key', 'topk:0'], ['--reduce', 'topk:1.5'], ['--reduce-by-key', 'topk']])('%s %s says what N must be (exit 2)', async (flag, value) => {
    const r = await runCli(['--map', 'l => [l, l]', flag, value]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`dstream: ${flag}: '${value}': N must be a positive number in topk:N (a whole number: how many of the most frequent values to keep, e.g. topk:10)\n`);
  });
});
