/**
 * The Redis Streams backend (Redis ≥ 6.2; tested on 7.0). Every key of a
 * topic and of its jobs shares the hash tag `{TOPIC}`, so one Lua script
 * touches keys of one hash slot and commits offsets, messages and output
 * atomically (what Kafka Streams gets from transactions). Layout:
 *
 *     ds:{T}:meta              hash   partitions, bounded (published from a file)
 *     ds:{T}:in:P              stream input partition P: l=<lines LF-joined> | eof=1
 *     ds:{T}:out:NAME          stream output rows: r=<JSON rows LF-joined>
 *     ds:{T}:job:G:meta        hash   p1 p2 fp out
 *     ds:{T}:job:G:leases      hash   <unit>:o owner  <unit>:e epoch  <unit>:x expiry
 *     ds:{T}:job:G:members     hash   worker → expiry (server ms)
 *     ds:{T}:job:G:s1:P        hash   stage-1 state of input partition P (+ plan)
 *     ds:{T}:job:G:s2in:Q      stream stage-1 → stage-2 messages for key partition Q
 *     ds:{T}:job:G:s2:Q        hash   stage-2 state of key partition Q (+ hand-over snapshot)
 *     ds:outputs               hash   NAME → output key, NAME:job → job prefix
 *
 * Durability: a commit is as durable as the server's AOF; end-to-end exactly
 * once across a crash of the server needs `appendonly yes` and
 * `appendfsync always` (Redis' persistence docs).
 */
import { Redis } from 'ioredis';
import { ConfigError, DStreamError } from '../core/errors.js';
import type { LogUrl } from './log-url.js';
import type {
  CommitResult, HeartbeatReply, InputEntry, JobMeta, LeaseView, Stage1Commit, Stage1State, Stage2Commit, Stage2Message, Stage2State, UnitId,
} from './backend.js';

const LUA_HEAD = `
local function now() local t = redis.call('TIME') return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) end
local function owns(leases, unit, worker, epoch)
  return redis.call('HGET', leases, unit .. ':o') == worker and redis.call('HGET', leases, unit .. ':e') == epoch
end
`;

/** KEYS: leases, members, job meta. ARGV: unit, worker, leaseMs. Returns the new epoch, -1 when held by a live owner, -2 when the job is gone (reset). */
const ACQUIRE = `${LUA_HEAD}
if redis.call('EXISTS', KEYS[3]) == 0 then return -2 end
local n = now()
local u = ARGV[1]
local o = redis.call('HGET', KEYS[1], u .. ':o')
local x = tonumber(redis.call('HGET', KEYS[1], u .. ':x') or '0')
if o and o ~= '' and o ~= ARGV[2] and x > n then return -1 end
local e = redis.call('HINCRBY', KEYS[1], u .. ':e', 1)
redis.call('HSET', KEYS[1], u .. ':o', ARGV[2], u .. ':x', n + tonumber(ARGV[3]))
return e`;

/** KEYS: leases, members, job meta. ARGV: worker, leaseMs, (unit, epoch)*. Returns {now, lost, live members, leases hash}, or {'GONE'} when the job was reset. */
const HEARTBEAT = `${LUA_HEAD}
if redis.call('EXISTS', KEYS[3]) == 0 then return {'GONE'} end
local n = now()
local ttl = tonumber(ARGV[2])
redis.call('HSET', KEYS[2], ARGV[1], n + ttl)
local lost = {}
for i = 3, #ARGV, 2 do
  local u = ARGV[i]
  if owns(KEYS[1], u, ARGV[1], ARGV[i + 1]) then redis.call('HSET', KEYS[1], u .. ':x', n + ttl)
  else table.insert(lost, u) end
end
local m = redis.call('HGETALL', KEYS[2])
local live = {}
for i = 1, #m, 2 do
  if tonumber(m[i + 1]) < n then redis.call('HDEL', KEYS[2], m[i]) else table.insert(live, m[i]) end
end
return {tostring(n), lost, live, redis.call('HGETALL', KEYS[1])}`;

/** KEYS: leases, members. ARGV: worker, leave (0/1), (unit, epoch)*. Frees the units still held with that epoch. */
const RELEASE = `${LUA_HEAD}
for i = 3, #ARGV, 2 do
  if owns(KEYS[1], ARGV[i], ARGV[1], ARGV[i + 1]) then redis.call('HSET', KEYS[1], ARGV[i] .. ':o', '', ARGV[i] .. ':x', 0) end
end
if ARGV[2] == '1' then redis.call('HDEL', KEYS[2], ARGV[1]) end
return 1`;

