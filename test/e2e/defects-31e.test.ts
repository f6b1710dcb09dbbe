/**
 * Regression tests for testers' findings of session 30 (fixes-e): keys written as the same text, the pair
 * header of an appended file, --workers with a setting it does not support, and two CLI corners; each runs
 * the real `bin/dstream.js`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { runWithStdinFile } from '../helpers/run-file.js';
import { tempDirs } from '../helpers/temp-dir.js';

const tempDir = tempDirs('dstream-d31e-');

describe('a string key that is another key\'s JSON text (tsv/csv)', () => {
  it('the string "[1]" and the array [1]: said once', async () => {
    const r = await runCli(['--once', '--map', 'l => l.length % 2 ? "[1]" : [1]', '--count-by-value', '--format', 'tsv'], 'a\nbb\n');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('[1]\t1\n[1]\t1\n');
    expect(r.stderr).toBe('dstream: --format tsv: output record 2 has the key [1], an earlier record the key "[1]": both are written as [1], so they read back as one key (said once)\n');
  });

  it('the object {a: 1} and the string {"a":1}, in csv, object first', async () => {
    const r = await runCli(['--once', '--map', 'l => l.length % 2 ? {a: 1} : \'{"a":1}\'', '--count-by-value', '--format', 'csv'], 'a\nbb\n');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('"{""a"":1}",1\n"{""a"":1}",1\n');
    expect(r.stderr).toBe('dstream: --format csv: output record 2 has the key "{\\"a\\":1}", an earlier record the key {"a":1}: both are written as {"a":1}, so they read back as one key (said once)\n');
  });

  it('json writes them apart: nothing said', async () => {
    const r = await runCli(['--once', '--map', 'l => l.length % 2 ? "[1]" : [1]', '--count-by-value', '--format', 'json'], 'a\nbb\n');
    expect(r.stdout).toBe('{"time":1000,"key":"[1]","value":1}\n{"time":1000,"key":[1],"value":1}\n');
    expect(r.stderr).toBe('');
  });
});

describe('keys whose toJSON throws or returns undefined', () => {
  const unwritable = 'dstream: 1 output value JSON cannot write (a cycle, a toJSON that throws or returns undefined) written as its text (String(value))\n';
  const grouped = (why: string) => `dstream: output record 1 has a key grouped by its JSON text, which other keys share: ${why}, so JSON cannot write it: its text is that of every such key, so such keys are counted as one (said once)\n`;

  it('are one key, written as their text, and the lines on stderr are true (alone or both)', async () => {
    for (const [map, why] of [
      ['l => l.length === 1 ? { toJSON() { throw new Error("tj") } } : { toJSON() { return undefined } }', 'its toJSON throws (Error: tj)'],
      ['l => ({ toJSON() { return undefined } })', 'its toJSON returns undefined'],
    ]) {
      const r = await runCli(['--once', '--map', map!, '--count-by-value', '--format', 'tsv'], 'a\nbb\n');
      expect(r.code).toBe(0);
      expect(r.stdout).toBe('[object Object]\t2\n');
      expect(r.stderr).toBe(grouped(why!) + unwritable);
    }
  });
});

describe('--output FILE --header onto a file whose key,value header has a BOM or quotes', () => {
  it('appends under it, as it does under an object header', async () => {
    for (const header of ['\ufeffkey,value\r\n', '"key","value"\r\n', '\ufeff"key","value"\n']) {
      const file = join(tempDir(), 'out.csv');
      writeFileSync(file, `${header}q,1${header.slice(-2) === '\r\n' ? '\r\n' : '\n'}`);
      const r = await runCli(['--once', '--count-by-value', '--format', 'csv', '--header', '--output', file], 'a\n');
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const eol = header.endsWith('\r\n') ? '\r\n' : '\n';
      expect(readFileSync(file, 'utf8')).toBe(`${header}q,1${eol}a,1${eol}`);
    }
  });

  it('a header of other columns after a BOM is refused, the BOM shown', async () => {
    const file = join(tempDir(), 'out.csv');
    writeFileSync(file, '\ufeffx,y\n');
    const r = await runCli(['--once', '--count-by-value', '--format', 'csv', '--header', '--output', file], 'a\n');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`dstream: --header: '${file}' starts with the line "\\uFEFFx,y", but this run's records make the columns "key,value": appended rows would stand under the wrong columns, so none is written (write to another file, or move this one away)\n`);
    expect(readFileSync(file, 'utf8')).toBe('\ufeffx,y\n');
  });
});

describe('--workers N with a setting only one thread takes', () => {
  const log = '1.2.3.4 - - [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" 200 1\n';
  const job = ['--event-time', 'l => field(l, 4).slice(1)', '--map', 'l => field(l, 9)', '--count-by-value', '--format', 'tsv'];

  it('--output-mode and --allowed-lateness: refused naming --workers, though the job has a window', async () => {
    const file = join(tempDir(), 'one.log');
    writeFileSync(file, log);
    for (const [flag, value] of [['--output-mode', 'update'], ['--allowed-lateness', '1m']]) {
      const r = await runWithStdinFile([...job, '--window', '1h', '--workers', '2', flag!, value!], file);
      expect(r.stderr).toBe(`dstream: ${flag} is not supported with --workers 2: only the one-thread pipeline takes it; run with --workers 1\n`);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      const one = await runWithStdinFile([...job, '--window', '1h', '--workers', '1', flag!, value!], file);
      expect([one.code, one.stdout, one.stderr]).toEqual([0, '2015-05-17T10:00:00.000Z\t200\t1\n', '']);
    }
  });

  it('--timezone with a window under an hour runs in threads (it said --timezone needs --event-time)', async () => {
    const file = join(tempDir(), 'one.log');
    writeFileSync(file, log);
    const r = await runWithStdinFile([...job, '--window', '1m', '--workers', '2', '--timezone', 'Europe/Paris'], file);
    expect([r.code, r.stdout, r.stderr]).toEqual([0, '2015-05-17T08:05:00.000Z\t200\t1\n', '']);
  });
});

describe('CLI corners', () => {
  it('--batch-marker -V, -h or --count: a missing value (exit 2), not the version or the help', async () => {
    for (const flag of ['-V', '-h', '--count', '--version']) {
      const r = await runCli(['--batch-marker', flag, '--count', '--format', 'tsv'], `a\n${flag}\nb\n`);
      expect([r.code, r.stdout, r.stderr]).toEqual([2, '', 'dstream: --batch-marker needs a value (a marker line that is a flag\'s name is given with =: --batch-marker=--count)\n']);
    }
    const r = await runCli(['--batch-marker=-V', '--count', '--format', 'tsv'], 'a\n-V\nb\n');
    expect([r.code, r.stdout, r.stderr]).toEqual([0, '1\n1\n', '']);
  });

  it('dstream checkpoint inspect --help (and completion --help): the usage on stdout, exit 0', async () => {
    for (const args of [['checkpoint', 'inspect', '--help'], ['checkpoint', '-h'], ['checkpoint', 'reset', 'x', '--help']]) {
      const r = await runCli(args, '');
      expect([r.code, r.stderr]).toEqual([0, '']);
      expect(r.stdout).toMatch(/^Usage: dstream checkpoint inspect DIR \| dstream checkpoint reset DIR\n\n {2}inspect DIR {2}prints what the checkpoint in DIR holds/);
    }
    const c = await runCli(['completion', '--help'], '');
    expect([c.code, c.stdout, c.stderr]).toEqual([0, 'Usage: dstream completion bash|zsh\n', '']);
  });
});
