/**
 * `--workers auto`, the default on a file: threads where the job allows them, and then the same
 * stdout, stderr and exit code as one thread, byte for byte (real files of 18–19 MB: the bundled
 * access log and tweets, eight copies each, so that auto starts two threads on any machine with
 * two cores); one thread, silently, where it does not.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTO_MIN_BYTES_PER_THREAD } from '../../src/cli/workers-auto.js';
import { ROOT, runCli } from '../helpers/run-cli.js';
import { runWithStdinFile } from '../helpers/run-file.js';

const dir = mkdtempSync(join(tmpdir(), 'dstream-workers-auto-'));
const ACCESS = join(dir, 'access8.log');
const TWEETS = join(dir, 'tweets8.jsonl');
const EVENT_TIME = 'l => l.split("[")[1].split("]")[0]';
const twoCores = cpus().length >= 2;

beforeAll(() => {
  writeFileSync(ACCESS, readFileSync(join(ROOT, 'data/elastic-examples/apache_logs'), 'utf8').repeat(8));
  writeFileSync(TWEETS, readFileSync(join(ROOT, 'data/fivethirtyeight/mayweather_mcgregor_tweets.jsonl'), 'utf8').repeat(8));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('--workers auto (the default)', () => {
  it('the test files are big enough for two threads', () => {
    expect(readFileSync(ACCESS).length).toBeGreaterThanOrEqual(2 * AUTO_MIN_BYTES_PER_THREAD);
    expect(readFileSync(TWEETS).length).toBeGreaterThanOrEqual(2 * AUTO_MIN_BYTES_PER_THREAD);
  });

  it.skipIf(!twoCores)('uses every core on a file (said only with --verbose)', async () => {
    const r = await runWithStdinFile(['--verbose', '--count', '--format', 'tsv'], ACCESS);
    expect(r.stdout).toBe('80000\n');
    expect(r.stderr).toBe(`dstream: --workers auto: ${Math.min(cpus().length, 2)} threads\n`);
    const plain = await runWithStdinFile(['--count', '--format', 'tsv'], ACCESS);
    expect(plain.stderr).toBe('');
  });

  it.each([
    ['top hashtags (text frame)', 'tweets', ['--map', 'JSON.parse', '--flat-map', 't => hashtags(t.text)', '--count-by-value', '--top', '10']],
    ['hashtag counts as json', 'tweets', ['--map', 'JSON.parse', '--flat-map', 't => hashtags(t.text)', '--count-by-value', '--format', 'json']],
    ['top hashtags per 10-minute event-time window, csv with header', 'tweets',
      ['--map', 'JSON.parse', '--event-time', 't => t.created_at', '--flat-map', 't => hashtags(t.text)', '--count-by-value', '--window', '10m', '--top', '5', '--format', 'csv', '--header']],
    ['object keys', 'tweets', ['--map', 'JSON.parse', '--map', 't => ({ u: t.user.slice(0, 6), e: t.emojis })', '--count-by-value', '--format', 'json']],
    ['a misspelt field: the warning counts every thread', 'tweets', ['--map', 'JSON.parse', '--map', 't => t.nope', '--count-by-value', '--format', 'tsv']],
    ['requests per status', 'access', ['--map', 'l => field(l, 9)', '--count-by-value']],
    ['count', 'access', ['--count']],
    ['count of nothing is 0', 'access', ['--filter', 'l => false', '--count', '--format', 'tsv']],
    ['max bytes per status', 'access', ['--map', 'l => [field(l, 9), +field(l, 10) || 0]', '--reduce-by-key', 'max', '--format', 'tsv']],
    ['a throwing function: the first errors and the summary', 'access',
      ['--map', 'l => { const x = field(l, 10); if (x === "-") throw new Error("no size"); return [field(l, 9), +x] }', '--reduce-by-key', 'min', '--format', 'tsv']],
    ['--parse combined', 'access', ['--parse', 'combined', '--map', 'r => r.status', '--count-by-value', '--format', 'tsv']],
    ['--parse json on an access log: errors, the hint, exit 1', 'access', ['--parse', 'json', '--count-by-value', '--format', 'tsv']],
    ['1 h windows sliding 30 min (event time)', 'access',
      ['--event-time', EVENT_TIME, '--watermark', '1m', '--map', 'l => field(l, 9)', '--count-by-value', '--window', '1h', '--slide', '30m', '--format', 'tsv']],
    ['5-minute windows, text frames', 'access', ['--event-time', EVENT_TIME, '--map', 'l => field(l, 9)', '--count-by-value', '--window', '5m']],
    ['top clients, then a map', 'access', ['--map', 'l => field(l, 1)', '--count-by-value', '--top', '20', '--map', 'p => p[0]', '--format', 'tsv']],
    ['sum of bytes (integers: threads)', 'access', ['--map', 'l => [field(l, 9), +field(l, 10) || 0]', '--reduce-by-key', 'sum', '--format', 'tsv']],
    ['sum of decimals (read in one thread after all)', 'access', ['--map', 'l => [field(l, 9), (+field(l, 10) || 0) / 7]', '--reduce-by-key', 'sum', '--format', 'tsv']],
    // auto keeps one thread for these (a function may not be associative)
    ['a reduce function (one thread)', 'access', ['--map', 'l => [field(l, 9), 1]', '--reduce-by-key', '(a, b) => a - b', '--format', 'tsv']],
    ['state across batches (one thread)', 'access', ['--map', 'l => [field(l, 9), 1]', '--update-state-by-key', '(vs, s) => (s || 0) + vs.length', '--format', 'tsv']],
  ])('%s: default, auto and 2 threads give one thread\'s stdout, stderr and exit code', async (_name, input, args) => {
    const file = input === 'tweets' ? TWEETS : ACCESS;
    const one = await runWithStdinFile(['--workers', '1', ...args], file);
    expect(one.stdout.length + one.stderr.length).toBeGreaterThan(0);
    const runs = [await runWithStdinFile(args, file), await runWithStdinFile(['--workers', 'auto', ...args], file)];
    // (--workers 2 over decimals adds a note on stderr: test/e2e/workers-sum.test.ts)
    if (!args.includes('(a, b) => a - b') && !args.includes('--update-state-by-key') && !args.some((a) => a.includes('/ 7'))) runs.push(await runWithStdinFile(['--workers', '2', ...args], file));
    for (const r of runs) {
      expect(r.stdout).toBe(one.stdout);
      expect(r.stderr).toBe(one.stderr);
      expect(r.code).toBe(one.code);
    }
  });

  it('is one thread, saying why under --verbose, on a pipe, under a checkpoint, with --max-records-per-batch or --dead-letter', async () => {
    const text = readFileSync(ACCESS, 'utf8').slice(0, 2_000_000);
    const piped = await runCli(['--verbose', '--count', '--format', 'tsv'], text);
    expect(piped.stderr).toBe('dstream: --workers auto: 1 thread (stdin is not a regular file: a pipe or a terminal cannot be split among threads)\n');
    const ck = join(dir, 'ck');
    const first = await runWithStdinFile(['--verbose', '--checkpoint', ck, '--map', 'l => field(l, 9)', '--count-by-value', '--format', 'tsv'], ACCESS);
    expect(first.code).toBe(0);
    expect(first.stderr).toBe('dstream: --workers auto: 1 thread (--checkpoint needs the one-thread pipeline)\n');
    const alone = await runWithStdinFile(['--workers', '1', '--map', 'l => field(l, 9)', '--count-by-value', '--format', 'tsv'], ACCESS);
    expect(first.stdout).toBe(alone.stdout);
    const again = await runWithStdinFile(['--checkpoint', ck, '--map', 'l => field(l, 9)', '--count-by-value', '--format', 'tsv'], ACCESS);
    expect(again).toMatchObject({ code: 0, stdout: '' }); // the file was read to its end under this checkpoint
    const batches = await runWithStdinFile(['--verbose', '--max-records-per-batch', '50000', '--count', '--format', 'tsv'], ACCESS);
    expect(batches.stdout).toBe('50000\n30000\n');
    expect(batches.stderr).toBe('dstream: --workers auto: 1 thread (--max-records-per-batch needs the one-thread pipeline)\n');
    const dead = join(dir, 'dead.txt');
    const kept = await runWithStdinFile(['--verbose', '--dead-letter', dead, '--map', 'l => { if (l.includes("POST")) throw new Error("post"); return l }', '--count', '--format', 'tsv'], ACCESS);
    expect(kept.stderr).toContain('dstream: --workers auto: 1 thread (--dead-letter needs the one-thread pipeline)\n');
    expect(readFileSync(dead, 'utf8').split('\n').length - 1).toBe(Number(/(\d+) records skipped/.exec(kept.stderr)?.[1]));
  });

  it('an explicit --workers N keeps its usage errors (exit 2, one line, before input is read)', async () => {
    const cases: [string[], string][] = [
      [['--workers', '2', '--checkpoint', join(dir, 'ck2'), '--count'], 'dstream: --workers cannot be combined with --checkpoint'],
      [['--workers', '2', '--max-records-per-batch', '10', '--count'], 'dstream: --workers reads the file as one batch: it cannot be combined with --max-records-per-batch'],
      [['--workers', '0', '--count'], "dstream: --workers: '0' is not auto or a number of threads from 1 to 64"],
      [['--workers', 'many', '--count'], "dstream: --workers: 'many' is not auto or a number of threads from 1 to 64"],
    ];
    for (const [args, line] of cases) {
      const r = await runWithStdinFile(args, ACCESS);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`${line}\n`);
      expect(r.stdout).toBe('');
    }
    const piped = await runCli(['--workers', '2', '--count'], 'a\n');
    expect(piped.code).toBe(2);
    expect(piped.stderr.split('\n')[0]).toMatch(/^dstream: --workers reads stdin redirected from a file/);
  });
});