/** KEYS: leases, s1, s2 hashes…. ARGV: unit, worker, epoch, seq, from, to. Records the plan; returns the lateness floor. */
const S1_PLAN = `${LUA_HEAD}
if not owns(KEYS[1], ARGV[1], ARGV[2], ARGV[3]) then return 'FENCED' end
local cur = tonumber(redis.call('HGET', KEYS[2], 'seq') or '0')
if cur + 1 ~= tonumber(ARGV[4]) then return 'STALE' end
local floor = redis.call('HGET', KEYS[2], 'floor') or '-inf'
if redis.call('HGET', KEYS[2], 'idle') == '1' then
  for i = 3, #KEYS do
    local s = redis.call('HGET', KEYS[i], 'sealed')
    if s and s ~= '-inf' and (floor == '-inf' or tonumber(s) > tonumber(floor)) then floor = s end
  end
end
redis.call('HSET', KEYS[2], 'pseq', ARGV[4], 'pfrom', ARGV[5], 'pto', ARGV[6], 'pfloor', floor)
return floor`;

/**
 * KEYS: leases, s1, s2in streams…. ARGV: unit, worker, epoch, seq, off, max, wm, eof, idle, floor,
 * lines, late, entries, partition, payload per key partition. One message to every key partition, then the offset.
 */
const S1_COMMIT = `${LUA_HEAD}
if not owns(KEYS[1], ARGV[1], ARGV[2], ARGV[3]) then return 'FENCED' end
local cur = tonumber(redis.call('HGET', KEYS[2], 'seq') or '0')
if cur + 1 ~= tonumber(ARGV[4]) then return 'STALE' end
for i = 3, #KEYS do
  redis.call('XADD', KEYS[i], '*', 's', ARGV[14], 'n', ARGV[4], 'w', ARGV[7], 'e', ARGV[8], 'i', ARGV[9], 'd', ARGV[12 + i])
end
redis.call('HSET', KEYS[2], 'seq', ARGV[4], 'off', ARGV[5], 'max', ARGV[6], 'wm', ARGV[7], 'eof', ARGV[8], 'idle', ARGV[9], 'floor', ARGV[10])
redis.call('HINCRBY', KEYS[2], 'lines', ARGV[11])
redis.call('HINCRBY', KEYS[2], 'late', ARGV[12])
redis.call('HINCRBY', KEYS[2], 'entries', ARGV[13])
redis.call('HDEL', KEYS[2], 'pseq', 'pfrom', 'pto', 'pfloor')
return 'OK'`;

/** KEYS: leases, s2, s2in, out. ARGV: unit, worker, epoch, prevOff, off, rb, src, sealed, done, rows, late, packs…. */
const S2_COMMIT = `${LUA_HEAD}
if not owns(KEYS[1], ARGV[1], ARGV[2], ARGV[3]) then return 'FENCED' end
if (redis.call('HGET', KEYS[2], 'off') or '0-0') ~= ARGV[4] then return 'STALE' end
for i = 12, #ARGV do redis.call('XADD', KEYS[4], '*', 'r', ARGV[i]) end
redis.call('HSET', KEYS[2], 'off', ARGV[5], 'rb', ARGV[6], 'src', ARGV[7], 'sealed', ARGV[8], 'done', ARGV[9])
redis.call('HINCRBY', KEYS[2], 'rows', ARGV[10])
redis.call('HINCRBY', KEYS[2], 'late', ARGV[11])
if ARGV[6] ~= '0-0' then redis.call('XTRIM', KEYS[3], 'MINID', ARGV[6]) end
redis.call('HDEL', KEYS[2], 'snap', 'snapoff')
return 'OK'`;

/** KEYS: leases, s2. ARGV: unit, worker, epoch, offset, snapshot. Stores the open windows for the next owner, then frees the unit. */
const S2_HAND_OVER = `${LUA_HEAD}
if not owns(KEYS[1], ARGV[1], ARGV[2], ARGV[3]) then return 'FENCED' end
if (redis.call('HGET', KEYS[2], 'off') or '0-0') ~= ARGV[4] then return 'STALE' end
redis.call('HSET', KEYS[2], 'snap', ARGV[5], 'snapoff', ARGV[4])
redis.call('HSET', KEYS[1], ARGV[1] .. ':o', '', ARGV[1] .. ':x', 0)
return 'OK'`;

