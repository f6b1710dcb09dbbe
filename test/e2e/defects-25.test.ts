/**
 * Regression tests for small defects found in session 24, one `describe` per defect, each running
 * the real `bin/dstream.js`.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { runWithStdinFile } from '../helpers/run-file.js';

/** A Redis URL nothing listens on: these refusals come before any connection. */
const NOWHERE = 'redis://127.0.0.1:1';

describe('a distributed refusal names the operator that breaks the shape', () => {
  it('an operator after --top is named, not the missing --event-time (exit 2, before any connection)', async () => {
    const r = await runCli(['--from', `${NOWHERE}/in?group=g`, '--to', `${NOWHERE}/out`,
      '--map', 'l => l', '--count-by-value', '--window', '5m', '--top', '3', '--map', 'r => r']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/\(--map after the --top is not supported: a window's rows are spread over key partitions and only dstream cat sees them together\)\n$/);
  });

  it('a missing --event-time says why and where it goes', async () => {
    const r = await runCli(['--from', `${NOWHERE}/in?group=g`, '--to', `${NOWHERE}/out`, '--map', 'l => l', '--count-by-value', '--window', '5m']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\(--event-time is missing: workers on other machines have other clocks, so windows follow event time; add --event-time FN before --count-by-value\)\n$/);
  });
});

describe('processing-time windows over a file start at the epoch, not before it', () => {
  const lines = Array.from({ length: 10 }, (_, i) => `${i + 1}`).join('\n') + '\n';

  // --once: bounded input from a pipe, as a file is.
  it('the first logical batch is at the window length: no 1969 window starts, the same output every run', async () => {
    const args = ['--once', '--count', '--window', '3s', '--slide', '1s', '--max-records-per-batch', '3', '--format', 'tsv'];
    const first = await runCli(args, lines);
    // Batches of 3, 3, 3, 1 records at 3 s, 4 s, 5 s, 6 s: windows (0, 3], (1, 4], (2, 5], (3, 6].
    expect(first.stdout).toBe('1970-01-01T00:00:00.000Z\t3\n1970-01-01T00:00:01.000Z\t6\n1970-01-01T00:00:02.000Z\t9\n1970-01-01T00:00:03.000Z\t7\n');
    expect((await runCli(args, lines)).stdout).toBe(first.stdout);
  });

  it('without a processing-time window the first batch stays at one batch interval', async () => {
    const r = await runCli(['--once', '--count', '--max-records-per-batch', '4', '--format', 'json'], lines);
    expect(r.stdout).toBe('{"time":1000,"value":4}\n{"time":2000,"value":4}\n{"time":3000,"value":2}\n');
  });
});

describe('a number out of the double range is a bad record, below it as above it', () => {
  it('1e-400 is refused as 1.5e400 is, not summed as 0; 0e-400 is zero', async () => {
    const r = await runCli(['--once', '--map', 'l => l.split(" ")', '--reduce-by-key', 'sum', '--format', 'tsv'], 'a 1e-400\na 2\na 0e-400\nb 1.5e400\nb 1\n');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('a\t2\nb\t1\n');
    const why = '(a value beyond ±1.8e308 would be Infinity, a nonzero one below about 2.5e-324 would be 0)';
    expect(r.stderr).toContain(`skipped record: TypeError: out of the double range: "1e-400" ${why}; input "a 1e-400"\n`);
    expect(r.stderr).toContain(`skipped record: TypeError: out of the double range: "1.5e400" ${why}; input "b 1.5e400"\n`);
    expect(r.stderr).toContain('2 records skipped');
  });
});

describe('a lone surrogate is U+FFFD in every output format', () => {
  // A function that cuts a string between the halves of a surrogate pair makes one.
  const map = ['--map', 'l => [l.slice(0, 1), { v: l.slice(0, 3), "\\\\udcff": 1 }]'];
  const input = '\u{1F600}x\n';

  it.each([
    ['json', '{"time":1000,"key":"\uFFFD","value":{"v":"\u{1F600}x","\\\\udcff":1}}\n'],
    ['tsv', '\uFFFD\t{"v":"\u{1F600}x","\\\\\\\\udcff":1}\n'],
    ['csv', '\uFFFD,"{""v"":""\u{1F600}x"",""\\\\udcff"":1}"\n'],
  ])('--format %s', async (format, want) => {
    const r = await runCli(['--once', ...map, '--format', format], input);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(want);
  });

  it('--format json: a lone surrogate inside an object too, and an escaped backslash before "udcff" is kept', async () => {
    const r = await runCli(['--once', '--map', 'l => ({ a: l.slice(1), b: "\\\\" + "udc00" })', '--format', 'json'], input);
    expect(r.stdout).toBe('{"time":1000,"value":{"a":"\uFFFDx","b":"\\\\udc00"}}\n');
  });
});

describe('--verbose says why --workers auto chose one thread', () => {
  it('a small file, a reducer function, a pipe', async () => {
    const d = mkdtempSync(join(tmpdir(), 'dstream-defects-25-'));
    const file = join(d, 'ten');
    writeFileSync(file, '1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n');
    try {
      const small = await runWithStdinFile(['--verbose', '--count', '--format', 'tsv'], file);
      expect(small.stderr).toBe('dstream: --workers auto: 1 thread (the input is 21 bytes, under 16 MiB: a thread costs more to start than it saves)\n');
      const fn = await runWithStdinFile(['--verbose', '--reduce', '(a, b) => a + b', '--format', 'tsv'], file);
      expect(fn.stderr).toBe('dstream: --workers auto: 1 thread (--reduce with a function, which may not be associative)\n');
      const piped = await runCli(['--verbose', '--count', '--format', 'tsv'], '1\n');
      expect(piped.stderr).toBe('dstream: --workers auto: 1 thread (stdin is not a regular file: a pipe or a terminal cannot be split among threads)\n');
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});

describe('a fraction a double drops whole is a bad record, not summed as the integer it rounds to', () => {
  it('9007199254740993 + 1.00000000000000005e15 is refused (it printed 10007199254740993); 2.50e1 and 1e3 are integers', async () => {
    const r = await runCli(['--once', '--reduce', 'sum', '--format', 'tsv'], '9007199254740993\n1.00000000000000005e15\n0.99999999999999999\n2.50e1\n1e3\n');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('9007199254742018\n');
    expect(r.stderr).toContain('skipped record: TypeError: a fraction a double cannot hold: "1.00000000000000005e15" would be read as the integer 1000000000000000; input "1.00000000000000005e15"\n');
    expect(r.stderr).toContain('skipped record: TypeError: a fraction a double cannot hold: "0.99999999999999999" would be read as the integer 1; input "0.99999999999999999"\n');
    expect(r.stderr).toContain("dstream: 2 records skipped (2 by --reduce 'sum')\n");
  });
});

describe('--parse csv over a watched directory: each file has its own header', () => {
  it('the header line of the second file is not a row; a file may have other columns; a quote left open ends with its file', async () => {
    const d = mkdtempSync(join(tmpdir(), 'dstream-defects-25-'));
    const dir = join(d, 'in');
    try {
      mkdirSync(dir);
      writeFileSync(join(dir, 'a.csv'), 'name,n\na,1\nb,2\n');
      writeFileSync(join(dir, 'b.csv'), 'name,n\nc,3\n');
      writeFileSync(join(dir, 'c.csv'), 'n,name\n4,"d\n');
      writeFileSync(join(dir, 'd.csv'), 'x\n7\n');
      const r = await runCli(['--watch', dir, '--once', '--parse', 'csv', '--format', 'json']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe([{ name: 'a', n: '1' }, { name: 'b', n: '2' }, { name: 'c', n: '3' }, { x: '7' }]
        .map((v) => `{"time":1000,"value":${JSON.stringify(v)}}\n`).join(''));
      expect(r.stderr).toContain(`--parse csv: skipped record: ParseError: csv: missing closing quote: ${join(dir, 'c.csv')} ended inside a quoted field; input "4,\\"d"\n`);
      expect(r.stderr).toContain('dstream: 1 record skipped (1 by --parse csv)\n');
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});
