/**
 * Hints in error and bad-input messages (src/cli/hints.ts): the built binary run as a new user
 * would, with the message asserted exactly.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bestParseFormat, describeValue, invalidChoiceMessage, unexpectedArgumentMessage } from '../../src/cli/hints.js';
import { OPERATOR_FLAGS } from '../../src/cli/args.js';
import { BIN, ROOT, runCli } from '../helpers/run-cli.js';

const AUTH = `${ROOT}/data/elastic-examples/auth.log`;
const APACHE = `${ROOT}/data/elastic-examples/apache_logs`;
const head = (file: string, n: number) => readFileSync(file, 'utf8').split('\n').slice(0, n).join('\n') + '\n';
const SYSLOG_LINES = 'Mar 27 13:06:56 ip-10-77-20-248 sshd[1291]: Server listening on 0.0.0.0 port 22.\nMar 27 13:06:57 ip-10-77-20-248 sshd[1291]: Server listening on :: port 22.\n';

describe('an unquoted function split by the shell', () => {
  it('--map l => l.length in a shell: "quote the function", with the file the shell created', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dstream-hint-'));
    const r = spawnSync('sh', ['-c', `"${process.execPath}" "${BIN}" --map l => l.length </dev/null`], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(r.status).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe("dstream: unexpected argument '=': the shell split the unquoted function of --map at '=>'; the shell took '> l.length' as a redirection and created the file l.length. Quote the function: --map 'l => l.length'");
    expect(existsSync(join(dir, 'l.length'))).toBe(true);
  });

  it('--filter x => x > 3: two redirections, so the body is not guessed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dstream-hint-'));
    const r = spawnSync('sh', ['-c', `"${process.execPath}" "${BIN}" --filter x => x > 3 </dev/null`], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(r.status).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe("dstream: unexpected argument '=': the shell split the unquoted function of --filter at '=>'; the shell took '> 3' as a redirection and created the file 3. Quote the function: --filter 'x => …'");
  });

  it('without a redirection target known, the body is left as …; other stray arguments keep the plain message', () => {
    expect(unexpectedArgumentMessage(['--filter', 'x', '='], ['x', '='].slice(1), OPERATOR_FLAGS))
      .toBe("unexpected argument '=': the shell split the unquoted function of --filter at '=>'. Quote the function: --filter 'x => …'");
    expect(unexpectedArgumentMessage(['--count', 'extra'], ['extra'], OPERATOR_FLAGS))
      .toBe("unexpected argument 'extra' (dstream reads stdin; operators are flags like --map FN)");
    expect(unexpectedArgumentMessage(['--count', '='], ['='], OPERATOR_FLAGS, 'x'))
      .toBe("unexpected argument '=' (dstream reads stdin; operators are flags like --map FN)");
  });

  it('a file named the awk way: says to redirect it to stdin, exit 2, nothing read', () => {
    const r = spawnSync(process.execPath, [BIN, '--count', '--format', 'tsv', 'data/elastic-examples/apache_logs'], { cwd: ROOT, input: 'x\n', encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe("dstream: unexpected argument 'data/elastic-examples/apache_logs': dstream reads stdin, not files named as arguments: dstream … < data/elastic-examples/apache_logs (or --watch DIR for a directory of files)\n");
    expect(unexpectedArgumentMessage(['--count', 'package.json'], ['package.json'], OPERATOR_FLAGS)).toContain('dstream … < package.json');
  });
});

describe('an invalid choice is one line with the valid values', () => {
  it('--format yaml', async () => {
    const r = await runCli(['--format', 'yaml', '--count']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("dstream: --format: 'yaml' is not an output format; use one of text, json, tsv, csv\n");
  });

  it('other choice flags, the first invalid one', () => {
    expect(invalidChoiceMessage('Invalid values:\n  Argument: on-error, Given: "x", Choices: "skip", "fail"\n  Argument: format, Given: "y", Choices: "text"'))
      .toBe("--on-error: 'x' is not an error policy; use one of skip, fail");
    expect(invalidChoiceMessage('Not enough arguments')).toBeUndefined();
  });
});

describe('a non-pair reaching --reduce-by-key shows the value received', () => {
  it('an array of 3 words, then the input line itself', async () => {
    const r = await runCli(['--map', 'l => l.split(" ")', '--reduce-by-key', 'sum', '--format', 'tsv'], 'a b c\n');
    expect(r.code).toBe(0);
    expect(r.stderr.split('\n')[0]).toBe(`dstream: --reduce-by-key 'sum': skipped record: expected a [key, value] pair, got an array of 3: ["a","b","c"]; input "a b c"`);
    const s = await runCli(['--reduce-by-key', 'sum', '--format', 'tsv'], 'a b\n');
    expect(s.stderr.split('\n')[0]).toBe(`dstream: --reduce-by-key 'sum': skipped record: expected a [key, value] pair, got a string: "a b" (the input line itself: make pairs first, e.g. --map 'l => [l, 1]')`);
  });

  it('describeValue', () => {
    expect(describeValue({ a: 1 })).toBe('an object: {"a":1}');
    expect(describeValue(5)).toBe('a number: 5');
    expect(describeValue(undefined)).toBe('undefined');
  });
});

describe('syslog times given to --event-time', () => {
  it('point at --parse syslog and parseTime, once', async () => {
    const r = await runCli(['--event-time', 'l => l.slice(0, 15)', '--count', '--format', 'tsv'], SYSLOG_LINES);
    expect(r.code).toBe(1); // no record got through --event-time (issue 14: exit 1 with a summary)
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[1]).toBe(`dstream: hint: "Mar 27 13:06:56" is a syslog time (no year, no zone): use --parse syslog --event-time auto (the year is inferred, or --year YYYY), or parseTime(s, '%b %e %H:%M:%S') in the function`);
    expect(lines.filter((l) => l.includes('hint'))).toHaveLength(1);
  });
});

describe('--parse failing on every one of the first lines suggests the format that reads them', () => {
  it('--parse combined on 150 lines of auth.log: at the 100th line, syslog', async () => {
    const r = await runCli(['--parse', 'combined', '--count', '--format', 'tsv'], head(AUTH, 150));
    expect(r.code).toBe(1); // no record got through --parse
    expect(r.stderr.split('\n').filter((l) => l.includes('hint'))).toEqual(['dstream: hint: --parse combined read none of the first 100 lines; --parse syslog reads 100 of them']);
  });

  it('--parse syslog on a few Apache lines: at exit, combined', async () => {
    const r = await runCli(['--parse', 'syslog', '--count', '--format', 'tsv'], head(APACHE, 5));
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd().split('\n').slice(-2)).toEqual([
      'dstream: hint: --parse syslog read none of 5 lines; --parse combined reads 5 of them',
      'dstream: no record got through --parse syslog: all 5 failed in it (first errors above); exit 1',
    ]);
  });

  it('no hint when a line in between parsed', async () => {
    const r = await runCli(['--parse', 'syslog', '--count', '--format', 'tsv'], head(APACHE, 2) + SYSLOG_LINES + head(APACHE, 2));
    expect(r.stderr).not.toContain('hint');
  });

  it('bestParseFormat: logfmt only counts key=value lines; none for prose', () => {
    expect(bestParseFormat(['a=1 b=2', 'c=3'], 'json')).toEqual({ format: 'logfmt', parsed: 2 });
    expect(bestParseFormat(['just some words', 'more words'], 'json')).toBeUndefined();
  });
});
