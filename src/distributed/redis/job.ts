/**
 * One job of a Redis topic (see `JobLog`). Keys, all in the topic's hash slot:
 *
 *     ds:{T}:job:G:meta        hash   p1 p2 fp out
 *     ds:{T}:job:G:leases      hash   <unit>:o owner  <unit>:e epoch  <unit>:x expiry
 *     ds:{T}:job:G:members     hash   worker → expiry (server ms)
 *     ds:{T}:job:G:s1:P        hash   stage-1 state of input partition P (+ plan)
 *     ds:{T}:job:G:s2in:Q      stream stage-1 → stage-2 messages for key partition Q
 *     ds:{T}:job:G:s2:Q        hash   stage-2 state of key partition Q (+ hand-over snapshot)
 */
import { ConfigError, DStreamError } from '../../core/errors.js';
import type {
  CommitResult, HeartbeatReply, JobMeta, LeaseView, Stage1Commit, Stage1State, Stage2Commit, Stage2Message, Stage2State,
} from '../backend.js';
import type { JobStatus } from '../admin.js';
import { JobGoneError, ORIGIN, type Assignment, type Held, type JobLog, type LogBackend } from '../log-backend.js';
import { plan } from './assign.js';
import type { Redis } from 'ioredis';
import { OUTPUTS } from './codec.js';
import type { Scripts } from './scripts.js';
import { hash, leasesOf, numText, range, textNum, toMessage, type Entry } from './codec.js';

function result(r: string): CommitResult {
  return r === 'OK' ? 'ok' : r === 'FENCED' ? 'fenced' : 'stale';
}

function metaOf(m: Record<string, string>): JobMeta {
  return { inputPartitions: Number(m.p1), keyPartitions: Number(m.p2), fingerprint: m.fp ?? '', output: m.out ?? '' };
}

/** Job `group` of a topic; see the module doc. */
export class RedisJob implements JobLog {
  /** Key prefix `ds:{T}:job:G`. */
  readonly jp: string;
  private view: HeartbeatReply | null = null;
  private viewAtMs = -Infinity;
  private counts: { s1: number; s2: number } | null = null;

  /** @param b the topic's connection and key prefix `ds:{T}` (a `RedisBackend`). */
  constructor(private readonly b: LogBackend & { readonly redis: Redis & Scripts; readonly tp: string }, readonly group: string) {
    this.jp = `${b.tp}:job:${group}`;
  }

  private get redis() {
    return this.b.redis;
  }

  private outputKey(name: string): string {
    return `${this.b.tp}:out:${name}`;
  }

  async open(keyPartitions: number, pipeline: string, output: string): Promise<JobMeta | null> {
    const r = await this.redis.dsOpenJob(`${this.b.tp}:meta`, `${this.jp}:meta`, OUTPUTS, `${this.b.tp}:jobs`,
      keyPartitions, pipeline, output, this.outputKey(output), this.jp, this.group);
    if (r[0] === 'NOTOPIC') return null;
    if (r[0] === 'OUTPUT_TAKEN') throw new ConfigError(`--to: output stream '${output}' is written by another job (${String(r[1])}); choose another name`);
    return metaOf(hash(r[1] as string[]));
  }

  async meta(): Promise<JobMeta | null> {
    const m = await this.redis.hgetall(`${this.jp}:meta`);
    return m.p1 ? metaOf(m) : null;
  }

  // ---- membership and assignment ----

  async heartbeat(worker: string, leaseMs: number, held: Held[]): Promise<HeartbeatReply> {
    const r = await this.redis.dsHeartbeat(`${this.jp}:leases`, `${this.jp}:members`, `${this.jp}:meta`, worker, leaseMs, ...held.flat());
    if ((r[0] as unknown) === 'GONE') throw new JobGoneError(this.jp);
    const [now, lost, live, flat] = r;
    this.view = { nowMs: Number(now), lost, members: [...live].sort(), leases: leasesOf(hash(flat)) };
    this.viewAtMs = Date.now();
    return this.view;
  }

  /** Tries to take `unit`: its new epoch, or null when a live worker holds it. */
  private async acquire(worker: string, unit: string, leaseMs: number): Promise<number | null> {
    const e = Number(await this.redis.dsAcquire(`${this.jp}:leases`, `${this.jp}:members`, `${this.jp}:meta`, unit, worker, leaseMs));
    if (e === -2) throw new JobGoneError(this.jp);
    return e < 0 ? null : e;
  }

