/**
 * One job of a Redis topic (see `JobLog`). Its keys are spread over hash slots
 * (keys.ts): settings and membership in the topic's slot, each input
 * partition's stage-1 state and lease in that partition's slot, each key
 * partition's state, messages, lease and output rows in a slot of its own.
 *
 *     ds:{T}:job:G:meta          hash   p1 p2 fp out
 *     ds:{T}:job:G:members       hash   worker → expiry (server ms)
 *     ds:{T:P}:job:G:lease       hash   o owner  e epoch  x expiry, of unit s1:P
 *     ds:{T:P}:job:G:s1          hash   stage-1 state of input partition P (+ plan, + pending commit)
 *     ds:{T:G:Q}:lease           hash   the lease of unit s2:Q
 *     ds:{T:G:Q}:s2              hash   stage-2 state of key partition Q (+ hand-over snapshot)
 *     ds:{T:G:Q}:s2in            stream stage-1 → stage-2 messages for key partition Q
 *     ds:{T:G:Q}:seen            hash   input partition → last batch seq delivered to Q
 *     ds:{T:G:Q}:out:NAME        stream output rows of key partition Q
 *
 * Every script runs in one slot and is fenced by the lease kept in that same
 * slot; stage-1 commits span slots and are made exactly-once in steps
 * (stage1-commit.ts). Stage-2 commits (rows, offset, progress) stay one
 * script: all their keys are the key partition's.
 */
import { plural } from '../../core/plural.js';
import { ConfigError, DStreamError } from '../../core/errors.js';
import type { CommitResult, Stage2Message, UnitId, JobStatus } from '../backend.js';
import type { HeartbeatReply, JobMeta, LeaseView, Stage1Commit, Stage1State, Stage2Commit, Stage2State } from './types.js';
import { ORIGIN, type Assignment, type LogBackend, type UnitCommit } from '../log-backend.js';
import { JobGoneError, type Held, type JobLog, type JobLogWrite } from './job-log.js';
import { plan } from './assign.js';
import { commitResult, hash, numText, OUTPUTS, range, textNum, toMessage, type Entry } from './codec.js';
import { linesOutputKey, type JobKeys, type TopicKeys } from './keys.js';
import type { Client } from './scripts.js';
import { commitStage1, rollForward } from './stage1-commit.js';
import { missedByNewJob, type TopicInput } from './retention.js';

/** The key layout of keys.ts, stored as `v` in a job's meta: jobs of the older one-slot layout are refused (and can be reset). */
const LAYOUT = '2';

function metaOf(m: Record<string, string>): JobMeta {
  return { inputPartitions: Number(m.p1), keyPartitions: Number(m.p2), fingerprint: m.fp ?? '', output: m.out ?? '', missedEntries: m.missed?.split(',').map(Number) };
}

/** Job `group` of a topic; see the module doc. */
export class RedisJob implements JobLog {
  readonly k: JobKeys;
  private view: HeartbeatReply | null = null;
  private viewAtMs = -Infinity;
  private counts: { s1: number; s2: number } | null = null;

  /** @param b the topic's connection and keys (a `RedisBackend`). */
  constructor(private readonly b: LogBackend & { readonly redis: Client; readonly keys: TopicKeys; readonly cluster: boolean } & TopicInput, readonly group: string) {
    this.k = b.keys.job(group);
  }

  private get redis(): Client {
    return this.b.redis;
  }

  /** Every unit of the job: `s1:0…`, `s2:0…`. */
  private units(c: { s1: number; s2: number }): UnitId[] {
    return [...range(c.s1).map((p) => `s1:${p}`), ...range(c.s2).map((q) => `s2:${q}`)];
  }

