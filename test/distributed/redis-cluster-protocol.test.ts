/**
 * The stage-1 commit in steps (src/distributed/redis/stage1-commit.ts), call by call on a real Redis
 * Cluster: a zombie's decided commit is rolled forward by the next owner, the zombie is fenced, late
 * deliveries are dropped, a retried decision finishes the stored commit and not the retried one.
 * Exact stream contents after each step. On one server the same steps run as one script: never left
 * pending. Plus `redis+cluster://` URL parsing (no server).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORIGIN } from '../../src/distributed/log-backend.js';
import { parseLogUrl } from '../../src/distributed/log-url.js';
import { RedisBackend } from '../../src/distributed/redis/backend.js';
import type { RedisJob } from '../../src/distributed/redis/job.js';
import { clusterAvailable, startRedisCluster, type RedisCluster } from './redis-cluster-harness.js';
import { useRedisBackend } from './redis-backend-fixture.js';
import { redisAvailable } from './redis-harness.js';

describe('redis+cluster:// URLs', () => {
  it('seed nodes, credentials, topic and group', () => {
    const u = parseLogUrl('redis+cluster://app:s3cret@10.0.0.1:7000,10.0.0.2:7001,[::1]/logs?group=g1', '--from', true);
    expect(u).toMatchObject({
      scheme: 'redis', host: '10.0.0.1', port: 7000, username: 'app', password: 's3cret', name: 'logs', group: 'g1',
      nodes: [{ host: '10.0.0.1', port: 7000 }, { host: '10.0.0.2', port: 7001 }, { host: '::1', port: 6379 }],
    });
    expect(parseLogUrl('redis://h:1/t', '--to', false).nodes).toBeUndefined();
  });

  it('a bad node or a missing name is one clear ConfigError', () => {
    expect(() => parseLogUrl('redis+cluster://h1:7000,:x/t', '--from', false)).toThrow(/--from: .*':x' is not HOST:PORT/);
    expect(() => parseLogUrl('redis+cluster://h1:7000,h2:7001', '--to', false)).toThrow(/--to: .*needs a stream name/);
  });
});

describe.skipIf(!clusterAvailable())('stage-1 commit steps on a Redis Cluster', () => {
  let cluster: RedisCluster;
  let b: RedisBackend;
  let job: RedisJob;
  const Q = 3;

  beforeAll(async () => {
    cluster = await startRedisCluster(3);
    b = new RedisBackend(parseLogUrl(cluster.url('proto'), 'test', false), { persistent: false });
    await b.connect();
    await b.createTopic(2);
    job = b.job('g');
    expect((await job.open(Q, '{}', 'proto-out'))?.keyPartitions).toBe(Q);
  }, 120_000);

  afterAll(async () => {
    await b?.close();
    await cluster?.stop();
  });

  const lease = () => job.k.lease('s1:0');
  const commit = (seq: number, offset: string, tag: string) => ({
    partition: 0, seq, offset, maxEventTimeMs: 1000 * seq, watermarkMs: 1000 * seq - 60, eof: false, idle: false, floorMs: -Infinity,
    lines: 2, late: 0, entries: 1, payloads: [0, 1, 2].map((q) => `${tag}${q}`),
  });
  /** Every key partition's messages as `seq:data`. */
  const streams = async () => Promise.all([0, 1, 2].map(async (q) => (await job.readStage2(q, ORIGIN, 100)).map((m) => `${m.source}.${m.seq}:${m.data}`)));

  it('decided by a zombie, half delivered: rolled forward once by the next owner; the zombie is fenced and its late steps dropped', async () => {
    const r = b.redis;
    expect(await r.dsAcquire(lease(), 'Z', 0)).toBe(1); // a lease of 0 ms: expired at once
    expect(await r.dsS1Decide(lease(), job.k.s1(0), 'Z', 1, 1, '5-0', '1000', '940', 0, 0, '-inf', 2, 0, 1, 'A0', 'A1', 'A2')).toBe('OK');
    expect(await r.dsS1Deliver(job.k.kp(0, 'seen'), job.k.kp(0, 's2in'), 0, 1, '940', 0, 0, 'A0')).toBe('OK');
    expect(await streams()).toEqual([['0.1:A0'], [], []]); // Z killed here
    expect(await r.dsAcquire(lease(), 'N', 60_000)).toBe(2);
    const s = await job.stage1State(0); // the next owner reads the state: the pending commit is finished first
    expect([s.seq, s.offset, s.maxEventTimeMs, s.lines, s.entries, s.plan]).toEqual([1, '5-0', 1000, 2, 1, undefined]);
    expect(await streams()).toEqual([['0.1:A0'], ['0.1:A1'], ['0.1:A2']]);
    expect(await job.commitStage1('Z', 1, commit(1, '6-0', 'B'))).toBe('fenced');
    expect(await r.dsS1Deliver(job.k.kp(1, 'seen'), job.k.kp(1, 's2in'), 0, 1, '940', 0, 0, 'B1')).toBe('DUP');
    expect(await r.dsS1Finish(job.k.s1(0), 1)).toBe('DONE');
    expect(await job.commitStage1('N', 2, commit(2, '7-0', 'C'))).toBe('ok');
    expect(await streams()).toEqual([['0.1:A0', '0.2:C0'], ['0.1:A1', '0.2:C1'], ['0.1:A2', '0.2:C2']]);
    expect((await job.stage1State(0)).offset).toBe('7-0');
  });

  it('a decision retried after a lost answer finishes the stored commit, not the retried one', async () => {
    const r = b.redis;
    expect(await r.dsS1Decide(lease(), job.k.s1(0), 'N', 2, 3, '8-0', '3000', '2940', 0, 0, '-inf', 2, 0, 1, 'D0', 'D1', 'D2')).toBe('OK');
    expect(await job.commitStage1('N', 2, commit(3, '9-0', 'E'))).toBe('stale'); // stale: the caller reloads the state
    expect((await streams()).map((m) => m[2])).toEqual(['0.3:D0', '0.3:D1', '0.3:D2']);
    expect((await job.stage1State(0)).offset).toBe('8-0');
    expect(await job.commitStage1('N', 2, commit(3, '9-0', 'E'))).toBe('stale'); // seq 3 is committed
    expect(await r.dsS1Deliver(job.k.kp(2, 'seen'), job.k.kp(2, 's2in'), 0, 5, '0', 0, 0, 'X')).toBe('GAP');
  });

  it('a job of the older one-slot layout is refused with what to do; reset deletes its keys', async () => {
    const old = b.job('old');
    const p = old.k.prefix; // ds:{proto}:job:old
    await b.redis.hset(`${p}:meta`, 'p1', '2', 'p2', '3', 'fp', '{}', 'out', 'old-out');
    const keys = [`${p}:leases`, `${p}:s1:1`, `${p}:s2:2`, 'ds:{proto}:out:old-out'];
    for (const k of keys) await b.redis.hset(k, 'x', '1');
    await b.redis.hset('ds:outputs', 'old-out', 'ds:{proto}:out:old-out', 'old-out:job', p);
    await expect(b.outputInfo('old-out')).rejects.toThrow("output stream 'old-out' was written by an older dstream (its job's keys in one hash slot); read it with that version");
    await expect(old.open(3, '{}', 'old-out')).rejects.toThrow('job old was created by an older dstream, whose keys lie in one hash slot; finish it with that version, or delete it (dstream job reset) and start it again');
    expect(await old.reset()).toBe('5 keys, its output stream included');
    expect(await Promise.all([`${p}:meta`, ...keys].map((k) => b.redis.exists(k)))).toEqual([0, 0, 0, 0, 0]);
    expect(await b.redis.hget('ds:outputs', 'old-out')).toBeNull();
  });

  it('reset deletes every key of the job on every node', async () => {
    const clients = cluster.clients();
    try {
      const count = async () => (await Promise.all(clients.map((c) => c.keys('ds:*proto*:*')))).flat().filter((k) => !k.endsWith(':in') && !/^ds:\{proto\}:(meta|jobs)$/.test(k));
      expect((await count()).length).toBeGreaterThan(0);
      await job.release('N', [['s1:0', 2]], true);
      expect(await job.reset()).toMatch(/^[1-9]\d* keys, its output stream included$/);
      expect(await count()).toEqual([]);
      expect(await b.outputInfo('proto-out')).toBeNull();
    } finally {
      clients.forEach((c) => c.disconnect());
    }
  });
});

