/**
 * Regression tests for small defects found in session 26, one `describe` per defect, each running
 * the real `bin/dstream.js`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { tempDirs } from '../helpers/temp-dir.js';

const tempDir = tempDirs('dstream-d27-');

describe('--parse csv keeps a CRLF inside a quoted field (RFC 4180)', () => {
  const input = 'a,b\r\n"x\r\ny",2\r\n"p\nq",3\r\n4,5\r\n';
  const expected = '{"time":1000,"value":{"a":"x\\r\\ny","b":"2"}}\n{"time":1000,"value":{"a":"p\\nq","b":"3"}}\n{"time":1000,"value":{"a":"4","b":"5"}}\n';

  it('from a pipe, a file on stdin and a watched directory: CRLF stays CRLF, LF stays LF', async () => {
    const pipe = await runCli(['--once', '--parse', 'csv', '--format', 'json'], input);
    expect(pipe.stderr).toBe('');
    expect(pipe.stdout).toBe(expected);
    const dir = tempDir();
    const file = join(dir, 'in.csv');
    writeFileSync(file, input);
    const fromFile = await runCli(['--once', '--parse', 'csv', '--format', 'json'], { file });
    expect(fromFile.stdout).toBe(expected);
    const watched = join(dir, 'w');
    mkdirSync(watched);
    writeFileSync(join(watched, 'a.csv'), input);
    const w = await runCli(['--once', '--watch', watched, '--parse', 'csv', '--format', 'json']);
    expect(w.code).toBe(0);
    expect(w.stdout).toBe(expected);
  });

  it('--format csv writes the field back quoted with its CRLF, and parsing that output gives the same values', async () => {
    const out = await runCli(['--once', '--parse', 'csv', '--map', 'r => [r.a, r.b]', '--format', 'csv', '--header'], input);
    expect(out.stdout).toBe('key,value\n"x\r\ny",2\n"p\nq",3\n4,5\n');
    const again = await runCli(['--once', '--parse', 'csv', '--format', 'json'], out.stdout);
    expect(again.stdout).toBe(expected.replace(/"a":/g, '"key":').replace(/"b":/g, '"value":'));
  });

  it('a record left open goes to --dead-letter with its own line ends; a CRLF --batch-marker line still ends the batch', async () => {
    const dead = join(tempDir(), 'dead.txt');
    const r = await runCli(['--once', '--parse', 'csv', '--format', 'json', '--dead-letter', dead], 'a,b\r\n1,2\r\n3,"x\r\n4,y\r\n');
    expect(r.code).toBe(0);
    expect(readFileSync(dead, 'latin1')).toBe('3,"x\r\n4,y\r\n');
    const m = await runCli(['--once', '--parse', 'csv', '--format', 'json', '--batch-marker', 'END', '--batch', '1h'], 'a,b\r\n1,2\r\nEND\r\n3,4\r\n');
    expect(m.code).toBe(0);
    const times = [...m.stdout.matchAll(/"time":(\d+)/g)].map((x) => Number(x[1]));
    expect(m.stdout.replace(/"time":\d+/g, '"time":T')).toBe('{"time":T,"value":{"a":"1","b":"2"}}\n{"time":T,"value":{"a":"3","b":"4"}}\n');
    expect(times[1]).toBeGreaterThan(times[0]!);
  });
});