  /**
   * Creates the job if new, in steps (their keys are in different slots): the output name is claimed
   * in `ds:outputs`, the job created in the topic's slot, then every unit's lease hash (acquire.lua
   * takes no unit of a job without them). Each step is idempotent; a crash between them is finished by
   * the next worker to open the job.
   */
  async open(keyPartitions: number, pipeline: string, output: string): Promise<JobMeta | null> {
    const raw = await this.redis.hgetall(this.k.meta);
    if (raw.p1 && raw.v !== LAYOUT) {
      throw new ConfigError(`job ${this.group} was created by an older dstream, whose keys lie in one hash slot; finish it with that version, or delete it (dstream job reset) and start it again`);
    }
    let meta = raw.p1 ? metaOf(raw) : null;
    if (!meta) {
      const trimmed = await missedByNewJob(this.b, this.group);
      const claim = await this.redis.dsClaimOutput(OUTPUTS, output, this.k.base, this.k.prefix);
      if (claim[0] === 'TAKEN') throw new ConfigError(`--to: output stream '${output}' is written by another job (${String(claim[1])}); choose another name`);
      const r = await this.redis.dsOpenJob(this.b.keys.meta, this.k.meta, this.b.keys.jobs, keyPartitions, pipeline, output, this.group);
      if (r[0] === 'NOTOPIC') {
        await this.unclaim(output);
        return null;
      }
      meta = metaOf(hash(r[1]!));
      if (trimmed.some((n) => n > 0) && (await this.redis.hsetnx(this.k.meta, 'missed', trimmed.join(','))) === 1) meta.missedEntries = trimmed;
      if (meta.output !== output) await this.unclaim(output); // created at the same moment by a worker with another --to
    }
    const c = { s1: meta.inputPartitions, s2: meta.keyPartitions };
    await Promise.all(this.units(c).map((u) => this.redis.hsetnx(this.k.lease(u), 'e', 0)));
    return meta;
  }

  /** Drops this job's claim of output `name` (if it is this job's). */
  private async unclaim(name: string): Promise<void> {
    if ((await this.redis.hget(OUTPUTS, `${name}:job`)) === this.k.prefix) await this.redis.hdel(OUTPUTS, name, `${name}:job`);
  }

  async meta(): Promise<JobMeta | null> {
    const m = await this.redis.hgetall(this.k.meta);
    return m.p1 ? metaOf(m) : null;
  }

  // ---- membership and assignment ----

  private async unitCounts(): Promise<{ s1: number; s2: number }> {
    if (!this.counts) {
      const m = await this.meta();
      if (!m) throw new JobGoneError(this.k.prefix);
      this.counts = { s1: m.inputPartitions, s2: m.keyPartitions };
    }
    return this.counts;
  }

  /** Membership in the topic's slot, then each held lease renewed in its own slot, then every lease read. */
  async heartbeat(worker: string, leaseMs: number, held: Held[]): Promise<HeartbeatReply> {
    const r = await this.redis.dsHeartbeat(this.k.members, this.k.meta, worker, leaseMs);
    if ((r[0] as unknown) === 'GONE') throw new JobGoneError(this.k.prefix);
    const [renewed, leases] = await Promise.all([
      Promise.all(held.map(([u, e]) => this.redis.dsRenew(this.k.lease(u), worker, e, leaseMs))),
      this.readLeases(await this.unitCounts()),
    ]);
    const lost = held.filter((_, i) => Number(renewed[i]) !== 1).map(([u]) => u);
    this.view = { nowMs: Number(r[0]), lost, members: [...r[1]].sort(), leases };
    this.viewAtMs = Date.now();
    return this.view;
  }

  /** The lease of every unit ever taken, by unit. */
  private async readLeases(c: { s1: number; s2: number }): Promise<LeaseView[]> {
    const units = this.units(c);
    const all = await Promise.all(units.map((u) => this.redis.hgetall(this.k.lease(u))));
    const out: LeaseView[] = [];
    for (const [i, h] of all.entries()) {
      if (h.o !== undefined) out.push({ unit: units[i]!, owner: h.o, epoch: Number(h.e ?? 0), expiresMs: Number(h.x ?? 0) });
    }
    return out.sort((a, b) => (a.unit < b.unit ? -1 : a.unit > b.unit ? 1 : 0));
  }

  /** Tries to take `unit`: its new epoch, or null when a live worker holds it. */
  private async acquire(worker: string, unit: string, leaseMs: number): Promise<number | null> {
    const e = Number(await this.redis.dsAcquire(this.k.lease(unit), worker, leaseMs));
    if (e === -2) throw new JobGoneError(this.k.prefix);
    return e < 0 ? null : e;
  }

