/**
 * The Redis Streams backend (Redis ≥ 6.2; tested on 7.0), on one server
 * (`redis://`) or a Redis Cluster (`redis+cluster://HOST:PORT[,HOST:PORT…]`:
 * seed nodes, the client discovers the rest). Layout (keys.ts has the key names):
 *
 *     ds:{T}:meta              hash   partitions, bounded (published from a file), keep (publish --keep-input)
 *     ds:{T}:jobs              set    the jobs (groups) of topic T, for retention
 *     ds:{T:P}:in              stream input partition P: l=<lines LF-joined> | eof=1
 *     ds:{T:G:Q}:out:NAME      stream output rows of job G's key partition Q: q=<Q> c=<closed up to> [r=<JSON rows LF-joined>]
 *     ds:{…}:job:G…, ds:{T:G:Q}:…     the job's state (see job.ts)
 *     ds:outputs               hash   NAME → `T:G`, NAME:job → `ds:{T}:job:G`
 *
 * One hash slot per input partition and per key partition of a job, so Redis
 * Cluster spreads a topic: its input, each job's stage-1 state, stage-2
 * streams and output rows. Every Lua script touches one slot; a stage-1
 * commit, which spans the key partitions, is made exactly-once in steps
 * (stage1-commit.ts). An output is read as one stream per key partition, its
 * offset the list of their ids (`dstream cat` merges them into window order).
 *
 * Retention: `trimInput` drops input entries every job of the topic has
 * committed (not for a topic published with `--keep-input`); a job created
 * afterwards starts at the oldest entry kept.
 * Durability: a commit is as durable as the server's AOF; exactly once across a
 * crash of the server needs `appendonly yes` and `appendfsync always`.
 */
import { Cluster, Redis } from 'ioredis';
import { ConfigError, DStreamError } from '../../core/errors.js';
import type { InputEntry } from '../backend.js';
import type { WorkerSettings } from '../job-context.js';
import { compareOffsets, ORIGIN, type BackendOptions, type LogBackend, type OutputEntry, type OutputInfo } from '../log-backend.js';
import type { LogUrl } from '../log-url.js';
import { hash, OUTPUTS, range, textNum, toInputEntry, type Entry } from './codec.js';
import { RedisJob } from './job.js';
import { linesOutputKey, outputKey, TopicKeys } from './keys.js';
import { streamCounts } from './retention.js';
import { defineScripts, type Client } from './scripts.js';

/** An output stream as stored: its job's key base `T:G` and key partition count. */
interface OutputRef {
  base: string;
  keyPartitions: number;
  inputPartitions: number;
  /** Streams of the output: one per key partition, or per input partition for a stateless job (no key partitions). */
  streams: number;
}

/** One connection to one topic; see the module doc and `LogBackend`. */
export class RedisBackend implements LogBackend {
  readonly redis: Client;
  readonly topic: string;
  readonly keys: TopicKeys;
  /** A Redis Cluster (`redis+cluster://`): scripts stay within one hash slot. */
  readonly cluster: boolean;
  private readonly where: string;
  private down = false;
  private lastError = '';
  /** Appends not yet acknowledged (a Cluster answers each node apart, so `flush` waits for these). */
  private readonly appends = new Set<Promise<unknown>>();

  constructor(readonly url: LogUrl, private readonly o: BackendOptions) {
    this.topic = url.name;
    this.keys = new TopicKeys(url.name);
    this.cluster = url.nodes !== undefined;
    const nodes = url.nodes ?? [{ host: url.host, port: url.port }];
    this.where = nodes.map((n) => `${n.host}:${n.port}`).join(',');
    const common = {
      username: url.username, password: url.password, maxRetriesPerRequest: o.persistent ? null : 1, enableReadyCheck: true, connectTimeout: 5000,
    };
    const retry = o.persistent ? (n: number) => Math.min(50 * n, 1000) : () => null;
    const redis = url.nodes
      ? new Cluster(nodes, { lazyConnect: true, redisOptions: common, clusterRetryStrategy: retry, enableReadyCheck: true })
      : new Redis({ host: url.host, port: url.port, lazyConnect: true, retryStrategy: retry, ...common });
    redis.on('error', (e: Error) => {
      this.lastError = e.message;
      if (!this.down) o.onError?.(`redis ${this.where}: ${e.message}${o.persistent ? ' (retrying)' : ''}`);
      this.down = true;
    });
    redis.on('ready', () => {
      if (this.down) o.onError?.(`redis ${this.where}: connected again`);
      this.down = false;
    });
    this.redis = defineScripts(redis);
  }