/** KEYS: topic meta, job meta, outputs. ARGV: p2, fingerprint, output name, output key, job prefix. */
const OPEN_JOB = `
local p1 = redis.call('HGET', KEYS[1], 'partitions')
if not p1 then return {'NOTOPIC'} end
if redis.call('EXISTS', KEYS[2]) == 0 then
  local reg = redis.call('HGET', KEYS[3], ARGV[3] .. ':job')
  if reg and reg ~= ARGV[5] then return {'OUTPUT_TAKEN', reg} end
  redis.call('HSET', KEYS[3], ARGV[3], ARGV[4], ARGV[3] .. ':job', ARGV[5])
  redis.call('HSET', KEYS[2], 'p1', p1, 'p2', ARGV[1], 'fp', ARGV[2], 'out', ARGV[3])
end
return {'OK', redis.call('HGETALL', KEYS[2])}`;

/** KEYS: topic meta. ARGV: partitions. Creates the topic or returns its partition count. */
const CREATE_TOPIC = `
local p = redis.call('HGET', KEYS[1], 'partitions')
if p then return tonumber(p) end
redis.call('HSET', KEYS[1], 'partitions', ARGV[1])
return tonumber(ARGV[1])`;

/** A number as stored: `inf`, `-inf` or decimal. */
export function numText(n: number): string {
  return n === Infinity ? 'inf' : n === -Infinity ? '-inf' : String(n);
}
/** Inverse of `numText`; missing → `dflt`. */
export function textNum(s: string | null | undefined, dflt: number): number {
  if (s === null || s === undefined || s === '') return dflt;
  return s === 'inf' ? Infinity : s === '-inf' ? -Infinity : Number(s);
}

/** Compares two stream ids `ms-seq` (−1, 0, 1). */
export function compareIds(a: string, b: string): number {
  const [am, as] = a.split('-');
  const [bm, bs] = b.split('-');
  const d = Number(am) - Number(bm) || Number(as) - Number(bs);
  return d < 0 ? -1 : d > 0 ? 1 : 0;
}

function hash(flat: string[]): Record<string, string> {
  const o: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) o[flat[i]!] = flat[i + 1]!;
  return o;
}

type Entry = [string, string[]];

interface Scripts {
  dsAcquire(k1: string, k2: string, k3: string, ...a: (string | number)[]): Promise<number>;
  dsHeartbeat(k1: string, k2: string, k3: string, ...a: (string | number)[]): Promise<[string, string[], string[], string[]]>;
  dsRelease(k1: string, k2: string, ...a: (string | number)[]): Promise<number>;
  dsS1Plan(n: number, ...a: (string | number)[]): Promise<string>;
  dsS1Commit(n: number, ...a: (string | number)[]): Promise<string>;
  dsS2Commit(k1: string, k2: string, k3: string, k4: string, ...a: (string | number)[]): Promise<string>;
  dsS2HandOver(k1: string, k2: string, ...a: (string | number)[]): Promise<string>;
  dsOpenJob(k1: string, k2: string, k3: string, ...a: (string | number)[]): Promise<[string, string[] | string]>;
  dsCreateTopic(k1: string, a: number): Promise<number>;
}

/** Options of a connection. */
export interface RedisLogOptions {
  /** Keep retrying forever (workers) instead of failing after the first connection error (commands). */
  persistent: boolean;
  /** Called with a message when the connection drops or errors (once per outage). */
  onError?: (message: string) => void;
}

/**
 * One connection to Redis and the topic's (and job's) keys.
 * Methods throw ioredis errors when Redis answers with an error; with
 * `persistent` they wait across disconnections (commands are re-sent, which
 * the commit scripts make harmless: they check seq/offset before writing).
 */
export class RedisLog {
  readonly redis: Redis & Scripts;
  readonly topic: string;
  private readonly tp: string;
  private jp = '';
  private down = false;
  private lastError = '';

  constructor(readonly url: LogUrl, private readonly o: RedisLogOptions) {
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
    redis.defineCommand('dsAcquire', { numberOfKeys: 3, lua: ACQUIRE });
    redis.defineCommand('dsHeartbeat', { numberOfKeys: 3, lua: HEARTBEAT });
    redis.defineCommand('dsRelease', { numberOfKeys: 2, lua: RELEASE });
    redis.defineCommand('dsS1Plan', { lua: S1_PLAN });
    redis.defineCommand('dsS1Commit', { lua: S1_COMMIT });
    redis.defineCommand('dsS2Commit', { numberOfKeys: 4, lua: S2_COMMIT });
    redis.defineCommand('dsS2HandOver', { numberOfKeys: 2, lua: S2_HAND_OVER });
    redis.defineCommand('dsOpenJob', { numberOfKeys: 3, lua: OPEN_JOB });
    redis.defineCommand('dsCreateTopic', { numberOfKeys: 1, lua: CREATE_TOPIC });
    this.redis = redis as Redis & Scripts;
  }

