/**
 * The Redis Streams backend (Redis ≥ 6.2; tested on 7.0). Layout:
 *
 *     ds:{T}:meta              hash   partitions, bounded (published from a file), keep (publish --keep-input)
 *     ds:{T}:jobs              set    the jobs (groups) of topic T, for retention
 *     ds:{T:P}:in              stream input partition P: l=<lines LF-joined> | eof=1
 *     ds:{T}:out:NAME          stream output rows: q=<key partition> c=<closed up to> [r=<JSON rows LF-joined>]
 *     ds:{T}:job:G:…           the job's state (see job.ts)
 *     ds:outputs               hash   NAME → output key, NAME:job → job prefix
 *
 * Each input partition has a hash slot of its own (`{T:P}`), so Redis Cluster
 * spreads a topic's input, which is the bulk of its memory. A job's state,
 * its stage-1 → stage-2 streams and its output share the slot `{T}`: one Lua
 * script commits offsets, messages and output atomically (what Kafka Streams
 * gets from transactions), which Redis only allows within one slot.
 *
 * Retention: `trimInput` drops input entries every job of the topic has
 * committed (not for a topic published with `--keep-input`); a job created
 * afterwards starts at the oldest entry kept.
 * Durability: a commit is as durable as the server's AOF; exactly once across a
 * crash of the server needs `appendonly yes` and `appendfsync always`.
 */
import { Redis } from 'ioredis';
import { ConfigError, DStreamError } from '../../core/errors.js';
import type { InputEntry } from '../backend.js';
import { compareOffsets, ORIGIN, type BackendOptions, type LogBackend, type OutputEntry, type OutputInfo } from '../log-backend.js';
import type { LogUrl } from '../log-url.js';
import { hash, OUTPUTS, textNum, toInputEntry, type Entry } from './codec.js';
import { RedisJob } from './job.js';
import { defineScripts, type Scripts } from './scripts.js';


/** One connection to one topic; see the module doc and `LogBackend`. */
export class RedisBackend implements LogBackend {
  readonly redis: Redis & Scripts;
  readonly topic: string;
  /** Key prefix of the topic, `ds:{T}`. */
  readonly tp: string;
  private down = false;
  private lastError = '';

  constructor(readonly url: LogUrl, private readonly o: BackendOptions) {
    this.topic = url.name;
    this.tp = `ds:{${url.name}}`;
    const redis = new Redis({
      host: url.host, port: url.port, username: url.username, password: url.password,
      lazyConnect: true, maxRetriesPerRequest: o.persistent ? null : 1, enableReadyCheck: true,
      connectTimeout: 5000,
      retryStrategy: o.persistent ? (n) => Math.min(50 * n, 1000) : () => null,
    });
    redis.on('error', (e: Error) => {
      this.lastError = e.message;
      if (!this.down) o.onError?.(`redis ${url.host}:${url.port}: ${e.message}${o.persistent ? ' (retrying)' : ''}`);
      this.down = true;
    });
    redis.on('ready', () => {
      if (this.down) o.onError?.(`redis ${url.host}:${url.port}: connected again`);
      this.down = false;
    });
    this.redis = defineScripts(redis);
  }

