/** End-to-end: state across batches, output modes, sessions and time zones, on the built binary. */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT, runCli } from '../helpers/run-cli.js';

const AUTH = `${ROOT}/data/elastic-examples/auth.log`;
const TWEETS = `${ROOT}/data/fivethirtyeight/mayweather_mcgregor_tweets.jsonl`;

describe('stateful jobs from the CLI', () => {
  it('ssh sessions per source IP (30-minute gap) in auth.log match an independent Python computation', async () => {
    const r = await runCli(
      [
        '--filter', 'l => / sshd\\[\\d+\\]: .* from \\d+\\.\\d+\\.\\d+\\.\\d+/.test(l)',
        '--event-time', 'l => { const [m, d, t] = l.split(/ +/); return `${d} ${m} 2017 ${t}` }',
        '--map', 'l => l.match(/ from (\\d+\\.\\d+\\.\\d+\\.\\d+)/)[1]',
        '--count-by-value', '--session-window', '30m', '--format', 'tsv',
      ],
      { file: AUTH },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const expected = readFileSync(`${ROOT}/test/fixtures/ssh-sessions-30m.expected.tsv`, 'utf8');
    expect(r.stdout.trimEnd().split('\n').sort().join('\n') + '\n').toBe(expected);
    expect(expected.split('\n')).toHaveLength(276);
  });

  it('running totals per key across batches (update-state-by-key, update mode)', async () => {
    const child = spawn(process.execPath, [BIN, '--batch', '100ms', '--map', 'l => [l.split(" ")[0], +l.split(" ")[1]]',
      '--update-state-by-key', '(vs, s) => vs.reduce((a, b) => a + b, s || 0)', '--output-mode', 'update', '--format', 'tsv'], { cwd: ROOT });
    let out = '';
    const closed = new Promise((res) => child.on('close', res));
    child.stdin.write('a 1\nb 2\n');
    await new Promise<void>((res) => child.stdout.on('data', (d) => { out += d; if (out.split('\n').length > 2) res(); }));
    child.stdin.end('a 5\n');
    expect(await closed).toBe(0);
    expect(out).toBe('a\t1\nb\t2\na\t6\n');
  });

  it('refuses output modes that cannot be honoured, before reading input', async () => {
    const r = await runCli(['--map', 'l => [l, 1]', '--update-state-by-key', '(v, s) => v.length + (s || 0)', '--output-mode', 'append']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe("dstream: --output-mode append: --update-state-by-key '(v, s) => v.length + (s || 0)' without --event-time never has final results; use --output-mode update or complete (or add --event-time with --state-timeout)");
    const s = await runCli(['--max-keys', '10', '--count']);
    expect(s.stderr.split('\n')[0]).toBe('dstream: --max-keys applies to --update-state-by-key and --map-with-state; there is none');
  });

  it('tweets per local hour in New York (created_at read as local time)', async () => {
    const r = await runCli(['--map', 'JSON.parse', '--event-time', 't => t.created_at', '--timezone', 'America/New_York', '--count', '--window', '1h', '--format', 'csv'], { file: TWEETS });
    expect(r.code).toBe(0);
    // 00:05–00:59 EDT = 04:xx UTC and 01:00–01:14 EDT = 05:xx UTC; counts checked against tweets-per-minute.expected.csv
    const perMinute = readFileSync(`${ROOT}/test/fixtures/tweets-per-minute.expected.csv`, 'utf8').trim().split('\n').map((l) => l.split(','));
    const h0 = perMinute.filter(([t]) => t!.startsWith('2017-08-27T00')).reduce((a, [, n]) => a + Number(n), 0);
    const h1 = perMinute.filter(([t]) => t!.startsWith('2017-08-27T01')).reduce((a, [, n]) => a + Number(n), 0);
    expect(r.stdout).toBe(`2017-08-27T04:00:00.000Z,${h0}\n2017-08-27T05:00:00.000Z,${h1}\n`);
  });
});
