/**
 * Distributed mode uses the same pipeline fingerprint as local checkpoints
 * (src/plan/fingerprint.ts): a worker whose --parse differs from the job's is
 * refused with exit 2 naming the change, before it reads anything. And its
 * stateless operators warn as in local mode, once per worker (not per partition).
 */
import { describe, expect, it } from 'vitest';
import { allExit, runDstream, startWorker, tail } from './procs.js';
import { redisAvailable } from './redis-harness.js';
import { useRedisSuite } from './suite.js';

const JOB = ['--parse', 'combined', '--event-time', 'auto', '--map', 'r => r.status', '--count-by-value', '--window', '5m'];
const LINES = '1.2.3.4 - - [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" 200 7 "-" "x"\n';

describe.skipIf(!redisAvailable())('distributed: pipeline fingerprint', () => {
  const suite = useRedisSuite({ job: JOB, file: () => '/dev/null', publish: false, removeData: false });

  it('a worker with another --parse than the job is refused: exit 2, what changed', async () => {
    expect((await runDstream(['publish', suite.redis.url('fp'), '--partitions', '1'], { input: LINES })).code).toBe(0);
    const first = startWorker(suite.redis.url('fp', 'g'), suite.redis.url('fp-out'), JOB);
    suite.procs.add(first);
    expect((await allExit([first], 60_000))[0], tail(first.stderr())).toEqual({ code: 0, signal: null });
    const changed = JOB.map((a) => (a === 'combined' ? 'common' : a));
    const second = startWorker(suite.redis.url('fp', 'g'), suite.redis.url('fp-out'), changed);
    suite.procs.add(second);
    expect((await allExit([second], 60_000))[0]).toEqual({ code: 2, signal: null });
    expect(second.stderr().split('\n')[0]).toBe(
      "dstream: job 'g' on topic 'fp' was created with another pipeline (--parse: \"combined\" → \"common\"); restore the old flags, use another ?group=, or start over with dstream job reset",
    );
  });

  it('a misspelt field is named once by a worker reading two partitions', async () => {
    expect((await runDstream(['publish', suite.redis.url('mis'), '--partitions', '2'], { input: LINES.repeat(4) })).code).toBe(0);
    const job = JOB.map((a) => (a === 'r => r.status' ? 'r => r.stauts' : a));
    const w = startWorker(suite.redis.url('mis', 'g'), suite.redis.url('mis-out'), job);
    suite.procs.add(w);
    expect((await allExit([w], 60_000))[0], tail(w.stderr())).toEqual({ code: 0, signal: null });
    const warnings = w.stderr().split('\n').filter((l) => l.includes('returned undefined'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^dstream: --map #2 'r => r\.stauts': returned undefined for all [1-4] records? of a batch/);
  });
});
