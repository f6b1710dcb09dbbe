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
    // stderr shows the record without its own line end (as before), its inner CRLF escaped
    expect(r.stderr).toContain('; input "3,\\"x\\r\\n4,y"\n');
    const m = await runCli(['--once', '--parse', 'csv', '--format', 'json', '--batch-marker', 'END', '--batch', '1h'], 'a,b\r\n1,2\r\nEND\r\n3,4\r\n');
    expect(m.code).toBe(0);
    const times = [...m.stdout.matchAll(/"time":(\d+)/g)].map((x) => Number(x[1]));
    expect(m.stdout.replace(/"time":\d+/g, '"time":T')).toBe('{"time":T,"value":{"a":"1","b":"2"}}\n{"time":T,"value":{"a":"3","b":"4"}}\n');
    expect(times[1]).toBeGreaterThan(times[0]!);
  });
});

describe('--dead-letter and --late keep a line with invalid UTF-8 as read, so that the file can be replayed', () => {
  const bad = Buffer.from([0x62, 0xff, 0x61, 0x64]); // "b", an invalid byte, "ad"
  const input = Buffer.concat([Buffer.from('good\n'), bad, Buffer.from('\r\nno\u00e9\nok\n')]);
  const args = ['--once', '--map', 'l => { if (l !== "ok" && l !== "good") throw new Error("no"); return l }', '--count', '--format', 'tsv'];
  const expected = Buffer.concat([bad, Buffer.from('\nno\u00e9\n')]);

  it('from a pipe, a pipe under --checkpoint --wal, a file on stdin and a watched directory', async () => {
    const dir = tempDir();
    const pipe = join(dir, 'pipe.txt');
    const r = await runCli([...args, '--dead-letter', pipe], input);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('2\n');
    expect(readFileSync(pipe)).toEqual(expected);
    const wal = join(dir, 'wal.txt');
    expect((await runCli([...args, '--dead-letter', wal, '--checkpoint', join(dir, 'ck'), '--wal'], input)).stdout).toBe('2\n');
    expect(readFileSync(wal)).toEqual(expected);
    const file = join(dir, 'in.txt');
    writeFileSync(file, input);
    const fromFile = join(dir, 'file.txt');
    expect((await runCli([...args, '--dead-letter', fromFile], { file })).stdout).toBe('2\n');
    expect(readFileSync(fromFile)).toEqual(expected);
    const watched = join(dir, 'w');
    mkdirSync(watched);
    writeFileSync(join(watched, 'a.txt'), input);
    const fromDir = join(dir, 'dir.txt');
    expect((await runCli([...args, '--dead-letter', fromDir, '--watch', watched])).stdout).toBe('2\n');
    expect(readFileSync(fromDir)).toEqual(expected);
  });

  it('a late record with invalid UTF-8 goes to --late as read', async () => {
    const late = join(tempDir(), 'late.txt');
    const lateLine = Buffer.concat([Buffer.from('{"t":0,"s":"'), bad, Buffer.from('"}')]);
    const lines = Buffer.concat([Buffer.from('{"t":10000,"s":"a"}\n{"t":20000,"s":"a"}\nX\n'), lateLine, Buffer.from('\n')]);
    const r = await runCli(['--once', '--parse', 'json', '--event-time', 'r => r.t', '--count', '--window', '1s', '--format', 'tsv', '--late', late, '--batch-marker', 'X'], lines);
    expect(r.stdout).toBe('1970-01-01T00:00:10.000Z\t1\n1970-01-01T00:00:20.000Z\t1\n');
    expect(r.stderr).toContain('dstream: 1 late record dropped; 1 line with invalid UTF-8 (replaced by U+FFFD)\n');
    expect(readFileSync(late)).toEqual(Buffer.concat([lateLine, Buffer.from('\n')]));
  });
});

describe('numeric flags: a positive safe integer in digits, else one line and exit 2 before input is read', () => {
  const cases: [string[], string][] = [
    [['--reduce', 'topk:99999999999999999999'], "--reduce: 'topk:99999999999999999999': N is too large in topk:N (at most 9007199254740991)"],
    [['--reduce', 'topk:1e3'], "--reduce: 'topk:1e3': N must be a positive number in topk:N (a whole number: how many of the most frequent values to keep, e.g. topk:10)"],
    [['--count-by-value', '--top', '1e3'], "--top: '1e3' is not a positive integer"],
    [['--count-by-value', '--top', '99999999999999999999'], "--top: '99999999999999999999' is too large: at most 9007199254740991"],
    [['--count-by-value', '--top'], '--top needs a value'],
    [['--top', '--count-by-value'], '--top needs a value'],
    [['--count', '--print', '1e3'], "--print: '1e3' is not a non-negative integer"],
    [['--count', '--print', ''], "--print: '' is not a non-negative integer"],
    [['--count', '--max-line-bytes', '1e3'], "--max-line-bytes: '1e3' is not a positive size (bytes, or with a unit: 64KB, 16MB)"],
    [['--count', '--max-line-bytes', '99999999999999999999'], "--max-line-bytes: '99999999999999999999' is too large: at most 9007199254740991 bytes"],
    [['--count', '--year', '1e3'], "--year: '1e3' is not a whole number from 0 to 9999"],
    [['--count', '--metrics-port', '1e3'], "--metrics-port: '1e3' is not a whole number from 0 to 65535"],
    [['--count', '--max-records-per-batch', '99999999999999999999'], "--max-records-per-batch: '99999999999999999999' is too large: at most 9007199254740991"],
    [['--map', 'l => [l, 1]', '--update-state-by-key', '(v, s) => v.length', '--max-keys', '0x10'], "--max-keys: '0x10' is not a positive integer"],
  ];
  it.each(cases)('%j', async (args, message) => {
    const r = await runCli(['--once', ...args], 'a\n');
    expect(r.stderr).toBe(`dstream: ${message}\n`);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
  });
});