  /**
   * Connects.
   * @throws DStreamError (exit 1) when Redis cannot be reached and the connection is not persistent.
   */
  async connect(): Promise<void> {
    try {
      await this.redis.connect();
    } catch (e) {
      if (this.o.persistent) return; // ioredis keeps retrying; commands wait
      throw new DStreamError('E_LOG', 'receiving', `cannot connect to redis at ${this.url.host}:${this.url.port}: ${this.lastError || (e as Error).message}`);
    }
  }

  /** Closes the connection after pending replies. */
  async close(): Promise<void> {
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }

  // ---- topics ----

  /** Key of input partition `p`. */
  inputKey(p: number): string {
    return `${this.tp}:in:${p}`;
  }

  /** Partition count of the topic, or null when it does not exist. */
  async partitions(): Promise<number | null> {
    const p = await this.redis.hget(`${this.tp}:meta`, 'partitions');
    return p === null ? null : Number(p);
  }

  /** Creates the topic with `n` partitions, or returns the count it already has. */
  async createTopic(n: number): Promise<number> {
    return Number(await this.redis.dsCreateTopic(`${this.tp}:meta`, n));
  }

  /** Records that the topic's input is bounded (published from a file): its partitions all end with a marker. */
  async markBounded(): Promise<void> {
    await this.redis.hset(`${this.tp}:meta`, 'bounded', '1');
  }

  /** True when the topic was published from a file (see `markBounded`). */
  async isBounded(): Promise<boolean> {
    return (await this.redis.hget(`${this.tp}:meta`, 'bounded')) === '1';
  }

  /** Appends `lines` (LF-joined, no trailing LF) as one entry to partition `p` (not awaited: pipelined). */
  append(p: number, lines: string): Promise<unknown> {
    return this.redis.xadd(this.inputKey(p), '*', 'l', lines);
  }

  /** Appends the end-of-input marker to partition `p`. */
  appendEof(p: number): Promise<unknown> {
    return this.redis.xadd(this.inputKey(p), '*', 'eof', '1');
  }

  /** Partitions whose last entry is an end-of-input marker. */
  async endedPartitions(n: number): Promise<number[]> {
    const ended: number[] = [];
    for (let p = 0; p < n; p++) {
      const last = (await this.redis.xrevrange(this.inputKey(p), '+', '-', 'COUNT', 1)) as Entry[];
      if (last.length && toInputEntry(last[0]!).eof) ended.push(p);
    }
    return ended;
  }

  /** Input entries of partition `p` after `afterId` (exclusive), at most `count`. */
  async readInput(p: number, afterId: string, count: number): Promise<InputEntry[]> {
    const r = (await this.redis.xrange(this.inputKey(p), `(${afterId}`, '+', 'COUNT', count)) as Entry[];
    return r.map(toInputEntry);
  }

  /** Input entries of partition `p` from `from` to `to`, both inclusive. */
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

  // ---- jobs ----

  /** Selects job `group` of this topic. */
  useJob(group: string): void {
    this.jp = `${this.tp}:job:${group}`;
  }

  /** Key prefix of the selected job. */
  get jobPrefix(): string {
    return this.jp;
  }

  /** Key of output stream `name` (in this topic's hash slot). */
  outputKey(name: string): string {
    return `${this.tp}:out:${name}`;
  }

  /**
   * Creates the job if new, else returns what it was created with.
   * @returns null when the topic does not exist yet.
   * @throws ConfigError (exit 2) when the output name belongs to another job.
   */
  async openJob(keyPartitions: number, fingerprint: string, output: string): Promise<JobMeta | null> {
    const r = await this.redis.dsOpenJob(`${this.tp}:meta`, `${this.jp}:meta`, 'ds:outputs', keyPartitions, fingerprint, output, this.outputKey(output), this.jp);
    if (r[0] === 'NOTOPIC') return null;
    if (r[0] === 'OUTPUT_TAKEN') throw new ConfigError(`--to: output stream '${output}' is written by another job (${String(r[1])}); choose another name`);
    const m = hash(r[1] as string[]);
    return { inputPartitions: Number(m.p1), keyPartitions: Number(m.p2), fingerprint: m.fp ?? '', output: m.out ?? '' };
  }