  async connect(): Promise<void> {
    try {
      await this.redis.connect();
    } catch (e) {
      if (this.o.persistent) return; // ioredis keeps retrying; commands wait
      const why = this.lastError || (e as Error).message;
      const hint = this.cluster && /slots cache/.test(why) ? ' (no node answered as a Redis Cluster node; for one server, use redis://HOST:PORT/…)' : '';
      throw new DStreamError('E_LOG', 'receiving', `cannot connect to redis at ${this.where}: ${why}${hint}`);
    }
  }

  async close(): Promise<void> {
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }

  interrupt(): void {
    this.redis.disconnect();
  }

  classifyError(e: unknown): unknown {
    if (e instanceof DStreamError) return e;
    const m = e instanceof Error ? e.message : String(e);
    if (/^(NOAUTH|WRONGPASS)/.test(m)) return new ConfigError(`redis ${this.where}: authentication failed (${m.split('.')[0]}); put the password in the URL: redis://:PASSWORD@HOST:PORT/…`);
    if (!this.cluster && /^(MOVED|ASK) /.test(m)) return new ConfigError(`redis ${this.where} is a node of a Redis Cluster (${m}); give the nodes as redis+cluster://HOST:PORT[,HOST:PORT…]/…`);
    return new DStreamError('E_LOG', 'receiving', `redis ${this.where}: ${m}`);
  }

  // ---- topics and partitions ----

  /** Key of input partition `p` (a hash slot of its own). */
  inputKey(p: number): string {
    return this.keys.input(p);
  }

  async partitions(): Promise<number | null> {
    const p = await this.redis.hget(this.keys.meta, 'partitions');
    return p === null ? null : Number(p);
  }

  async createTopic(n: number): Promise<number> {
    return Number(await this.redis.dsCreateTopic(this.keys.meta, n));
  }

  async markBounded(): Promise<void> {
    await this.redis.hset(this.keys.meta, 'bounded', '1');
  }

  async isBounded(): Promise<boolean> {
    return (await this.redis.hget(this.keys.meta, 'bounded')) === '1';
  }

  append(p: number, lines: string): Promise<unknown> {
    return this.track(this.redis.xadd(this.inputKey(p), '*', 'l', lines));
  }

  appendEof(p: number): Promise<unknown> {
    return this.track(this.redis.xadd(this.inputKey(p), '*', 'eof', '1'));
  }

  private track<T>(r: Promise<T>): Promise<T> {
    this.appends.add(r);
    const forget = () => this.appends.delete(r);
    r.then(forget, forget);
    return r;
  }

  async flush(): Promise<void> {
    await Promise.all(this.appends);
  }

  async endedPartitions(n: number): Promise<number[]> {
    const ended: number[] = [];
    for (let p = 0; p < n; p++) {
      const last = (await this.redis.xrevrange(this.inputKey(p), '+', '-', 'COUNT', 1)) as Entry[];
      if (last.length && toInputEntry(last[0]!).eof) ended.push(p);
    }
    return ended;
  }

  async readInput(p: number, after: string, count: number): Promise<InputEntry[]> {
    const r = (await this.redis.xrange(this.inputKey(p), `(${after}`, '+', 'COUNT', count)) as Entry[];
    return r.map(toInputEntry);
  }

  async readInputRange(p: number, from: string, to: string): Promise<InputEntry[]> {
    const out: InputEntry[] = [];
    let start = from;
    for (;;) {
      const r = (await this.redis.xrange(this.inputKey(p), start, to, 'COUNT', 1000)) as Entry[];
      out.push(...r.map(toInputEntry));
      if (r.length < 1000) return out;
      start = `(${r[r.length - 1]![0]}`;
    }
  }

  async inputAdded(p: number): Promise<number> {
    return (await this.inputCounts(p)).added;
  }

  /** Entries of input partition `p` ever appended and still held (retention.ts `streamCounts`). */
  inputCounts(p: number): Promise<{ added: number; length: number }> {
    return streamCounts(this.redis, this.inputKey(p));
  }


  /** The jobs of this topic. */
  async groups(): Promise<string[]> {
    return (await this.redis.smembers(this.keys.jobs)).sort();
  }

  async keepInput(): Promise<void> {
    await this.redis.hset(this.keys.meta, 'keep', '1');
  }

  async trimInput(p: number): Promise<number> {
    if ((await this.redis.hget(this.keys.meta, 'keep')) === '1') return 0;
    let min: string | null = null;
    for (const g of await this.groups()) {
      const off = (await this.redis.hget(this.keys.job(g).s1(p), 'off')) ?? ORIGIN;
      if (min === null || compareOffsets(off, min) < 0) min = off;
    }
    if (min === null || min === ORIGIN) return 0;
    // MINID keeps `min` itself: the last committed entry (it may be the end-of-input marker).
    return this.redis.xtrim(this.inputKey(p), 'MINID', min);
  }

