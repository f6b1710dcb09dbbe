/**
 * End-to-end: answers that must be exact or refused out loud (issue 14) —
 * 64-bit integers, numeric strings, epoch units, CSV records with quoted line
 * breaks, a cut access-log line. Each runs the built binary and compares
 * exact output with an independent count (awk, Python's csv module, Miller).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, runCli } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'dstream-exact-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const APACHE = `${ROOT}/data/elastic-examples/apache_logs`;

describe('--parse combined repairs a user agent cut at the end of the line', () => {
  it('a count per status equals awk\'s (9,126 × 200), the repaired line reported and summarised', async () => {
    const r = await runCli(['--parse', 'combined', '--map', 'r => r.status', '--count-by-value', '--batch', '1d', '--format', 'tsv'], { file: APACHE });
    expect(r.code).toBe(0);
    // awk '{print $9}' apache_logs | sort | uniq -c
    expect(r.stdout.trimEnd().split('\n').sort()).toEqual(['200\t9126', '206\t45', '301\t164', '304\t445', '403\t2', '404\t213', '416\t2', '500\t3']);
    const err = r.stderr.trimEnd().split('\n');
    expect(err).toHaveLength(2);
    expect(err[0]).toMatch(/^dstream: --parse combined: repaired record: missing closing quote of the user agent: taken to the end of the line; input "46\.118\.127\.106 - - \[20\/May\/2015:12:05:17 \+0000\]/);
    expect(err[1]).toBe('dstream: 1 line repaired by --parse (kept)');
  });

  it('the repaired user agent runs to the end of the line', async () => {
    const r = await runCli(['--parse', 'combined', '--filter', 'r => r.remote_addr === "46.118.127.106" && r.path.endsWith("configlib.py")', '--map', 'r => r.user_agent', '--format', 'tsv'], { file: APACHE });
    expect(r.stdout).toBe("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html\n");
  });
});

describe('numeric strings under one strict decimal grammar (sum, min, max, avg)', () => {
  const byKey = (reducer: string) => ['--map', 'v => ["k", v]', '--reduce-by-key', reducer, '--format', 'tsv'];

  it('007 08 1e3 +5 -0: sum 1020, min 0 (not -0), max 1000, avg 204', async () => {
    const out: string[] = [];
    for (const reducer of ['sum', 'min', 'max', 'avg']) {
      const r = await runCli(byKey(reducer), '007\n08\n1e3\n+5\n-0\n');
      expect(r.stderr).toBe('');
      out.push(r.stdout);
    }
    expect(out).toEqual(['k\t1020\n', 'k\t0\n', 'k\t1000\n', 'k\t204\n']);
    expect((await runCli(['--reduce', 'sum', '--format', 'tsv'], '-0\n')).stdout).toBe('0\n');
  });

  it('max and min compare "5" and "10" as numbers', async () => {
    expect((await runCli(byKey('max'), '5\n10\n')).stdout).toBe('k\t10\n');
    expect((await runCli(byKey('min'), '10\n5\n')).stdout).toBe('k\t5\n');
  });

  it('hex, 1_000, NaN, Infinity, empty and 12abc are bad records: counted, reported, in --dead-letter, never added', async () => {
    const dead = join(dir, 'numbers.dead');
    const r = await runCli([...byKey('sum'), '--dead-letter', dead], '1\n0x10\n1_000\nNaN\nInfinity\n\n12abc\n2\n');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('k\t3\n');
    const err = r.stderr.trimEnd().split('\n');
    expect(err[0]).toBe(`dstream: --reduce-by-key 'sum': skipped record: TypeError: not a number: "0x10" (sum, min, max and avg take numbers and decimal strings such as 12, -0.5, 1e3); input "0x10"`);
    expect(err[err.length - 1]).toBe(`dstream: 6 records skipped (6 by --reduce-by-key 'sum')`);
    expect(readFileSync(dead, 'utf8')).toBe('0x10\n1_000\nNaN\nInfinity\n\n12abc\n');
  });
});

describe('integers beyond 2^53 stay exact (BigInt) through --parse json and JSON.parse', () => {
  // 2^53 + 1 and 2^53 are one double; 2^64 − 1 is far beyond.
  const ids = [9007199254740993n, 9007199254740992n, 9007199254740993n, 18446744073709551615n];
  const input = ids.map((id, k) => `{"id":${id},"n":${k === 3 ? '18446744073709551615' : k + 1}}\n`).join('');

  it('count-by-value keeps 9007199254740993 and 9007199254740992 apart (tsv, --map JSON.parse)', async () => {
    const r = await runCli(['--map', 'JSON.parse', '--map', 't => t.id', '--count-by-value', '--batch', '1d', '--format', 'tsv'], input);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('9007199254740993\t2\n9007199254740992\t1\n18446744073709551615\t1\n');
  });

  it('reduce-by-key sum and max over BigInt keys and values, json output with exact numbers (--parse json)', async () => {
    const sum = await runCli(['--parse', 'json', '--map', 't => [t.id, t.n]', '--reduce-by-key', 'sum', '--batch', '1d', '--format', 'json'], input);
    expect(sum.stdout.replace(/"time":\d+/g, '"time":T')).toBe(
      '{"time":T,"key":9007199254740993,"value":4}\n{"time":T,"key":9007199254740992,"value":2}\n{"time":T,"key":18446744073709551615,"value":18446744073709551615}\n',
    );
    const max = await runCli(['--parse', 'json', '--map', 't => ["all", t.id]', '--reduce-by-key', 'max', '--format', 'tsv'], input);
    expect(max.stdout).toBe('all\t18446744073709551615\n');
  });

  it('--top ranks BigInt values numerically and breaks ties by BigInt keys numerically', async () => {
    const r = await runCli(['--parse', 'json', '--map', 't => [t.id, t.id]', '--reduce-by-key', 'max', '--top', '3', '--batch', '1d', '--format', 'tsv'], input);
    expect(r.stdout).toBe('18446744073709551615\t18446744073709551615\n9007199254740993\t9007199254740993\n9007199254740992\t9007199254740992\n');
    const counts = await runCli(['--parse', 'json', '--map', 't => t.id', '--count-by-value', '--top', '2', '--batch', '1d', '--format', 'text'], input);
    expect(counts.stdout.split('\n').slice(3, 5)).toEqual(['(9007199254740993,2)', '(9007199254740992,1)']);
  });

  it('BigInt keys and state survive a checkpoint round trip', async () => {
    const ck = join(dir, 'bigint-checkpoint');
    const job = ['--checkpoint', ck, '--parse', 'json', '--map', 't => [t.id, BigInt(t.n)]', '--update-state-by-key', '(vs, s) => vs.reduce((a, b) => a + b, s ?? 0n)', '--format', 'tsv'];
    const first = await runCli(job, input);
    expect(first.code).toBe(0);
    // Rows in the order of the state table (insertion order; after a restore, the snapshot's).
    expect(first.stdout).toBe('9007199254740993\t4\n9007199254740992\t2\n18446744073709551615\t18446744073709551615\n');
    const second = await runCli(job, '{"id":9007199254740993,"n":1}\n{"id":18446744073709551615,"n":1}\n');
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(/checkpoint: restored state/);
    expect(second.stdout.split('\n').sort()).toEqual(['', '18446744073709551615\t18446744073709551616', '9007199254740992\t2', '9007199254740993\t5']);
  });
});

describe('a numeric epoch\'s unit follows from its magnitude; event times beyond year 9999 are bad records', () => {
  const job = ['--parse', 'json', '--event-time', 't => typeof t.ts === "string" ? new Date(t.ts) : t.ts', '--map', 't => t.u', '--count-by-value', '--window', '1m', '--format', 'tsv'];

  it('seconds, milliseconds, microseconds and nanoseconds of one instant fall in one window; 1e20 and year 10000 are skipped', async () => {
    const lines = [
      '{"ts":1503792334,"u":"s"}', '{"ts":1503792334000,"u":"ms"}', '{"ts":1503792334000000,"u":"us"}', '{"ts":1503792334000000000,"u":"ns"}',
      '{"ts":"+010000-01-01T00:00:00Z","u":"year 10000"}', '{"ts":1e20,"u":"1e20"}', '{"ts":1503792454.5,"u":"s later"}',
    ];
    const r = await runCli(job, lines.join('\n') + '\n');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe([
      '2017-08-27T00:05:00.000Z\tms\t1', '2017-08-27T00:05:00.000Z\tns\t1', '2017-08-27T00:05:00.000Z\ts\t1', '2017-08-27T00:05:00.000Z\tus\t1',
      '2017-08-27T00:07:00.000Z\ts later\t1', '',
    ].join('\n'));
    const err = r.stderr.trimEnd().split('\n');
    expect(err[0]).toContain('skipped record: not a valid time: "+010000-01-01T00:00:00.000Z"');
    expect(err[1]).toContain('skipped record: not a valid time: 100000000000000000000');
    expect(err[2]).toMatch(/^dstream: 2 records skipped \(2 by --event-time/);
  });

  it('a microsecond epoch no longer poisons the watermark: records of later batches are not dropped as late', async () => {
    const child = spawn(process.execPath, [BIN, '--batch', '100ms', ...job], { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const closed = new Promise((res) => child.on('close', res));
    // Batch 1: ms and µs of 00:05:34, and 00:07:34 in ms, whose watermark closes the 00:05 window.
    child.stdin.write('{"ts":1503792334000,"u":"a"}\n{"ts":1503792334000000,"u":"b"}\n{"ts":1503792454000,"u":"c"}\n');
    await new Promise<void>((res) => child.stdout.on('data', (d) => { stdout += d; if (stdout.includes('\tb\t1\n')) res(); }));
    // Later batch: nanoseconds of 00:07:35 (a BigInt from JSON), in the open 00:07 window.
    child.stdin.end('{"ts":1503792455000000000,"u":"d"}\n');
    expect(await closed).toBe(0);
    expect(stdout).toBe('2017-08-27T00:05:00.000Z\ta\t1\n2017-08-27T00:05:00.000Z\tb\t1\n2017-08-27T00:07:00.000Z\tc\t1\n2017-08-27T00:07:00.000Z\td\t1\n');
    expect(stderr).toBe('');
  });
});

const TWEETS_CSV = `${ROOT}/../shared/data/fivethirtyeight/mayweather_mcgregor_tweets.csv`;

describe('--parse csv reads records whose quoted fields span lines (RFC 4180)', () => {
  it.skipIf(!existsSync(TWEETS_CSV))('all 12,118 tweets of the CSV are read (Miller and Python\'s csv module count 12,118), 1,774 with line breaks', async () => {
    const count = await runCli(['--parse', 'csv', '--count', '--batch', '1d', '--format', 'tsv'], { file: TWEETS_CSV });
    expect(count.stderr).toBe('');
    expect(count.stdout).toBe('12118\n');
    const multi = await runCli(['--parse', 'csv', '--filter', 'r => r.text.includes("\\n")', '--count', '--batch', '1d', '--format', 'tsv'], { file: TWEETS_CSV });
    expect(multi.stdout).toBe('1774\n');
    // Python: Counter(r['user'] for r in csv.DictReader(f)).most_common(3)
    const users = await runCli(['--parse', 'csv', '--map', 'r => r.user', '--count-by-value', '--top', '3', '--batch', '1d', '--format', 'tsv'], { file: TWEETS_CSV });
    expect(users.stdout).toBe('user00056\t19\nuser00055\t18\nuser00498\t10\n');
  });

  it('a record left open at the end of input is a bad record: reported, in --dead-letter whole, never silent', async () => {
    const dead = join(dir, 'csv.dead');
    const r = await runCli(['--parse', 'csv', '--map', 'r => r.id + ":" + r.text', '--format', 'tsv', '--dead-letter', dead],
      'id,text\n1,"multi\nline ""quoted"" text"\n2,plain\n3,"never\nclosed\n');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('1:multi\\nline "quoted" text\n2:plain\n');
    expect(r.stderr).toBe('dstream: --parse csv: skipped record: ParseError: csv: missing closing quote: the input ended inside a quoted field; input "3,\\"never\\nclosed"\n'
      + 'dstream: 1 record skipped (1 by --parse csv)\n');
    expect(readFileSync(dead, 'utf8')).toBe('3,"never\nclosed\n');
  });

  it('the header is kept in the checkpoint: a restarted job does not take a data row for the header', async () => {
    const ck = join(dir, 'csv-checkpoint');
    const job = ['--checkpoint', ck, '--parse', 'csv', '--map', 'r => r.id + ":" + r.text', '--format', 'tsv'];
    expect((await runCli(job, 'id,text\n1,"a\nb"\n')).stdout).toBe('1:a\\nb\n');
    const second = await runCli(job, '2,"c\nd"\n3,e\n');
    expect(second.stdout).toBe('2:c\\nd\n3:e\n');
    expect(second.stderr).toMatch(/checkpoint: restored state/);
  });

  it('--workers refuses CSV input with what to do (exit 2)', async () => {
    const r = await runCli(['--workers', '2', '--parse', 'csv', '--count'], { file: APACHE });
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('dstream: --workers cannot split CSV input (every part needs the header, and a quoted field may span lines); run without --workers');
  });
});