  /** The job's stored settings, or null when the job does not exist. */
  async jobMeta(): Promise<JobMeta | null> {
    const m = await this.redis.hgetall(`${this.jp}:meta`);
    if (!m.p1) return null;
    return { inputPartitions: Number(m.p1), keyPartitions: Number(m.p2), fingerprint: m.fp ?? '', output: m.out ?? '' };
  }

  /**
   * Tries to take `unit`: its new epoch, or null when a live worker holds it.
   * @throws JobGoneError when the job was reset (its meta is gone).
   */
  async acquire(worker: string, unit: UnitId, leaseMs: number): Promise<number | null> {
    const e = Number(await this.redis.dsAcquire(`${this.jp}:leases`, `${this.jp}:members`, `${this.jp}:meta`, unit, worker, leaseMs));
    if (e === -2) throw new JobGoneError(this.jp);
    return e < 0 ? null : e;
  }

  /**
   * Renews membership and the leases of `held`; see `HeartbeatReply`.
   * @throws JobGoneError when the job was reset.
   */
  async heartbeat(worker: string, leaseMs: number, held: [UnitId, number][]): Promise<HeartbeatReply> {
    const r = await this.redis.dsHeartbeat(`${this.jp}:leases`, `${this.jp}:members`, `${this.jp}:meta`, worker, leaseMs, ...held.flat());
    if ((r[0] as unknown) === 'GONE') throw new JobGoneError(this.jp);
    const [now, lost, live, flat] = r;
    return { nowMs: Number(now), lost, members: [...live].sort(), leases: leasesOf(hash(flat)) };
  }

  /** Frees `held` (only those still held with that epoch); with `leave`, also leaves the member list. */
  async release(worker: string, held: [UnitId, number][], leave: boolean): Promise<void> {
    await this.redis.dsRelease(`${this.jp}:leases`, `${this.jp}:members`, worker, leave ? 1 : 0, ...held.flat());
  }

  /** The job's leases and live members (for `job status`). */
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

  /** Committed state of input partition `p`. */
  async stage1State(p: number): Promise<Stage1State> {
    const h = await this.redis.hgetall(this.s1Key(p));
    return {
      offset: h.off ?? '0-0', seq: Number(h.seq ?? 0), maxEventTimeMs: textNum(h.max, -Infinity), floorMs: textNum(h.floor, -Infinity),
      idle: h.idle === '1', eof: h.eof === '1', lines: Number(h.lines ?? 0), late: Number(h.late ?? 0), entries: Number(h.entries ?? 0),
      plan: h.pseq ? { seq: Number(h.pseq), from: h.pfrom!, to: h.pto!, floorMs: textNum(h.pfloor, -Infinity) } : undefined,
    };
  }

  /** Records the planned batch of partition `p` before it is computed (write-ahead). */
  async planStage1(worker: string, epoch: number, p: number, seq: number, from: string, to: string, keyPartitions: number): Promise<number | 'fenced' | 'stale'> {
    const keys = [`${this.jp}:leases`, this.s1Key(p), ...range(keyPartitions).map((q) => this.s2Key(q))];
    const r = await this.redis.dsS1Plan(keys.length, ...keys, `s1:${p}`, worker, epoch, seq, from, to);
    if (r === 'FENCED') return 'fenced';
    if (r === 'STALE') return 'stale';
    return textNum(r, -Infinity);
  }

  /** Commits a stage-1 batch atomically: a message to every key partition, then the offset. */
  async commitStage1(worker: string, epoch: number, c: Stage1Commit): Promise<CommitResult> {
    const keys = [`${this.jp}:leases`, this.s1Key(c.partition), ...c.payloads.map((_, q) => this.s2inKey(q))];
    const r = await this.redis.dsS1Commit(keys.length, ...keys, `s1:${c.partition}`, worker, epoch, c.seq, c.offset, numText(c.maxEventTimeMs),
      numText(c.watermarkMs), c.eof ? 1 : 0, c.idle ? 1 : 0, numText(c.floorMs), c.lines, c.late, c.entries, c.partition, ...c.payloads);
    return r === 'OK' ? 'ok' : r === 'FENCED' ? 'fenced' : 'stale';
  }

  // ---- stage 2 ----