  async assign(worker: string, leaseMs: number, held: Held[]): Promise<Assignment> {
    // A fresh view at least every 200 ms: units freed by others are taken without waiting for the heartbeat timer.
    const lost = !this.view || Date.now() - this.viewAtMs >= Math.min(200, leaseMs / 3) ? (await this.heartbeat(worker, leaseMs, held)).lost : [];
    const counts = await this.unitCounts();
    const kept = held.filter(([u]) => !lost.includes(u));
    const { revoke, stages } = plan(this.view!, worker, kept, counts);
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
    await Promise.all(held.map(([u, e]) => this.redis.dsRelease(this.k.lease(u), worker, e)));
    if (leave) await this.redis.hdel(this.k.members, worker);
  }

  async leases(): Promise<{ leases: LeaseView[]; members: Record<string, number>; nowMs: number }> {
    const m = await this.meta();
    const [leases, members, time] = await Promise.all([
      m ? this.readLeases({ s1: m.inputPartitions, s2: m.keyPartitions }) : [], this.redis.hgetall(this.k.members), this.redis.time(),
    ]);
    const nowMs = Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000);
    return { leases, members: Object.fromEntries(Object.entries(members).map(([k, v]) => [k, Number(v)])), nowMs };
  }

  // ---- stage 1 ----

  /** The committed state; a pending commit (decided, not finished: stage1-commit.ts) is rolled forward first. */
  async stage1State(p: number): Promise<Stage1State> {
    let h = await this.redis.hgetall(this.k.s1(p));
    if (await rollForward(this.redis, this.k, p, h)) h = await this.redis.hgetall(this.k.s1(p));
    return {
      offset: h.off ?? ORIGIN, seq: Number(h.seq ?? 0), maxEventTimeMs: textNum(h.max, -Infinity), floorMs: textNum(h.floor, -Infinity),
      idle: h.idle === '1', eof: h.eof === '1', lines: Number(h.lines ?? 0), late: Number(h.late ?? 0), entries: Number(h.entries ?? 0),
      plan: h.pseq ? { seq: Number(h.pseq), from: h.pfrom!, to: h.pto!, floorMs: textNum(h.pfloor, -Infinity) } : undefined,
    };
  }

  async planStage1(worker: string, epoch: number, p: number, seq: number, from: string, to: string, keyPartitions: number): Promise<number | 'fenced' | 'stale'> {
    // An idle partition with input again: its floor is the highest closed-window end of the key partitions (other slots).
    let sealed = -Infinity;
    if ((await this.redis.hget(this.k.s1(p), 'idle')) === '1') {
      for (const s of await Promise.all(range(keyPartitions).map((q) => this.redis.hget(this.k.kp(q, 's2'), 'sealed')))) {
        sealed = Math.max(sealed, textNum(s, -Infinity));
      }
    }
    const r = await this.redis.dsS1Plan(this.k.lease(`s1:${p}`), this.k.s1(p), worker, epoch, seq, from, to, numText(sealed));
    if (r === 'FENCED') return 'fenced';
    if (r === 'STALE') return 'stale';
    return textNum(r, -Infinity);
  }

  commit(worker: string, steps: UnitCommit<JobLogWrite>[]): Promise<CommitResult[]> {
    return Promise.all(steps.map(({ epoch, write: w }) => ('stage1' in w ? this.commitStage1(worker, epoch, w.stage1) : this.commitStage2(worker, epoch, w.q, w.stage2, w.output))));
  }

  async commitStage1(worker: string, epoch: number, c: Stage1Commit): Promise<CommitResult> {
    return commitStage1(this.redis, this.k, worker, epoch, c, this.b.cluster);
  }

  // ---- stage 2 ----

  async stage2State(q: number): Promise<Stage2State> {
    const h = await this.redis.hgetall(this.k.kp(q, 's2'));
    return {
      offset: h.off ?? ORIGIN, rebuild: h.rb ?? ORIGIN, sources: h.src ?? '{}', sealedMs: textNum(h.sealed, -Infinity),
      done: h.done === '1', rows: Number(h.rows ?? 0), late: Number(h.late ?? 0),
      handOver: h.snap !== undefined && h.snapoff === (h.off ?? ORIGIN) ? h.snap : undefined,
    };
  }

  async readStage2(q: number, after: string, count: number): Promise<Stage2Message[]> {
    return ((await this.redis.xrange(this.k.kp(q, 's2in'), `(${after}`, '+', 'COUNT', count)) as Entry[]).map(toMessage);
  }

  async readStage2Range(q: number, from: string, to: string, each: (m: Stage2Message) => void): Promise<number> {
    let start = from;
    let n = 0;
    for (;;) {
      const r = (await this.redis.xrange(this.k.kp(q, 's2in'), start, to, 'COUNT', 500)) as Entry[];
      for (const e of r) each(toMessage(e));
      n += r.length;
      if (r.length < 500) return n;
      start = `(${r[r.length - 1]![0]}`;
    }
  }

  async stage2Lag(q: number, after: string, cap: number): Promise<number> {
    if (after === ORIGIN) return this.redis.xlen(this.k.kp(q, 's2in'));
    return (await this.redis.xrange(this.k.kp(q, 's2in'), `(${after}`, '+', 'COUNT', cap)).length;
  }

  async commitStage2(worker: string, epoch: number, q: number, c: Stage2Commit, output: string): Promise<CommitResult> {
    return commitResult(await this.redis.dsS2Commit(this.k.lease(`s2:${q}`), this.k.kp(q, 's2'), this.k.kp(q, 's2in'), this.k.output(output, q), worker, epoch,
      c.prevOffset, c.offset, c.rebuild, c.sources, numText(c.sealedMs), c.done ? 1 : 0, c.rowsAdded, c.lateAdded,
      q, numText(c.done ? Infinity : c.closedMs), c.state ?? '', ...c.rowPacks));
  }

  async handOverStage2(worker: string, epoch: number, q: number, offset: string, snapshot: string): Promise<CommitResult> {
    return commitResult(await this.redis.dsS2HandOver(this.k.lease(`s2:${q}`), this.k.kp(q, 's2'), worker, epoch, offset, snapshot));
  }

  // ---- deletion ----

  /** @throws DStreamError E_CHECKPOINT_IN_USE (exit 75) while live workers are members. */
  async refuseWhileLive(): Promise<void> {
    const { members, nowMs } = await this.leases();
    const live = Object.values(members).filter((x) => x >= nowMs).length;
    if (live > 0) throw new DStreamError('E_CHECKPOINT_IN_USE', 'checkpoint', `job ${this.group} has ${plural(live, 'live worker')}; stop them first (SIGTERM), then try again`);
  }

  async status(): Promise<JobStatus> {
    const { jobStatus } = await import('./status.js');
    return jobStatus(this.b, this);
  }

  async reset(): Promise<string | null> {
    const n = await this.deleteKeys();
    return n === 0 ? null : `${plural(n, 'key')}, its output stream included`;
  }

  /**
   * Deletes every key of the job, one by one (they are in many slots), the meta last; returns how
   * many keys (0: no such job). @throws as `reset`.
   */
  async deleteKeys(): Promise<number> {
    await this.refuseWhileLive();
    const meta = await this.meta();
    const keys = [this.k.members];
    if (meta) {
      for (const p of range(meta.inputPartitions)) keys.push(this.k.s1(p), this.k.lease(`s1:${p}`));
      // A stateless job (no key partitions) has one output stream per input partition.
      if (meta.keyPartitions === 0) for (const p of range(meta.inputPartitions)) keys.push(linesOutputKey(this.k.base, meta.output, p, this.b.cluster));
      for (const q of range(meta.keyPartitions)) keys.push(...(['s2', 's2in', 'seen', 'lease'] as const).map((w) => this.k.kp(q, w)), this.k.output(meta.output, q));
      // A job of the older layout (one hash slot: ds:{T}:job:G:…, output ds:{T}:out:NAME).
      const p = this.k.prefix;
      keys.push(`${p}:leases`, `ds:{${this.k.topic}}:out:${meta.output}`, ...range(meta.inputPartitions).map((i) => `${p}:s1:${i}`),
        ...range(meta.keyPartitions).flatMap((q) => [`${p}:s2:${q}`, `${p}:s2in:${q}`]));
      await this.unclaim(meta.output);
    }
    await this.redis.srem(this.b.keys.jobs, this.group);
    const removed = (await Promise.all(keys.map((k) => this.redis.del(k)))).reduce((a, b) => a + b, 0);
    return removed + (await this.redis.del(this.k.meta));
  }
}