  async connect(): Promise<void> {
    try {
      await this.redis.connect();
    } catch (e) {
      if (this.o.persistent) return; // ioredis keeps retrying; commands wait
      throw new DStreamError('E_LOG', 'receiving', `cannot connect to redis at ${this.url.host}:${this.url.port}: ${this.lastError || (e as Error).message}`);
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
    const { host, port } = this.url;
    if (/^(NOAUTH|WRONGPASS)/.test(m)) return new ConfigError(`redis ${host}:${port}: authentication failed (${m.split('.')[0]}); put the password in the URL: redis://:PASSWORD@HOST:PORT/…`);
    return new DStreamError('E_LOG', 'receiving', `redis ${host}:${port}: ${m}`);
  }

  // ---- topics and partitions ----

  /** Key of input partition `p` (a hash slot of its own). */
  inputKey(p: number): string {
    return `ds:{${this.topic}:${p}}:in`;
  }

  async partitions(): Promise<number | null> {
    const p = await this.redis.hget(`${this.tp}:meta`, 'partitions');
    return p === null ? null : Number(p);
  }

  async createTopic(n: number): Promise<number> {
    return Number(await this.redis.dsCreateTopic(`${this.tp}:meta`, n));
  }

  async markBounded(): Promise<void> {
    await this.redis.hset(`${this.tp}:meta`, 'bounded', '1');
  }

  async isBounded(): Promise<boolean> {
    return (await this.redis.hget(`${this.tp}:meta`, 'bounded')) === '1';
  }

  append(p: number, lines: string): Promise<unknown> {
    return this.redis.xadd(this.inputKey(p), '*', 'l', lines);
  }

  appendEof(p: number): Promise<unknown> {
    return this.redis.xadd(this.inputKey(p), '*', 'eof', '1');
  }

  async flush(): Promise<void> {
    await this.redis.ping(); // replies come in order: every command sent before has been answered
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
    try {
      const info = (await this.redis.xinfo('STREAM', this.inputKey(p))) as unknown[];
      const i = info.indexOf('entries-added');
      return i >= 0 ? Number(info[i + 1]) : Number(info[info.indexOf('length') + 1]);
    } catch {
      return 0; // no such stream yet
    }
  }

  /** The jobs of this topic. */
  async groups(): Promise<string[]> {
    return (await this.redis.smembers(`${this.tp}:jobs`)).sort();
  }

  async keepInput(): Promise<void> {
    await this.redis.hset(`${this.tp}:meta`, 'keep', '1');
  }

  async trimInput(p: number): Promise<number> {
    if ((await this.redis.hget(`${this.tp}:meta`, 'keep')) === '1') return 0;
    let min: string | null = null;
    for (const g of await this.groups()) {
      const off = (await this.redis.hget(`${this.tp}:job:${g}:s1:${p}`, 'off')) ?? ORIGIN;
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
    const keys = [`${this.tp}:meta`, `${this.tp}:jobs`, ...Array.from({ length: p }, (_, i) => this.inputKey(i))];
    for (const k of keys) n += await this.redis.del(k);
    return n;
  }

  // ---- outputs ----

  private async outputKey(name: string): Promise<string | null> {
    return this.redis.hget(OUTPUTS, name);
  }

  async outputInfo(name: string): Promise<OutputInfo | null> {
    const [key, job] = await this.redis.hmget(OUTPUTS, name, `${name}:job`);
    if (key === null || job === null) return null;
    const [p2, fp] = await this.redis.hmget(`${job}:meta`, 'p2', 'fp');
    if (p2 === null) return null;
    const topicMeta = job.slice(0, job.lastIndexOf(':job:')) + ':meta';
    return { keyPartitions: Number(p2), pipeline: fp ?? '', bounded: (await this.redis.hget(topicMeta, 'bounded')) === '1' };
  }

  async readOutput(name: string, after: string, count: number): Promise<OutputEntry[]> {
    const key = await this.outputKey(name);
    if (key === null) return [];
    const r = (await this.redis.xrange(key, `(${after}`, '+', 'COUNT', count)) as Entry[];
    return r.map(([offset, f]) => {
      const h = hash(f);
      return { offset, keyPartition: Number(h.q ?? 0), closedMs: textNum(h.c, -Infinity), rows: h.r ?? '' };
    });
  }

  async waitOutput(name: string, after: string, timeoutMs: number): Promise<void> {
    const key = await this.outputKey(name);
    if (key === null) return;
    await this.redis.xread('BLOCK', timeoutMs, 'STREAMS', key, after);
  }

  job(group: string): RedisJob {
    return new RedisJob(this, group);
  }

  workerLog(group: string): RedisJob {
    return this.job(group);
  }
}
