/**
 * Distributed mode on a real Redis Cluster (3 masters, redis-cluster-harness.ts), through
 * `redis+cluster://` URLs: every Lua script touches one hash slot, so the job runs at all only if
 * the keys of one call share a slot; the spread is checked on the nodes themselves.
 *
 * - 2 workers over the bundled access log: `cat` equals the local run; the topic's input, the
 *   job's stage-2 streams and its output rows lie on every node; `cat --follow` (one stream per
 *   key partition, on several nodes) prints it too.
 * - kill -9 inside a stage-1 commit (DSTREAM_REDIS_FAULT, stage1-commit.ts): after its decision,
 *   and after half of its deliveries; a replacement rolls the commit forward: exact.
 * - kill -9 at random moments (seeds): 3 workers, 5 times one killed and replaced: exact, no row twice.
 *
 * DSTREAM_CLUSTER_SEEDS (default 2; 10 under `npm run test:long`), DSTREAM_CLUSTER_COPIES (copies of
 * apache_logs for the random kills, default 20 = 200,000 lines). Skips without redis-server or redis-cli.
 */
import { describe, expect, it } from 'vitest';
import { soak } from '../helpers/long.js';
import { rng } from '../helpers/rng.js';
import { APACHE, bigApacheLog, STATUS_JOB } from './data.js';
import { allExit, delay, expectExactJob, jobStatus, publishFile, reference, rows, runDstream, startDstream, startWorker, tail, waitFor, type Proc } from './procs.js';
import { clusterAvailable, useRedisCluster, type RedisCluster } from './redis-cluster-harness.js';

const SEEDS = soak('DSTREAM_CLUSTER_SEEDS', 2, 10);
const COPIES = Number(process.env.DSTREAM_CLUSTER_COPIES ?? 20);
const ARGS = ['--lease', '1s', '--batch', '100ms', '--key-partitions', '8'];
const KILLS = 5;

