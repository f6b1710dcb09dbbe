/**
 * Fencing: a worker whose event loop stalls (DSTREAM_FAULT=stall-before-commit@3:
 * blocked for 3 × its 2 s lease just before its 3rd stage-1 commit, like a long GC
 * pause) loses its leases to the other worker; when it wakes up, its commit must be
 * refused ("fenced" on its stderr) and the final output is still exact.
 *
 * The stalled worker starts alone and the second worker is started when the stall
 * begins (its stderr says so, written synchronously before the event loop blocks):
 * then the stalled worker holds every lease, so a takeover is certain, and with
 * 1,000,000 lines the job is far from done. The second worker has the 6 s stall less the
 * 2 s lease to start and take over: 4 s, against ≤ 0.9 s measured for `dstream --version`
 * to start on the 2-core machine at a load average of 12–15.
 */
import { describe, expect, it } from 'vitest';
import { bigApacheLog, STATUS_JOB } from './data.js';
import { allExit, catRows, crashText, diffRows, duplicates, startWorker, tail } from './procs.js';
import { redisAvailable } from './redis-harness.js';
import { useRedisSuite } from './suite.js';

const COPIES = Number(process.env.DSTREAM_FENCING_COPIES ?? 100); // 1,000,000 lines (~3,700 entries): many stage-1 commits per partition

describe.skipIf(!redisAvailable())('distributed: fencing after a stall longer than the lease', () => {
  const suite = useRedisSuite({ job: STATUS_JOB, file: () => bigApacheLog(COPIES), publish: true, removeData: true });
  const procs = suite.procs;

  it('the stalled worker is fenced; output exact', async () => {
    const t0 = Date.now();
    const from = suite.redis.url('apache', 'fence');
    const to = suite.redis.url('fence-out');
    const args = ['--lease', '2s', '--batch', '100ms'];
    const stalled = startWorker(from, to, STATUS_JOB, args, { name: 'stalled worker', env: { DSTREAM_FAULT: 'stall-before-commit@3' } });
    procs.add(stalled);
    const stall = await stalled.stderrMatches(/DSTREAM_FAULT: stalling.*/);
    const healthy = startWorker(from, to, STATUS_JOB, args, { name: 'healthy worker' });
    procs.add(healthy);
    const exits = await allExit([stalled, healthy], 180_000);
    expect(exits[0], `stalled worker stderr:\n${tail(stalled.stderr())}`).toEqual({ code: 0, signal: null });
    expect(exits[1], `healthy worker stderr:\n${tail(healthy.stderr())}`).toEqual({ code: 0, signal: null });
    expect(stalled.stderr(), 'the stalled worker logs that its commit was refused').toMatch(/\bfenced\b/);
    for (const w of [stalled, healthy]) expect(crashText(w.stderr()), w.stderr()).toBeUndefined();
    const got = await catRows(to);
    expect(duplicates(got), 'rows appearing twice').toEqual([]);
    if (got.join('\n') !== suite.expected.join('\n')) expect.fail(diffRows(suite.expected, got));
    const line = stalled.stderr().split('\n').find((l) => /\bfenced\b/.test(l));
    console.log(`fencing: ${stall[0]} → ${line}; exact (${got.length} rows) in ${Date.now() - t0} ms`);
  }, 240_000);
});