describe.skipIf(!redisAvailable())('stage-1 commit on one server: the three steps in one script', () => {
  const fx = useRedisBackend('one', 1);

  it('committed at once, nothing pending; fenced and stale as on a cluster; a stored decision wins', async () => {
    const b = fx.b;
    const job = b.job('g');
    await job.open(2, '{}', 'one-out');
    const lease = job.k.lease('s1:0');
    expect(await b.redis.dsAcquire(lease, 'W', 60_000)).toBe(1);
    const c = (seq: number, tag: string) => ({
      partition: 0, seq, offset: `${seq}-0`, maxEventTimeMs: seq, watermarkMs: seq, eof: false, idle: false, floorMs: -Infinity,
      lines: 1, late: 0, entries: 1, payloads: [`${tag}0`, `${tag}1`],
    });
    const streams = async () => Promise.all([0, 1].map(async (q) => (await job.readStage2(q, ORIGIN, 10)).map((m) => `${m.seq}:${m.data}`)));
    expect(await job.commitStage1('W', 1, c(1, 'A'))).toBe('ok');
    expect(Object.keys(await b.redis.hgetall(job.k.s1(0))).filter((f) => f.startsWith('c'))).toEqual([]);
    expect(await streams()).toEqual([['1:A0'], ['1:A1']]);
    expect(await job.commitStage1('W', 1, c(1, 'B'))).toBe('stale');
    expect(await job.commitStage1('Z', 1, c(2, 'B'))).toBe('fenced');
    expect(await b.redis.dsS1Decide(lease, job.k.s1(0), 'W', 1, 2, '2-0', '2', '2', 0, 0, '-inf', 1, 0, 1, 'C0', 'C1')).toBe('OK');
    expect(await job.commitStage1('W', 1, c(2, 'D'))).toBe('stale');
    expect(await streams()).toEqual([['1:A0', '2:C0'], ['1:A1', '2:C1']]);
    expect((await job.stage1State(0)).seq).toBe(2);
  });
});