describe('a --once --checkpoint run that keeps windows open says how many, once, on stderr', () => {
  const events = '{"t":1000,"k":"a"}\n{"t":61000,"k":"b"}\n{"t":125000,"k":"a"}\n';
  const job = ['--once', '--parse', 'json', '--event-time', 'r => r.t', '--map', 'r => r.k', '--count-by-value', '--format', 'tsv'];
  const note = (n: number) => n === 1
    ? 'dstream: 1 window stays open in the checkpoint (the watermark has not passed its end): the next run emits it once the watermark passes its end, or --drain at the end of a run\n'
    : `dstream: ${n} windows stay open in the checkpoint (the watermark has not passed their end): the next run emits them once the watermark passes their end, or --drain at the end of a run\n`;

  it.each([
    [['--window', '1m'], 1],
    [['--window', '1m', '--slide', '30s'], 2],
    [['--window', '1m', '--watermark', '10m'], 3],
    [['--session-window', '30s'], 1],
    [['--window', '1d', '--timezone', 'Europe/Paris'], 1],
  ])('%j: %i', async (windowArgs, open) => {
    const r = await runCli([...job, ...windowArgs, '--checkpoint', join(tempDir(), 'ck')], events);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(note(open));
  });

  it('the next run with --drain emits them and says nothing; a run that closes every window says nothing; no checkpoint, nothing', async () => {
    const ck = join(tempDir(), 'ck');
    const first = await runCli([...job, '--window', '1m', '--checkpoint', ck], events);
    expect(first.stdout).toBe('1970-01-01T00:00:00.000Z\ta\t1\n1970-01-01T00:01:00.000Z\tb\t1\n');
    const drained = await runCli([...job, '--window', '1m', '--checkpoint', ck, '--drain'], '');
    expect(drained.stdout).toBe('1970-01-01T00:02:00.000Z\ta\t1\n');
    expect(drained.stderr).toBe('dstream: checkpoint: restored state after batch 0\n');
    const plain = await runCli([...job, '--window', '1m'], events);
    expect(plain.stderr).toBe('');
    expect(plain.stdout).toBe(`${first.stdout}1970-01-01T00:02:00.000Z\ta\t1\n`);
  });
});

describe('an undefined key or value: an empty field in tsv/csv, null in json, undefined in text', () => {
  const job = ['--once', '--map', 'l => [l === "a" ? undefined : l, l === "b" ? undefined : null]'];
  it.each([
    ['tsv', '\tnull\nb\t\n'],
    ['csv', ',null\nb,\n'],
    ['json', '{"time":1000,"key":null,"value":null}\n{"time":1000,"key":"b","value":null}\n'],
    ['text', '-------------------------------------------\nTime: 1000 ms\n-------------------------------------------\n(undefined,null)\n(b,undefined)\n\n'],
  ])('%s', async (format, out) => {
    const r = await runCli([...job, '--format', format], 'a\nb\n');
    expect(r.stdout).toBe(out);
  });

  it('as a key of --count-by-value, windowed and with --header, as an absent field is', async () => {
    const r = await runCli(['--once', '--map', 'l => JSON.parse(l)', '--event-time', 'r => r.t', '--map', 'r => r.k', '--count-by-value', '--window', '1m', '--format', 'csv', '--header'],
      '{"t":1000,"k":"x"}\n{"t":2000}\n');
    expect(r.stdout).toBe('window_start,window_end,key,value\n1970-01-01T00:00:00.000Z,1970-01-01T00:01:00.000Z,x,1\n1970-01-01T00:00:00.000Z,1970-01-01T00:01:00.000Z,,1\n');
    const fields = await runCli(['--once', '--map', 'l => JSON.parse(l)', '--format', 'tsv', '--header'], '{"a":1,"b":2}\n{"a":3}\n');
    expect(fields.stdout).toBe('a\tb\n1\t2\n3\t\n');
  });
});
