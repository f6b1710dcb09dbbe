/**
 * A real Redis Cluster per test file: 3 redis-server processes with
 * `--cluster-enabled yes` on free ports (each with AOF, fsync always: see
 * redis-harness.ts), joined by `redis-cli --cluster create … --cluster-yes`
 * (3 masters, no replicas). Ready when every node's `CLUSTER INFO` says
 * `cluster_state:ok`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { waitFor } from '../helpers/wait.js';
import { removeDataFiles } from './data.js';
import { killAll, type Proc } from './procs.js';
import { freePort, redisAvailable, startRedis, type RedisServer } from './redis-harness.js';

/** redis-server and redis-cli are on PATH. */
export function clusterAvailable(): boolean {
  return redisAvailable() && spawnSync('redis-cli', ['--version'], { encoding: 'utf8' }).status === 0;
}

export interface RedisCluster {
  nodes: RedisServer[];
  /** `redis+cluster://127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3/TOPIC[?group=G]` */
  url(topic: string, group?: string): string;
  /** A plain connection to each node (for looking at where keys are); the caller disconnects them. */
  clients(): Redis[];
  stop(): Promise<void>;
}

/** True when `port` on 127.0.0.1 can be listened on right now. */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** A free port whose cluster bus port (+10000) is free too. */
async function clusterPort(taken: Set<number>): Promise<number> {
  for (;;) {
    const p = await freePort();
    if (p + 10000 > 65535 || taken.has(p) || !(await portFree(p + 10000))) continue;
    taken.add(p);
    return p;
  }
}

function run(cmd: string, args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr.on('data', (d: Buffer) => (out += d.toString()));
    c.on('error', reject);
    c.on('close', (code) => resolve({ code, out }));
  });
}

/** Starts the nodes, creates the cluster, resolves when every node says cluster_state:ok. */
export async function startRedisCluster(n = 3): Promise<RedisCluster> {
  const taken = new Set<number>();
  const ports: number[] = [];
  for (let i = 0; i < n; i++) ports.push(await clusterPort(taken));
  const nodes = await Promise.all(ports.map((port) => startRedis({
    port, extraArgs: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '5000'],
  })));
  const stop = async () => {
    await Promise.all(nodes.map((s) => s.stop()));
  };
  try {
    const r = await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes']);
    if (r.code !== 0) throw new Error(`redis-cli --cluster create failed (${r.code}):\n${r.out}`);
    const clients = ports.map((port) => new Redis({ port, lazyConnect: true }));
    try {
      await Promise.all(clients.map((c) => c.connect()));
      await waitFor('cluster_state:ok on every node', async () => {
        const infos = await Promise.all(clients.map((c) => c.cluster('INFO') as Promise<string>));
        return infos.every((i) => /cluster_state:ok/.test(i));
      }, 60_000, 100);
    } finally {
      clients.forEach((c) => c.disconnect());
    }
  } catch (e) {
    await stop();
    throw e;
  }
  const hosts = ports.map((p) => `127.0.0.1:${p}`).join(',');
  return {
    nodes,
    url: (topic, group) => `redis+cluster://${hosts}/${topic}${group === undefined ? '' : `?group=${encodeURIComponent(group)}`}`,
    clients: () => ports.map((port) => new Redis({ port })),
    stop,
  };
}

/**
 * A cluster for a test file's `describe`: started before all its tests (then `setup` runs), the
 * workers added to `procs` killed after each test, the cluster stopped and the generated data files
 * removed after all. `cluster()` is the running cluster (inside tests and hooks).
 */
export function useRedisCluster(setup: (c: RedisCluster) => Promise<void>): { cluster: () => RedisCluster; procs: Set<Proc> } {
  let cluster: RedisCluster | undefined;
  const procs = new Set<Proc>();
  beforeAll(async () => {
    cluster = await startRedisCluster(3);
    await setup(cluster);
  }, 180_000);
  afterEach(async () => {
    await killAll(procs);
    procs.clear();
  });
  afterAll(async () => {
    await cluster?.stop();
    removeDataFiles();
  });
  return { cluster: () => cluster!, procs };
}