describe.skipIf(!clusterAvailable())('distributed: Redis Cluster (3 nodes), one hash slot per partition', () => {
  let cluster: RedisCluster;
  let small: string[];
  const { procs } = useRedisCluster(async (c) => {
    cluster = c;
    small = await reference(STATUS_JOB, APACHE);
    await publishFile(c.url('apache'), 4, APACHE, ['--keep-input']);
  });
  const worker = (job: string, name: string, env?: Record<string, string>) => {
    const w = startWorker(cluster.url(job.startsWith('big') ? 'big' : 'apache', job), cluster.url(`${job}-out`), STATUS_JOB, ARGS, { name, env });
    procs.add(w);
    return w;
  };

  it('2 workers: output equals the local run; input, stage-2 streams and output rows on every node', async () => {
    await expectExactJob([worker('two', 'worker A'), worker('two', 'worker B')], cluster.url('two-out'), small);
    const status = await jobStatus(cluster.url('apache', 'two'));
    expect([status.complete, status.inputPartitions, status.keyPartitions]).toEqual([true, 4, 8]);
    const clients = cluster.clients();
    try {
      const perNode = await Promise.all(clients.map((c) => c.keys('ds:*')));
      for (const [i, keys] of perNode.entries()) {
        const kinds = ['}:in', '}:s2in', '}:out:two-out'].map((suffix) => keys.filter((k) => k.endsWith(suffix)).length);
        console.log(`cluster node ${i + 1}: ${keys.length} keys; input partitions ${kinds[0]}, stage-2 streams ${kinds[1]}, output streams ${kinds[2]}`);
        expect(kinds.every((n) => n > 0), `node ${i + 1} holds input, stage-2 streams and output rows: ${keys.sort().join(' ')}`).toBe(true);
      }
    } finally {
      clients.forEach((c) => c.disconnect());
    }
  }, 180_000);

  it('cat --follow started once the job exists prints the local run when the worker is done; SIGTERM ends it with exit 0', async () => {
    const w = worker('follow', 'worker');
    await w.stderrMatches(/ joined job /); // the job (and its output) exists: cat refuses an unknown output
    const follow = startDstream(['cat', cluster.url('follow-out'), '--follow'], { stdin: 'ignore', name: 'cat --follow' });
    procs.add(follow);
    await expectExactJob([w], cluster.url('follow-out'), small);
    await waitFor(`cat --follow to print every row (its stderr: ${follow.stderr()})`, () => rows(follow.stdout()).join('\n') === small.join('\n'), 60_000);
    expect(await follow.term()).toEqual({ code: 0, signal: null });
  }, 180_000);

  it('a redis:// URL naming a cluster node: one line saying to use redis+cluster://, exit 2', async () => {
    const r = await runDstream(['publish', `redis://127.0.0.1:${cluster.nodes[0]!.port}/x`, '--partitions', '2'], { input: 'a\n' });
    expect([r.code, r.stdout, r.stderr.trimEnd().split('\n').length]).toEqual([2, '', 1]);
    expect(r.stderr).toMatch(new RegExp(`^dstream: redis 127\\.0\\.0\\.1:${cluster.nodes[0]!.port} is a node of a Redis Cluster \\(MOVED \\d+ 127\\.0\\.0\\.1:\\d+\\); give the nodes as redis\\+cluster://HOST:PORT\\[,HOST:PORT…\\]/…`));
  });

  for (const fault of ['after-decide@2', 'after-half@3']) {
    it(`kill -9 inside a stage-1 commit (${fault}): rolled forward by the replacement, exact`, async () => {
      const job = `fault-${fault.replace(/\W/g, '')}`;
      const victim = worker(job, `worker killed ${fault}`, { DSTREAM_REDIS_FAULT: fault });
      const e = await victim.exited;
      expect(e, `the fault ${fault} was reached; stderr:\n${tail(victim.stderr())}`).toEqual({ code: null, signal: 'SIGKILL' });
      await expectExactJob([worker(job, 'replacement 1'), worker(job, 'replacement 2')], cluster.url(`${job}-out`), small);
    }, 180_000);
  }

  it(`kill -9 at random moments, ${SEEDS} seeds, ${COPIES * 10_000} lines: exact`, async () => {
    const file = bigApacheLog(COPIES);
    const expected = await reference(STATUS_JOB, file);
    await publishFile(cluster.url('big'), 4, file, ['--keep-input']);
    const t0 = Date.now();
    await expectExactJob([worker('big-base', 'baseline 1'), worker('big-base', 'baseline 2'), worker('big-base', 'baseline 3')], cluster.url('big-base-out'), expected, 240_000);
    const maxDelay = Math.max(300, Math.floor((Date.now() - t0) / KILLS));
    for (let s = 1; s <= SEEDS; s++) {
      const random = rng(s);
      const job = `big-seed${s}`;
      let n = 0;
      const current = [0, 1, 2].map(() => worker(job, `seed ${s} worker #${++n}`));
      const ended: Proc[] = [];
      const plan: string[] = [];
      let landed = 0;
      for (let k = 0; k < KILLS; k++) {
        const wait = 100 + Math.floor(random() * (maxDelay - 100));
        const v = Math.floor(random() * current.length);
        await delay(wait);
        const w = current[v]!;
        if (w.running()) landed++;
        else ended.push(w);
        await w.kill9();
        plan.push(`+${wait}ms ${w.name}`);
        current[v] = worker(job, `seed ${s} worker #${++n}`);
      }
      expect(landed, `a kill hit a running worker (${plan.join('; ')})`).toBeGreaterThan(0);
      const got = await expectExactJob(current, cluster.url(`${job}-out`), expected, 240_000);
      for (const e of await allExit(ended, 1000)) expect(e).toEqual({ code: 0, signal: null });
      console.log(`cluster crash: seed ${s} exact (${got.length} rows), ${landed}/${KILLS} kills hit a running worker; ${plan.join('; ')}`);
    }
  }, 900_000);
});