  async assign(worker: string, leaseMs: number, held: Held[]): Promise<Assignment> {
    // A fresh view at least every 200 ms: units freed by others are taken without waiting for the heartbeat timer.
    const lost = !this.view || Date.now() - this.viewAtMs >= Math.min(200, leaseMs / 3) ? (await this.heartbeat(worker, leaseMs, held)).lost : [];
    if (!this.counts) {
      const m = await this.meta();
      if (!m) throw new JobGoneError(this.jp);
      this.counts = { s1: m.inputPartitions, s2: m.keyPartitions };
    }
    const kept = held.filter(([u]) => !lost.includes(u));
    const { revoke, stages } = plan(this.view!, worker, kept, this.counts);
    const granted: Assignment['granted'] = [];
    for (const { need, free } of stages) {
      let left = need;
      for (const unit of free) {
        if (left <= 0) break;
        const epoch = await this.acquire(worker, unit, leaseMs);
        if (epoch === null) continue;
        granted.push({ unit, epoch });
        left--;
      }
    }
    return { lost, granted, revoke };
  }

  async release(worker: string, held: Held[], leave: boolean): Promise<void> {
    await this.redis.dsRelease(`${this.jp}:leases`, `${this.jp}:members`, worker, leave ? 1 : 0, ...held.flat());
  }

