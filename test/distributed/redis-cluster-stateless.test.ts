/**
 * Stateless pipelines on a real Redis Cluster (3 masters, redis-cluster-harness.ts): a stateless
 * job's output rows of input partition P lie in P's hash slot (keys.ts `linesOutputKey`), so the
 * stage-1 commit writes them with P's offset in one script, as on one server. Two workers print,
 * through `dstream cat`, the local run byte for byte; the output streams lie in the input
 * partitions' slots, on more than one node; a worker killed (-9) between its write-ahead plan and
 * its commit is replaced and the output is still exact; `job reset` deletes the output streams.
 * Skips without redis-server or redis-cli.
 */
import { describe, expect, it } from 'vitest';
import { APACHE, bigApacheLog } from './data.js';
import { allExit, crashText, publishFile, runDstream, startWorker, tail, type Proc } from './procs.js';
import { clusterAvailable, useRedisCluster, type RedisCluster } from './redis-cluster-harness.js';

/** The 404s' client and path; a flat-map gives two rows per line. */
const JOB = ['--filter', 'l => l.includes(" 404 ")', '--flat-map', 'l => [l.split(" ")[0], l.split(" ")[6]]'];

describe.skipIf(!clusterAvailable())('distributed: stateless pipelines on a Redis Cluster', () => {
  let cluster: RedisCluster;
  const suite = useRedisCluster(async (c) => {
    cluster = c;
    await publishFile(c.url('apache'), 4, APACHE);
  });
  const procs = suite.procs;
  const worker = (topic: string, job: string, name: string, env?: Record<string, string>) => {
    const w = startWorker(cluster.url(topic, job), cluster.url(`${job}-out`), JOB, ['--lease', '2s', '--batch', '100ms'], { name, env });
    procs.add(w);
    return w;
  };
  const exitedClean = async (ws: Proc[]) => {
    for (const [i, e] of (await allExit(ws, 120_000)).entries()) expect(e, tail(ws[i]!.stderr())).toEqual({ code: 0, signal: null });
    for (const w of ws) expect(crashText(w.stderr()), w.stderr()).toBeUndefined();
  };
  const cat = async (job: string, format = 'tsv') => {
    const r = await runDstream(['cat', cluster.url(`${job}-out`), '--format', format]);
    expect(r.code, r.stderr).toBe(0);
    return r.stdout;
  };

  it('two workers: cat prints the local run byte for byte; the output rows lie in the input partitions\' slots, on several nodes; job reset deletes them', async () => {
    await exitedClean([worker('apache', 'two', 'worker A'), worker('apache', 'two', 'worker B')]);
    for (const format of ['tsv', 'json']) {
      const local = await runDstream([...JOB, '--batch', '100ms', '--format', format], { stdin: { file: APACHE } }); // json prints the batch time
      expect(local.stdout.split('\n').length).toBeGreaterThan(400);
      expect(await cat('two', format), format).toBe(local.stdout);
    }
    const clients = cluster.clients();
    try {
      const perNode = await Promise.all(clients.map((c) => c.keys('ds:*:out:two-out')));
      expect(perNode.flat().sort()).toEqual([0, 1, 2, 3].map((p) => `ds:{apache:${p}}:job:two:out:two-out`));
      expect(perNode.filter((keys) => keys.length > 0).length).toBeGreaterThan(1);
      const reset = await runDstream(['job', 'reset', cluster.url('apache', 'two')]);
      expect(reset.code, reset.stderr).toBe(0);
      expect((await Promise.all(clients.map((c) => c.keys('ds:*:out:two-out')))).flat()).toEqual([]);
    } finally {
      clients.forEach((c) => c.disconnect());
    }
  }, 180_000);

  it('kill -9 between plan and commit, a replacement replays the planned batch: output exact', async () => {
    const file = bigApacheLog(20); // 200,000 lines: 3 stage-1 batches (of 64 entries) per partition
    await publishFile(cluster.url('big'), 4, file);
    // Alone, it holds every input partition; it blocks before its 6th commit and is killed there.
    const victim = worker('big', 'kill', 'victim', { DSTREAM_FAULT: 'stall-before-commit@6' });
    await victim.stderrMatches(/DSTREAM_FAULT: stalling/);
    expect(await victim.kill9()).toEqual({ code: null, signal: 'SIGKILL' });
    const replacement = worker('big', 'kill', 'replacement');
    await exitedClean([replacement]);
    expect(replacement.stderr()).toMatch(/replaying batch \d+ \(\d+ entries\) planned by its previous owner/);
    const local = await runDstream([...JOB, '--format', 'tsv'], { stdin: { file } });
    expect(local.stdout.split('\n').length).toBeGreaterThan(8000);
    expect(await cat('kill')).toBe(local.stdout);
  }, 180_000);
});