  async deleteTopic(): Promise<number> {
    const jobs = (await this.groups()).map((g) => this.job(g));
    for (const j of jobs) await j.refuseWhileLive();
    let n = 0;
    for (const j of jobs) n += await j.deleteKeys();
    const p = (await this.partitions()) ?? 0;
    const keys = [this.keys.meta, this.keys.jobs, ...Array.from({ length: p }, (_, i) => this.inputKey(i))];
    for (const k of keys) n += await this.redis.del(k);
    return n;
  }

  // ---- outputs ----

  /** Where output `name` is stored, or null when no job writes it. */
  private async outputRef(name: string): Promise<(OutputRef & { job: string }) | null> {
    const [base, job] = await this.redis.hmget(OUTPUTS, name, `${name}:job`);
    if (base === null || job === null) return null;
    if (base.startsWith('ds:{')) throw new ConfigError(`output stream '${name}' was written by an older dstream (its job's keys in one hash slot); read it with that version`);
    const [p1, p2] = await this.redis.hmget(`${job}:meta`, 'p1', 'p2');
    return p2 === null ? null : { base, job, keyPartitions: Number(p2), inputPartitions: Number(p1), streams: Number(p2) || Number(p1) };
  }

  async outputInfo(name: string): Promise<OutputInfo | null> {
    const ref = await this.outputRef(name);
    if (ref === null) return null;
    const fp = await this.redis.hget(`${ref.job}:meta`, 'fp');
    const topicMeta = ref.job.slice(0, ref.job.lastIndexOf(':job:')) + ':meta';
    return { inputPartitions: ref.inputPartitions, keyPartitions: ref.keyPartitions, pipeline: fp ?? '', bounded: (await this.redis.hget(topicMeta, 'bounded')) === '1' };
  }

  /**
   * The next `count` entries over the key partitions' streams, in id order; an entry's offset is the
   * list of every stream's id read up to it (`ORIGIN`: none read).
   */
  async readOutput(name: string, after: string, count: number): Promise<OutputEntry[]> {
    const ref = await this.outputRef(name);
    if (ref === null) return [];
    const ids = cursor(after, ref.streams);
    const read = await Promise.all(range(ref.streams).map(async (q) =>
      ((await this.redis.xrange(this.streamKey(ref, name, q), `(${ids[q]}`, '+', 'COUNT', count)) as Entry[]).map((e) => ({ q, e }))));
    const next = read.flat().sort((a, b) => compareOffsets(a.e[0], b.e[0]) || a.q - b.q).slice(0, count);
    return next.map(({ q, e: [id, f] }) => {
      ids[q] = id;
      const h = hash(f);
      return { offset: ids.join(','), keyPartition: Number(h.q ?? q), closedMs: textNum(h.c, -Infinity), rows: h.r ?? '' };
    });
  }

  /** Blocks on every key partition's stream at once on one server; on a Cluster (slots apart), on each in turn. */
  async waitOutput(name: string, after: string, timeoutMs: number): Promise<void> {
    const ref = await this.outputRef(name);
    if (ref === null) return;
    const ids = cursor(after, ref.streams);
    const keys = ids.map((_, q) => this.streamKey(ref, name, q));
    if (!this.cluster) {
      await this.redis.xread('BLOCK', timeoutMs, 'STREAMS', ...keys, ...ids);
      return;
    }
    const end = Date.now() + timeoutMs;
    for (let q = 0; Date.now() < end; q = (q + 1) % keys.length) {
      if (await this.redis.xread('BLOCK', Math.max(1, Math.min(50, end - Date.now())), 'STREAMS', keys[q]!, ids[q]!)) return;
    }
  }

  /** Stream `i` of output `name`: key partition i's, or input partition i's for a stateless job. */
  private streamKey(ref: OutputRef, name: string, i: number): string {
    return ref.keyPartitions === 0 ? linesOutputKey(ref.base, name, i, this.cluster) : outputKey(ref.base, name, i);
  }

  job(group: string): RedisJob {
    return new RedisJob(this, group);
  }

  /** A worker of job `s.from.group` (run.ts), over this connection. */
  async runWorker(s: WorkerSettings): Promise<void> {
    const { runRedisWorker } = await import('./run.js');
    return runRedisWorker(this, this.job(s.from.group!), s);
  }
}

/** An output offset (`readOutput`) as one id per key partition. */
function cursor(after: string, keyPartitions: number): string[] {
  const ids = after === ORIGIN ? [] : after.split(',');
  return range(keyPartitions).map((q) => ids[q] ?? ORIGIN);
}
