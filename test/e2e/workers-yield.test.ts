/**
 * `--workers auto` when the job gets no second core (engine/workers-yield.ts): the worker thread
 * gives the rest of its part up and the main thread reads it. Forced here with
 * `DSTREAM_FAULT=workers-yield` (the main thread asks at once, whatever the machine): stdout,
 * stderr and exit code stay one thread's, byte for byte (the bundled access log and tweets, eight
 * copies each, so that auto starts two threads).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/run-cli.js';
import { runWithStdinFile } from '../helpers/run-file.js';

const dir = mkdtempSync(join(tmpdir(), 'dstream-workers-yield-'));
const ACCESS = join(dir, 'access8.log');
const TWEETS = join(dir, 'tweets8.jsonl');
const EVENT_TIME = 'l => l.split("[")[1].split("]")[0]';
const YIELD = { DSTREAM_FAULT: 'workers-yield' };

beforeAll(() => {
  writeFileSync(ACCESS, readFileSync(join(ROOT, 'data/elastic-examples/apache_logs'), 'utf8').repeat(8));
  writeFileSync(TWEETS, readFileSync(join(ROOT, 'data/fivethirtyeight/mayweather_mcgregor_tweets.jsonl'), 'utf8').repeat(8));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(cpus().length < 2)('--workers auto, the thread yielding its part', () => {
  it('still says two threads under --verbose (how the file is shared out is not output)', async () => {
    const r = await runWithStdinFile(['--verbose', '--count', '--format', 'tsv'], ACCESS, YIELD);
    expect({ stdout: r.stdout, code: r.code }, r.stderr).toEqual({ stdout: '80000\n', code: 0 });
    expect(r.stderr).toBe(`dstream: --workers auto: ${Math.min(cpus().length, 2)} threads\n`);
  });

  it.each([
    ['top hashtags', 'tweets', ['--map', 'JSON.parse', '--flat-map', 't => hashtags(t.text)', '--count-by-value', '--top', '10', '--format', 'tsv']],
    ['hashtag counts as json', 'tweets', ['--map', 'JSON.parse', '--flat-map', 't => hashtags(t.text)', '--count-by-value', '--format', 'json']],
    ['requests per status', 'access', ['--map', 'l => field(l, 9)', '--count-by-value']],
    ['5-minute event-time windows', 'access', ['--event-time', EVENT_TIME, '--map', 'l => field(l, 9)', '--count-by-value', '--window', '5m', '--format', 'tsv']],
    ['a throwing function: the first errors and the summary', 'access',
      ['--map', 'l => { const x = field(l, 10); if (x === "-") throw new Error("no size"); return [field(l, 9), +x] }', '--reduce-by-key', 'min', '--format', 'tsv']],
    ['sum of bytes per client', 'access', ['--map', 'l => [field(l, 1), +field(l, 10) || 0]', '--reduce-by-key', 'sum', '--format', 'tsv']],
    ['--parse json on an access log: errors, the hint, exit 1', 'access', ['--parse', 'json', '--count-by-value', '--format', 'tsv']],
  ])('%s: one thread\'s stdout, stderr and exit code', async (_name, input, args) => {
    const file = input === 'tweets' ? TWEETS : ACCESS;
    const one = await runWithStdinFile(['--workers', '1', ...args], file);
    expect(one.stdout.length + one.stderr.length).toBeGreaterThan(0);
    const auto = await runWithStdinFile(args, file, YIELD);
    expect({ stdout: auto.stdout, stderr: auto.stderr, code: auto.code }).toEqual({ stdout: one.stdout, stderr: one.stderr, code: one.code });
  });
});
