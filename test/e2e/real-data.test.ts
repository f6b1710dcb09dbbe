/**
 * End-to-end: the built binary on the bundled real data, compared exactly with
 * answers computed independently (awk, Python: see test/fixtures/README.md).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/run-cli.js';

const APACHE = `${ROOT}/data/elastic-examples/apache_logs`;
const TWEETS = `${ROOT}/data/fivethirtyeight/mayweather_mcgregor_tweets.jsonl`;
const fixture = (name: string) => readFileSync(`${ROOT}/test/fixtures/${name}`, 'utf8');

describe('event-time jobs on real logs', () => {
  it('requests per status per 5-minute window of the Apache log match awk exactly', async () => {
    const r = await runCli(
      ['--event-time', 'l => l.split("[")[1].split("]")[0]', '--map', 'l => l.split(" ")[8]', '--count-by-value', '--window', '5m', '--format', 'tsv'],
      { file: APACHE },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    // Same rows as the independent computation...
    expect([...lines].sort().join('\n') + '\n').toBe(fixture('apache-status-5m.expected.tsv'));
    // ...and windows in event-time order.
    const starts = lines.map((l) => l.split('\t')[0]!);
    expect([...starts].sort()).toEqual(starts);
  });

  it('the same job written as --window then --count-by-value, in 100 ms batches, gives the same rows', async () => {
    const r = await runCli(
      ['--batch', '100ms', '--event-time', 'l => l.split("[")[1].split("]")[0]', '--window', '5m', '--map', 'l => l.split(" ")[8]', '--count-by-value', '--format', 'tsv'],
      { file: APACHE },
    );
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd().split('\n').sort().join('\n') + '\n').toBe(fixture('apache-status-5m.expected.tsv'));
  });

  it('tweets per minute of created_at match Python exactly (csv)', async () => {
    const r = await runCli(['--map', 'JSON.parse', '--event-time', 't => t.created_at', '--count', '--window', '1m', '--format', 'csv'], { file: TWEETS });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(fixture('tweets-per-minute.expected.csv'));
  });

  it('top 3 hashtags per 10-minute window, in Spark\'s print frame with window bounds', async () => {
    const r = await runCli(
      ['--map', 'JSON.parse', '--event-time', 't => t.created_at', '--flat-map', 't => hashtags(t.text)', '--count-by-value', '--window', '10m', '--top', '3', '--format', 'json'],
      { file: TWEETS },
    );
    expect(r.code).toBe(0);
    const rows = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(rows).toHaveLength(24); // 8 windows (00:00 .. 01:10) × 3
    const first = rows.slice(0, 3).map(({ windowStart, windowEnd, key, value }) => ({ windowStart, windowEnd, key, value }));
    const w0 = Date.UTC(2017, 7, 27, 0, 0);
    expect(first).toEqual([
      { windowStart: w0, windowEnd: w0 + 600_000, key: '#mayweathervmcgregor', value: 406 },
      { windowStart: w0, windowEnd: w0 + 600_000, key: '#mcgregor', value: 203 },
      { windowStart: w0, windowEnd: w0 + 600_000, key: '#mayweather', value: 166 },
    ]);
  });
});
