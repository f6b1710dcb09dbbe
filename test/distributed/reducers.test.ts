/**
 * Distributed mode with every reducer whose partials merge exactly (avg,
 * distinct, approx-distinct, a function, a global --count, a sliding window
 * with --allowed-lateness): two workers give the single-process answer.
 */
import { describe, expect, it } from 'vitest';
import { APACHE } from './data.js';
import { allExit, catRows, diffRows, duplicates, reference, runDstream, startWorker, tail } from './procs.js';
import { redisAvailable } from './redis-harness.js';
import { useRedisSuite } from './suite.js';

const ET = ['--event-time', 'l => l.split("[")[1].split("]")[0]', '--watermark', '1m'];
const PAIR = ['--map', 'l => { const f = l.split(" "); return [f[8], f[0]]; }'];
const JOBS: Record<string, string[]> = {
  avg: [...ET, '--map', 'l => { const f = l.split(" "); return [f[8], Number(f[9]) || 0]; }', '--reduce-by-key', 'avg', '--window', '1h'],
  distinct: [...ET, ...PAIR, '--reduce-by-key', 'distinct', '--window', '1h', '--slide', '30m'],
  approx: [...ET, ...PAIR, '--reduce-by-key', 'approx-distinct', '--window', '1d'],
  fn: [...ET, '--map', 'l => [l.split(" ")[0].split(".")[0], 1]', '--reduce-by-key', '(a, b) => a + b', '--window', '10m', '--allowed-lateness', '5m'],
  count: [...ET, '--count', '--window', '1h', '--slide', '15m'],
};

describe.skipIf(!redisAvailable())('distributed: reducers and windows', () => {
  const suite = useRedisSuite({ job: JOBS.avg!, file: () => APACHE, publish: true, removeData: false, publishArgs: ['--keep-input'] }); // each job reads it all

  it.each(Object.keys(JOBS))('%s', async (name) => {
    const job = JOBS[name]!;
    const expected = name === 'avg' ? suite.expected : await reference(job, APACHE);
    const from = suite.redis.url('apache', `red-${name}`);
    const to = suite.redis.url(`red-${name}-out`);
    const ws = [0, 1].map((i) => startWorker(from, to, job, ['--key-partitions', '4', '--lease', '2s'], { name: `worker ${i + 1}` }));
    ws.forEach((w) => suite.procs.add(w));
    const exits = await allExit(ws, 120_000);
    for (const [i, e] of exits.entries()) expect(e, tail(ws[i]!.stderr())).toEqual({ code: 0, signal: null });
    const got = await catRows(to);
    expect(expected.length).toBeGreaterThan(0);
    expect(duplicates(got)).toEqual([]);
    if (got.join('\n') !== expected.join('\n')) expect.fail(diffRows(expected, got));
  }, 180_000);

  it('refuses topk (its summaries do not merge exactly), exit 2 before reading', async () => {
    const r = await runDstream(['--from', suite.redis.url('apache', 'topk'), ...ET, ...PAIR, '--reduce-by-key', 'topk:3', '--window', '1h', '--to', suite.redis.url('topk-out')]);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('dstream: distributed mode: --reduce-by-key topk:3 cannot be merged exactly from partial results; use count-by-value and --top locally, or distinct/approx-distinct');
  });
});