  async leases(): Promise<{ leases: LeaseView[]; members: Record<string, number>; nowMs: number }> {
    const [flat, members, time] = await Promise.all([
      this.redis.hgetall(`${this.jp}:leases`), this.redis.hgetall(`${this.jp}:members`), this.redis.time(),
    ]);
    const nowMs = Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000);
    return { leases: leasesOf(flat), members: Object.fromEntries(Object.entries(members).map(([k, v]) => [k, Number(v)])), nowMs };
  }

  // ---- stage 1 ----

  private s1Key(p: number): string {
    return `${this.jp}:s1:${p}`;
  }
  private s2Key(q: number): string {
    return `${this.jp}:s2:${q}`;
  }
  private s2inKey(q: number): string {
    return `${this.jp}:s2in:${q}`;
  }

  async stage1State(p: number): Promise<Stage1State> {
    const h = await this.redis.hgetall(this.s1Key(p));
    return {
      offset: h.off ?? ORIGIN, seq: Number(h.seq ?? 0), maxEventTimeMs: textNum(h.max, -Infinity), floorMs: textNum(h.floor, -Infinity),
      idle: h.idle === '1', eof: h.eof === '1', lines: Number(h.lines ?? 0), late: Number(h.late ?? 0), entries: Number(h.entries ?? 0),
      plan: h.pseq ? { seq: Number(h.pseq), from: h.pfrom!, to: h.pto!, floorMs: textNum(h.pfloor, -Infinity) } : undefined,
    };
  }

  async planStage1(worker: string, epoch: number, p: number, seq: number, from: string, to: string, keyPartitions: number): Promise<number | 'fenced' | 'stale'> {
    const keys = [`${this.jp}:leases`, this.s1Key(p), ...range(keyPartitions).map((q) => this.s2Key(q))];
    const r = await this.redis.dsS1Plan(keys.length, ...keys, `s1:${p}`, worker, epoch, seq, from, to);
    if (r === 'FENCED') return 'fenced';
    if (r === 'STALE') return 'stale';
    return textNum(r, -Infinity);
  }

  async commitStage1(worker: string, epoch: number, c: Stage1Commit): Promise<CommitResult> {
    const keys = [`${this.jp}:leases`, this.s1Key(c.partition), ...c.payloads.map((_, q) => this.s2inKey(q))];
    return result(await this.redis.dsS1Commit(keys.length, ...keys, `s1:${c.partition}`, worker, epoch, c.seq, c.offset, numText(c.maxEventTimeMs),
      numText(c.watermarkMs), c.eof ? 1 : 0, c.idle ? 1 : 0, numText(c.floorMs), c.lines, c.late, c.entries, c.partition, ...c.payloads));
  }

  // ---- stage 2 ----

  async stage2State(q: number): Promise<Stage2State> {
    const h = await this.redis.hgetall(this.s2Key(q));
    return {
      offset: h.off ?? ORIGIN, rebuild: h.rb ?? ORIGIN, sources: h.src ?? '{}', sealedMs: textNum(h.sealed, -Infinity),
      done: h.done === '1', rows: Number(h.rows ?? 0), late: Number(h.late ?? 0),
      handOver: h.snap !== undefined && h.snapoff === (h.off ?? ORIGIN) ? h.snap : undefined,
    };
  }

  async readStage2(q: number, after: string, count: number): Promise<Stage2Message[]> {
    return ((await this.redis.xrange(this.s2inKey(q), `(${after}`, '+', 'COUNT', count)) as Entry[]).map(toMessage);
  }

  async readStage2Range(q: number, from: string, to: string, each: (m: Stage2Message) => void): Promise<number> {
    let start = from;
    let n = 0;
    for (;;) {
      const r = (await this.redis.xrange(this.s2inKey(q), start, to, 'COUNT', 500)) as Entry[];
      for (const e of r) each(toMessage(e));
      n += r.length;
      if (r.length < 500) return n;
      start = `(${r[r.length - 1]![0]}`;
    }
  }

  async stage2Lag(q: number, after: string, cap: number): Promise<number> {
    if (after === ORIGIN) return this.redis.xlen(this.s2inKey(q));
    return (await this.redis.xrange(this.s2inKey(q), `(${after}`, '+', 'COUNT', cap)).length;
  }

  async commitStage2(worker: string, epoch: number, q: number, c: Stage2Commit, output: string): Promise<CommitResult> {
    return result(await this.redis.dsS2Commit(`${this.jp}:leases`, this.s2Key(q), this.s2inKey(q), this.outputKey(output), `s2:${q}`, worker, epoch,
      c.prevOffset, c.offset, c.rebuild, c.sources, numText(c.sealedMs), c.done ? 1 : 0, c.rowsAdded, c.lateAdded,
      q, numText(c.done ? Infinity : c.closedMs), ...c.rowPacks));
  }

  async handOverStage2(worker: string, epoch: number, q: number, offset: string, snapshot: string): Promise<CommitResult> {
    return result(await this.redis.dsS2HandOver(`${this.jp}:leases`, this.s2Key(q), `s2:${q}`, worker, epoch, offset, snapshot));
  }

  // ---- deletion ----

  /** @throws DStreamError E_CHECKPOINT_IN_USE (exit 75) while live workers are members. */
  async refuseWhileLive(): Promise<void> {
    const { members, nowMs } = await this.leases();
    const live = Object.values(members).filter((x) => x >= nowMs).length;
    if (live > 0) throw new DStreamError('E_CHECKPOINT_IN_USE', 'checkpoint', `job ${this.group} has ${live} live worker(s); stop them first (SIGTERM), then reset`);
  }

  async status(): Promise<JobStatus> {
    const { jobStatus } = await import('../admin.js');
    return jobStatus(this.b, this);
  }

  async reset(): Promise<string | null> {
    const n = await this.deleteKeys();
    return n === 0 ? null : `${n} keys, its output stream included`;
  }

  /** Deletes the job's keys and its output stream; returns how many keys (0: no such job). @throws as `reset`. */
  async deleteKeys(): Promise<number> {
    await this.refuseWhileLive();
    const meta = await this.meta();
    const keys = await this.keys();
    if (!meta && keys.length === 0) return 0;
    if (meta) {
      keys.push(this.outputKey(meta.output));
      const reg = await this.redis.hget(OUTPUTS, `${meta.output}:job`);
      if (reg === this.jp) await this.redis.hdel(OUTPUTS, meta.output, `${meta.output}:job`);
    }
    await this.redis.srem(`${this.b.tp}:jobs`, this.group);
    for (let i = 0; i < keys.length; i += 500) await this.redis.del(...keys.slice(i, i + 500));
    return keys.length;
  }

  /** Every key of the job (SCAN). */
  private async keys(): Promise<string[]> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.redis.scan(cursor, 'MATCH', `${this.jp}:*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch.filter((k) => k.startsWith(`${this.jp}:`)));
    } while (cursor !== '0');
    return keys;
  }
}