  /** Committed state of key partition `q`. */
  async stage2State(q: number): Promise<Stage2State> {
    const h = await this.redis.hgetall(this.s2Key(q));
    return {
      offset: h.off ?? '0-0', rebuild: h.rb ?? '0-0', sources: h.src ?? '{}', sealedMs: textNum(h.sealed, -Infinity),
      done: h.done === '1', rows: Number(h.rows ?? 0), late: Number(h.late ?? 0),
      handOver: h.snap !== undefined && h.snapoff === (h.off ?? '0-0') ? h.snap : undefined,
    };
  }

  /** Graceful hand-over: stores the open windows of key partition `q` (valid while its offset stays `offset`) and frees it. */
  async handOverStage2(worker: string, epoch: number, q: number, offset: string, snapshot: string): Promise<CommitResult> {
    const r = await this.redis.dsS2HandOver(`${this.jp}:leases`, this.s2Key(q), `s2:${q}`, worker, epoch, offset, snapshot);
    return r === 'OK' ? 'ok' : r === 'FENCED' ? 'fenced' : 'stale';
  }

  /** Messages of key partition `q` after `afterId` (exclusive), at most `count`. */
  async readStage2(q: number, afterId: string, count: number): Promise<Stage2Message[]> {
    return ((await this.redis.xrange(this.s2inKey(q), `(${afterId}`, '+', 'COUNT', count)) as Entry[]).map(toMessage);
  }

  /** Messages of key partition `q` from `from` to `to`, inclusive (a rebuild). */
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

  /** Number of messages waiting in key partition `q`. */
  async stage2Length(q: number): Promise<number> {
    return this.redis.xlen(this.s2inKey(q));
  }

  /** Commits a stage-2 step atomically: output rows, offset, progress, trim of its input. */
  async commitStage2(worker: string, epoch: number, q: number, c: Stage2Commit, output: string): Promise<CommitResult> {
    const r = await this.redis.dsS2Commit(`${this.jp}:leases`, this.s2Key(q), this.s2inKey(q), this.outputKey(output), `s2:${q}`, worker, epoch,
      c.prevOffset, c.offset, c.rebuild, c.sources, numText(c.sealedMs), c.done ? 1 : 0, c.rowsAdded, c.lateAdded, ...c.rowPacks);
    return r === 'OK' ? 'ok' : r === 'FENCED' ? 'fenced' : 'stale';
  }

  // ---- outputs and administration ----

  /** Entries added to input partition `p` since it was created (Redis 7 `XINFO STREAM` entries-added), or its length. */
  async inputAdded(p: number): Promise<number> {
    try {
      const info = (await this.redis.xinfo('STREAM', this.inputKey(p))) as unknown[];
      const i = info.indexOf('entries-added');
      return i >= 0 ? Number(info[i + 1]) : Number(info[info.indexOf('length') + 1]);
    } catch {
      return 0; // no such stream yet
    }
  }

  /** Every key of the selected job (SCAN). */
  async jobKeys(): Promise<string[]> {
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

/** The job's keys were deleted (`dstream job reset`) while a worker ran: it must stop, not recreate them. */
export class JobGoneError extends DStreamError {
  constructor(jobPrefix: string) {
    super('E_JOB_GONE', 'processing', `the job (${jobPrefix}) was reset or deleted while this worker ran; stopping`);
  }
}

/** Output rows of stream `name` (any topic), via the registry. Static: needs no topic. */
export async function resolveOutput(redis: Redis, name: string): Promise<string | null> {
  return redis.hget('ds:outputs', name);
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function fieldsOf(f: string[]): Record<string, string> {
  return hash(f);
}

function toInputEntry([id, f]: Entry): InputEntry {
  const h = fieldsOf(f);
  return { id, lines: h.l ?? null, eof: h.eof === '1' };
}

function toMessage([id, f]: Entry): Stage2Message {
  const h = fieldsOf(f);
  return { id, source: Number(h.s), seq: Number(h.n), watermarkMs: textNum(h.w, -Infinity), eof: h.e === '1', idle: h.i === '1', data: h.d ?? '' };
}

function leasesOf(h: Record<string, string>): LeaseView[] {
  const units = new Set<string>();
  for (const k of Object.keys(h)) units.add(k.slice(0, k.lastIndexOf(':')));
  return [...units].sort().map((unit) => ({ unit, owner: h[`${unit}:o`] ?? '', epoch: Number(h[`${unit}:e`] ?? 0), expiresMs: Number(h[`${unit}:x`] ?? 0) }));
}
