/**
 * Distributed mode against hostile conditions found in a break-it review:
 * a partition key without a text, publishing to a topic that has ended, a job
 * reset under a paused worker, slow functions with a short lease.
 */
import { describe, expect, it } from 'vitest';
import { APACHE, STATUS_JOB } from './data.js';
import { allExit, catRows, diffRows, publishFile, runDstream, startWorker, tail, waitFor, jobStatus } from './procs.js';
import { redisAvailable } from './redis-harness.js';
import { useRedisSuite } from './suite.js';

/** Iterations of `x += i` that cost `ms` of CPU time, measured in this process (CPU time: the same on a busy machine). */
function loopIterationsFor(ms: number): number {
  for (let n = 1 << 16; ; n *= 2) {
    const t0 = process.cpuUsage();
    let x = 0;
    for (let i = 0; i < n; i++) x += i;
    const usedMs = process.cpuUsage(t0).user / 1000;
    if (usedMs >= 100 && x >= 0) return Math.ceil((n * ms) / usedMs);
  }
}

describe.skipIf(!redisAvailable())('distributed: robustness', () => {
  const suite = useRedisSuite({ job: STATUS_JOB, file: () => APACHE, publish: true, removeData: false });

  it('a --partition-key value without a text skips the line (counted), exit 0', async () => {
    const r = await runDstream(['publish', suite.redis.url('pk'), '--partitions', '2', '--partition-key', 'l => Object.create(null)'], { input: 'a\nb\n' });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('dstream: 2 records skipped (2 by --partition-key)');
    expect(r.stderr).toContain("published 0 lines to 2 partitions of 'pk'");
  });

  it('a topic that has ended takes no more input (exit 2); --no-eof publishers, then an empty publish, end it', async () => {
    const again = await runDstream(['publish', suite.redis.url('apache')], { input: 'x\n' });
    expect(again.code).toBe(2);
    expect(again.stderr.split('\n')[0]).toBe("dstream: topic 'apache' has ended: an earlier publish wrote end-of-input markers, and jobs ignore what follows them; publish to a new topic (several publishers of one topic: give all of them --no-eof)");
    const lines = (await import('node:fs')).readFileSync(APACHE, 'utf8').split('\n').filter(Boolean);
    const half = Math.floor(lines.length / 2);
    for (const part of [lines.slice(0, half), lines.slice(half)]) {
      const r = await runDstream(['publish', suite.redis.url('multi'), '--partitions', '4', '--no-eof'], { input: part.join('\n') + '\n' });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).not.toContain('end-of-input markers');
    }
    expect((await runDstream(['publish', suite.redis.url('multi')], { input: '' })).code).toBe(0);
    const w = startWorker(suite.redis.url('multi', 'multi'), suite.redis.url('multi-out'), STATUS_JOB);
    suite.procs.add(w);
    expect((await allExit([w], 60_000))[0], tail(w.stderr())).toEqual({ code: 0, signal: null });
    const got = await catRows(suite.redis.url('multi-out'));
    if (got.join('\n') !== suite.expected.join('\n')) expect.fail(diffRows(suite.expected, got));
  });

  it('a job reset under a paused worker: the worker stops (exit 1) and recreates nothing', async () => {
    const slow = ['--filter', 'l => { let x = 0; for (let i = 0; i < 300000; i++) x += i; return x > 0; }'];
    const job = [...STATUS_JOB.slice(0, 2), ...slow, ...STATUS_JOB.slice(2)];
    const from = suite.redis.url('apache', 'paused');
    const w = startWorker(from, suite.redis.url('paused-out'), job, ['--lease', '1s']);
    suite.procs.add(w);
    await waitFor('the worker to hold leases', async () => (await jobStatus(from)).units?.some((u: { owner: string }) => u.owner !== ''), 30_000, 100);
    w.child.kill('SIGSTOP');
    await waitFor('its membership to expire', async () => (await jobStatus(from)).members.length === 0, 30_000, 200);
    const reset = await runDstream(['job', 'reset', from]);
    expect(reset.code, reset.stderr).toBe(0);
    w.child.kill('SIGCONT');
    const [e] = await allExit([w], 60_000);
    expect(e, tail(w.stderr())).toEqual({ code: 1, signal: null });
    expect(w.stderr()).toContain('was reset or deleted while this worker ran; stopping');
    expect((await jobStatus(from)).exists).toBe(false);
    expect((await runDstream(['cat', suite.redis.url('paused-out')])).code).toBe(1);
  });

  it('slow functions with a short lease: heartbeats keep the leases, no fencing, exact', async () => {
    // The lease is 1 s, so heartbeats go every 333 ms. Measured on the 2-core machine with 5 CPU-bound processes
    // beside a worker-like process (50 ms slices of computing): its timers ran at most ~160 ms late, so a
    // heartbeat reaches redis within ~500 ms, half the lease. A batch (one of 2 partitions: 5,000 lines) is made
    // to cost 1.5 leases of CPU time, measured here, not guessed: it cannot finish within one lease, whatever the load.
    const LEASE_MS = 1000;
    const perLine = loopIterationsFor((1.5 * LEASE_MS) / 5000);
    const slow = ['--filter', `l => { let x = 0; for (let i = 0; i < ${perLine}; i++) x += i; return x >= 0; }`];
    const job = [...STATUS_JOB.slice(0, 2), ...slow, ...STATUS_JOB.slice(2)];
    await publishFile(suite.redis.url('slow-in'), 2, APACHE);
    const ws = [0, 1].map((i) => startWorker(suite.redis.url('slow-in', 'slow'), suite.redis.url('slow-out'), job, ['--lease', `${LEASE_MS}ms`], { name: `worker ${i + 1}` }));
    ws.forEach((w) => suite.procs.add(w));
    const exits = await allExit(ws, 170_000);
    for (const [i, x] of exits.entries()) expect(x, tail(ws[i]!.stderr())).toEqual({ code: 0, signal: null });
    for (const w of ws) expect(w.stderr()).not.toMatch(/fenced|lease on .* lost/);
    // The filter keeps every line: the rows of the plain job.
    const got = await catRows(suite.redis.url('slow-out'));
    if (got.join('\n') !== suite.expected.join('\n')) expect.fail(diffRows(suite.expected, got));
  }, 180_000);
});
