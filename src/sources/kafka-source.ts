/**
 * `--kafka BROKERS --topic NAME`: Spark's direct Kafka stream (`createDirectStream`)
 * for one process — no receiver, no write-ahead log. Every partition of the
 * subscribed topics is read by this process (manual assignment, no group
 * rebalancing); a background loop fetches each partition from its position
 * into memory (read_committed: records of aborted transactions never appear),
 * and a batch takes, per partition, the offset range `[from, to)` fetched when
 * the batch starts (at most `--max-records-per-batch` records in all).
 *
 * With a checkpoint the ranges are the batch's entry in the offset log
 * (`planBatch`), so a restart re-reads exactly the uncommitted batches
 * (`prepare` fetches the logged ranges before recovery replays them, as
 * `replayBatch` is synchronous). `--group ID` also commits the positions to
 * Kafka after each batch (lag tools see the job); without a checkpoint that
 * group is where a restart resumes (at least once).
 *
 * Event time: `recordTimeMs()` is the timestamp of the record being pushed
 * (`--event-time auto`), and the source is a `PartitionClock`: each partition
 * keeps its largest event time; the job's watermark follows their minimum,
 * leaving out idle partitions (caught up with nothing new), as Flink's
 * per-split watermarks with idleness.
 *
 * New partitions of a subscribed topic are found by a metadata refresh every
 * few seconds and read from their start. A broker that is away is retried with
 * exponential back-off (100 ms to 5 s), said once on stderr; positions are
 * only ever moved by batches, so nothing committed is lost.
 */
import { Admin, Consumer, FetchIsolationLevels, ListOffsetTimestamps } from '@platformatic/kafka';
import { ConfigError, DStreamError } from '../core/errors.js';
import type { Millis } from '../core/types.js';
import type { PartitionClock } from '../windows/watermark.js';
import type { Replayable, Source, SourceSink } from './source.js';

/** Where a partition without a checkpointed or committed position starts. */
export type KafkaStart = 'earliest' | 'latest' | { timeMs: Millis };

/** Options of a `KafkaSource`. */
export interface KafkaSourceOptions {
  /** Bootstrap brokers, `host:port`. */
  brokers: string[];
  topics: string[];
  start: KafkaStart;
  /** Consumer group whose offsets are committed after each batch (and read at start without a checkpoint). */
  group?: string;
  /** Read up to the end offsets present at start, then end. */
  once: boolean;
  /** Push `{topic, partition, offset, timestamp, key, value, headers}` instead of the value text. */
  asRecord: boolean;
  /** Records per batch over all partitions (default: unbounded). */
  maxRecordsPerBatch?: number;
  /** One line on stderr (without the `dstream: ` prefix). */
  log: (message: string) => void;
  /**
   * With a checkpoint: this source's data in the newest snapshot and its offsets
   * in each logged batch after it (what recovery will replay), read in `prepare`.
   */
  checkpointed?: () => { snapshot: unknown; batches: unknown[] };
}

/** A batch's offsets: per `topic:partition`, the range `[from, to)`. Plain JSON. */
export type KafkaOffsets = Record<string, [number, number]>;

interface Fetched {
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: [Buffer | null, Buffer | null][];
}

interface PartitionState {
  topic: string;
  partition: number;
  key: string;
  /** Next offset to hand to a batch. */
  pos: number;
  /** Next offset to fetch. */
  next: number;
  /** Fetched records from `pos` on (`buffer[head]` is the first not yet in a batch). */
  buffer: Fetched[];
  head: number;
  /** Last stable offset seen in the last fetch (−1: not yet fetched). */
  stable: number;
  /** --once: stop here. */
  end: number;
  maxEventTimeMs: Millis;
}

/** Records kept in memory before fetching pauses. */
const BUFFER_RECORDS = 50_000;
const METADATA_REFRESH_MS = 2_000;
const BACKOFF_MIN_MS = 100;
const BACKOFF_MAX_MS = 5_000;
/** A Kafka call that has not settled within this many ms is taken as failed (a request to a broker that went away may never settle). */
const CALL_DEADLINE_MS = 15_000;

const IS_CONTROL = 0x20;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms)); // not unref'd: during a back-off it may be all that keeps the job alive
}

/** True when `e` or an error it aggregates is the Kafka protocol error `apiId` (e.g. OFFSET_OUT_OF_RANGE). */
function hasApiError(e: unknown, apiId: string): boolean {
  if ((e as { apiId?: unknown })?.apiId === apiId) return true;
  const errs = (e as { errors?: unknown[] })?.errors;
  return Array.isArray(errs) && errs.some((x) => hasApiError(x, apiId));
}

/** The broker does not know a topic (a metadata or produce request for it). */
export function isUnknownTopic(e: unknown): boolean {
  return hasApiError(e, 'UNKNOWN_TOPIC_OR_PARTITION') || /^Unknown topic/.test((e as Error)?.message ?? '')
    || ((e as { errors?: unknown[] })?.errors ?? []).some(isUnknownTopic);
}

function message(e: unknown): string {
  const errs = (e as { errors?: unknown[] })?.errors;
  const inner = Array.isArray(errs) && errs.length ? `: ${message(errs[0])}` : '';
  return `${e instanceof Error ? e.message : String(e)}${inner}`;
}

/** The direct Kafka stream (see module doc). */
export class KafkaSource implements Source, Replayable, PartitionClock {
  readonly name = 'kafka';
  private consumer: Consumer | null = null;
  private admin: Admin | null = null;
  private readonly parts = new Map<string, PartitionState>();
  private sink: SourceSink | null = null;
  private stopped = false;
  private prepared: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private down: string | null = null;
  private ended = false;
  private commits: Promise<void> = Promise.resolve();
  private current: PartitionState | null = null;
  private currentTimeMs: Millis = NaN;
  private lastMetadataMs = 0;
  private buffered = 0;

  constructor(private readonly o: KafkaSourceOptions) {}

  /** Connects, finds the partitions and their start positions, fetches what recovery will replay. */
  prepare(): Promise<void> {
    this.prepared ??= this.doPrepare();
    return this.prepared;
  }

  /** (Re)creates the clients; old ones are closed without waiting (they may wait on a broker that went away). */
  private renewClients(): void {
    void Promise.resolve(this.consumer?.close(true) as unknown as Promise<void>).catch(() => {});
    void this.admin?.close().catch(() => {});
    const base = { clientId: 'dstream', bootstrapBrokers: this.o.brokers, retries: 0, timeout: 10_000 };
    this.consumer = new Consumer({ ...base, groupId: this.o.group ?? 'dstream', isolationLevel: FetchIsolationLevels.READ_COMMITTED, maxWaitTime: 200 });
    this.admin = new Admin(base);
  }

  private async doPrepare(): Promise<void> {
    this.renewClients();
    await this.retry('connecting', () => this.discover(true));
    const ck = this.o.checkpointed?.();
    const positions = new Map<string, number>();
    const snap = ck?.snapshot as { positions?: Record<string, number>; eventTimes?: Record<string, number> } | undefined;
    for (const [k, v] of Object.entries(snap?.positions ?? {})) positions.set(k, v);
    const replayTo = new Map<string, number>();
    for (const b of ck?.batches ?? []) {
      for (const [k, [from, to]] of Object.entries((b ?? {}) as KafkaOffsets)) {
        if (!positions.has(k)) positions.set(k, from);
        replayTo.set(k, Math.max(replayTo.get(k) ?? 0, to));
      }
    }
    for (const [k, pos] of positions) this.partitionOf(k).pos = pos;
    for (const [k, ms] of Object.entries(snap?.eventTimes ?? {})) this.partitionOf(k).maxEventTimeMs = ms;
    await this.retry('reading start offsets', () => this.startPositions([...this.parts.values()].filter((p) => !positions.has(p.key))));
    for (const p of this.parts.values()) p.next = p.pos;
    if (this.o.once) await this.retry('reading end offsets', () => this.endOffsets());
    // Recovery replays the logged batches synchronously: their records must be here first.
    while ([...replayTo].some(([k, to]) => this.parts.get(k)!.next < to)) {
      await this.retry('re-reading logged batches', () => this.fetchOnce([...replayTo].filter(([k, to]) => this.parts.get(k)!.next < to).map(([k]) => this.parts.get(k)!)));
    }
  }

  /** Runs `step`, retrying with back-off while the broker is away; configuration errors pass through. */
  private async retry<T>(what: string, step: () => Promise<T>): Promise<T> {
    let delay = BACKOFF_MIN_MS;
    for (;;) {
      try {
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<never>((_, rej) => {
          timer = setTimeout(() => rej(new Error(`no answer within ${CALL_DEADLINE_MS / 1000} s`)), CALL_DEADLINE_MS);
        });
        const r = await Promise.race([step(), late]).finally(() => clearTimeout(timer));
        if (this.down !== null) {
          this.o.log(`kafka: reconnected to ${this.o.brokers.join(',')}`);
          this.down = null;
        }
        return r;
      } catch (e) {
        if (e instanceof DStreamError || this.stopped) throw e;
        if (hasApiError(e, 'OFFSET_OUT_OF_RANGE')) throw this.outOfRange();
        if (isUnknownTopic(e)) throw new ConfigError(`--topic ${this.o.topics.join(', ')}: no such topic on ${this.o.brokers.join(',')} (${message(e)})`);
        const text = message(e);
        if (this.down === null) this.o.log(`kafka: ${what}: ${text}; retrying with back-off (up to ${BACKOFF_MAX_MS / 1000} s)`);
        this.down = text;
        if (this.stopped) throw e;
        this.renewClients();
        await sleep(delay);
        delay = Math.min(delay * 2, BACKOFF_MAX_MS);
      }
    }
  }

  private partitionOf(key: string): PartitionState {
    let p = this.parts.get(key);
    if (!p) {
      const i = key.lastIndexOf(':');
      p = { topic: key.slice(0, i), partition: Number(key.slice(i + 1)), key, pos: -1, next: -1, buffer: [], head: 0, stable: -1, end: Infinity, maxEventTimeMs: -Infinity };
      this.parts.set(key, p);
    }
    return p;
  }

  /** Reads the topics' partitions; new ones (after the first time) start at their beginning. */
  private async discover(first: boolean): Promise<void> {
    const md = await this.consumer!.metadata({ topics: this.o.topics, forceUpdate: true });
    this.lastMetadataMs = Date.now();
    const fresh: PartitionState[] = [];
    for (const t of this.o.topics) {
      const tm = md.topics.get(t);
      if (!tm) throw new ConfigError(`--topic ${t}: no such topic on ${this.o.brokers.join(',')}`);
      for (let i = 0; i < tm.partitionsCount; i++) {
        const key = `${t}:${i}`;
        if (!this.parts.has(key)) fresh.push(this.partitionOf(key));
      }
    }
    if (!first && fresh.length) {
      if (this.o.once) {
        for (const p of fresh) this.parts.delete(p.key); // --once reads what was there at start
        return;
      }
      await this.listOffsets(fresh, ListOffsetTimestamps.EARLIEST, (p, o) => { p.pos = p.next = o; });
      this.o.log(`kafka: new partition${fresh.length > 1 ? 's' : ''} ${fresh.map((p) => p.key).join(', ')}: reading from the start`);
    }
  }

  private async listOffsets(parts: PartitionState[], timestamp: bigint, set: (p: PartitionState, offset: number) => void): Promise<void> {
    if (!parts.length) return;
    const topics = [...new Set(parts.map((p) => p.topic))];
    const partitions: Record<string, number[]> = {};
    for (const p of parts) (partitions[p.topic] ??= []).push(p.partition);
    const r = await this.consumer!.listOffsets({ topics, partitions, timestamp, isolationLevel: FetchIsolationLevels.READ_COMMITTED });
    for (const p of parts) {
      const o = r.get(p.topic)?.[p.partition];
      if (o !== undefined) set(p, Number(o));
    }
  }

  private async startPositions(parts: PartitionState[]): Promise<void> {
    let rest = parts;
    if (this.o.group && rest.length) {
      const [g] = await this.admin!.listConsumerGroupOffsets({ groups: [{ groupId: this.o.group, topics: this.o.topics.map((name) => ({ name, partitionIndexes: rest.filter((p) => p.topic === name).map((p) => p.partition) })) } as never] });
      for (const t of g?.topics ?? []) {
        for (const q of t.partitions) if (q.committedOffset >= 0n) { const p = this.parts.get(`${t.name}:${q.partitionIndex}`); if (p) p.pos = Number(q.committedOffset); }
      }
      rest = rest.filter((p) => p.pos < 0);
    }
    const s = this.o.start;
    if (s === 'earliest' || s === 'latest') {
      await this.listOffsets(rest, s === 'earliest' ? ListOffsetTimestamps.EARLIEST : ListOffsetTimestamps.LATEST, (p, o) => { p.pos = o; });
    } else {
      await this.listOffsets(rest, BigInt(s.timeMs), (p, o) => { p.pos = o; });
      // No record at or after that time: start at the end.
      await this.listOffsets(rest.filter((p) => p.pos < 0), ListOffsetTimestamps.LATEST, (p, o) => { p.pos = o; });
    }
  }

  private async endOffsets(): Promise<void> {
    await this.listOffsets([...this.parts.values()], ListOffsetTimestamps.LATEST, (p, o) => { p.end = o; });
  }

  /** One fetch of `parts` (grouped by leader) into their buffers. */
  private async fetchOnce(parts: PartitionState[]): Promise<void> {
    const md = await this.consumer!.metadata({ topics: this.o.topics });
    const byLeader = new Map<number, Map<string, PartitionState[]>>();
    for (const p of parts) {
      const tm = md.topics.get(p.topic);
      const leader = tm?.partitions[p.partition]?.leader;
      if (leader === undefined || leader < 0) continue;
      const topics = byLeader.get(leader) ?? new Map<string, PartitionState[]>();
      byLeader.set(leader, topics);
      topics.set(tm!.id, [...(topics.get(tm!.id) ?? []), p]);
    }
    await Promise.all([...byLeader].map(async ([node, topics]) => {
      const req = [...topics].map(([topicId, ps]) => ({
        topicId,
        partitions: ps.map((p) => ({ partition: p.partition, currentLeaderEpoch: -1, fetchOffset: BigInt(p.next), lastFetchedEpoch: -1, partitionMaxBytes: 1 << 20 })),
      }));
      const r = await this.consumer!.fetch({ node, topics: req, maxBytes: 8 << 20, maxWaitTime: 200, minBytes: 1 });
      for (const t of r.responses) {
        const ps = topics.get(t.topicId) ?? [];
        for (const tp of t.partitions) {
          const p = ps.find((x) => x.partition === tp.partitionIndex);
          if (!p) continue;
          if (tp.errorCode === 1) throw this.outOfRange(p);
          if (tp.errorCode !== 0) throw new Error(`fetch ${p.key}: error code ${tp.errorCode}`);
          if (this.stopped) return;
          this.store(p, tp.records ?? [], Number(tp.lastStableOffset));
        }
      }
    }));
  }

  private store(p: PartitionState, batches: NonNullable<Awaited<ReturnType<Consumer['fetch']>>['responses'][number]['partitions'][number]['records']>, stable: number): void {
    for (const b of batches) {
      const first = Number(b.firstOffset);
      const last = first + b.lastOffsetDelta;
      if (last < p.next) continue;
      if (!(b.attributes & IS_CONTROL)) {
        for (const r of b.records) {
          const offset = first + r.offsetDelta;
          if (offset < p.next || offset >= p.end) continue;
          p.buffer.push({ offset, timestamp: Number(b.firstTimestamp + r.timestampDelta), key: r.key, value: r.value, headers: r.headers });
          this.buffered++;
        }
      }
      p.next = Math.min(last + 1, p.end);
    }
    if (stable >= 0) p.stable = stable;
    // Past a transaction marker or an aborted range with nothing else to read: move on to the stable offset.
    if (p.buffer.length === p.head && stable > p.next && !batches.length) p.next = Math.min(stable, p.end);
  }

  /** A position that the broker no longer has: records were deleted (retention) before they were read. */
  private outOfRange(p?: PartitionState): DStreamError {
    const where = p ? `${p.key} offset ${p.next}` : 'a partition position';
    return new DStreamError('E_KAFKA_OFFSET', 'processing', `kafka: ${where} is no longer on the broker (deleted by retention?): the records between were lost, refusing to go on; read from another position with a new --checkpoint or --group and --kafka-start`);
  }

  start(sink: SourceSink): void {
    this.sink = sink;
    void this.prepare().then(() => this.loop(), (e) => { if (!this.stopped) sink.fail(e); });
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      if (this.o.once && [...this.parts.values()].every((p) => p.next >= p.end)) {
        this.maybeEnd();
        return;
      }
      if (this.buffered >= BUFFER_RECORDS) {
        await new Promise<void>((r) => { this.wake = r; });
        continue;
      }
      try {
        await this.retry('fetching', async () => {
          if (Date.now() - this.lastMetadataMs >= METADATA_REFRESH_MS) await this.discover(false);
          await this.fetchOnce([...this.parts.values()].filter((p) => p.next < p.end));
        });
      } catch (e) {
        if (!this.stopped) this.sink?.fail(e);
        return;
      }
    }
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  /** Resolves once the group commits are done and the connections are closed. */
  async close(): Promise<void> {
    this.stop();
    await this.commits;
    await Promise.allSettled([this.consumer?.close(true) as unknown as Promise<void>, this.admin?.close()]);
  }

  // --- batches -------------------------------------------------------------

  planBatch(): KafkaOffsets {
    const offsets: KafkaOffsets = {};
    const parts = [...this.parts.values()].filter((p) => p.pos >= 0).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const withData = parts.filter((p) => p.buffer.length > p.head).length;
    const share = this.o.maxRecordsPerBatch ? Math.max(1, Math.floor(this.o.maxRecordsPerBatch / Math.max(1, withData))) : Infinity;
    let budget = this.o.maxRecordsPerBatch ?? Infinity;
    for (const p of parts) {
      const avail = p.buffer.length - p.head;
      const take = Math.min(avail, share, budget);
      budget -= take;
      offsets[p.key] = [p.pos, take === avail ? Math.max(p.next, p.pos) : p.buffer[p.head + take]!.offset];
    }
    return offsets;
  }

  replayBatch(offsets: unknown): void {
    const sink = this.sink;
    for (const [key, [from, to]] of Object.entries((offsets ?? {}) as KafkaOffsets)) {
      const p = this.partitionOf(key);
      if (p.pos < 0) p.pos = p.next = from;
      if (to > p.next) {
        throw new DStreamError('E_KAFKA_REPLAY', 'processing', `kafka: cannot re-read ${key} offsets ${from}..${to}: only up to ${p.next} could be fetched (retention may have deleted them)`);
      }
      while (p.head < p.buffer.length && p.buffer[p.head]!.offset < from) { p.head++; this.buffered--; }
      while (p.head < p.buffer.length && p.buffer[p.head]!.offset < to) {
        const r = p.buffer[p.head++]!;
        this.buffered--;
        if (sink) this.push(sink, p, r);
      }
      p.pos = Math.max(p.pos, to);
      if (p.head > 4096 && p.head * 2 > p.buffer.length) {
        p.buffer = p.buffer.slice(p.head);
        p.head = 0;
      }
    }
    this.current = null;
    if (this.buffered < BUFFER_RECORDS / 2 && this.wake) {
      const w = this.wake;
      this.wake = null;
      w();
    }
    this.maybeEnd();
  }

  /** --once: everything up to the end offsets is fetched and fits in one more batch: that batch is the last. */
  private maybeEnd(): void {
    if (!this.o.once || this.ended || this.stopped) return;
    if (![...this.parts.values()].every((p) => p.next >= p.end)) return;
    if (this.buffered > (this.o.maxRecordsPerBatch ?? Infinity)) return;
    this.ended = true;
    setImmediate(() => this.sink?.end());
  }

  private push(sink: SourceSink, p: PartitionState, r: Fetched): void {
    this.current = p;
    this.currentTimeMs = r.timestamp;
    if (!this.o.asRecord) {
      sink.record(r.value === null ? '' : r.value.toString('utf8'));
      return;
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of r.headers) if (k !== null) headers[k.toString('utf8')] = v === null ? '' : v.toString('utf8');
    sink.record({
      topic: p.topic, partition: p.partition, offset: r.offset, timestamp: r.timestamp,
      key: r.key === null ? null : r.key.toString('utf8'), value: r.value === null ? null : r.value.toString('utf8'), headers,
    });
  }

  onBatch(): void {
    this.replayBatch(this.planBatch());
  }

  commit(): void {
    if (!this.o.group || !this.admin) return;
    const topics = this.o.topics.map((name) => ({
      name,
      partitionOffsets: [...this.parts.values()].filter((p) => p.topic === name && p.pos >= 0).map((p) => ({ partition: p.partition, offset: BigInt(p.pos) })),
    })).filter((t) => t.partitionOffsets.length);
    const group = this.o.group;
    this.commits = this.commits.then(() => this.admin!.alterConsumerGroupOffsets({ groupId: group, topics })).catch((e) => {
      this.o.log(`kafka: could not commit offsets to group ${group}: ${message(e)} (the next batch commits again)`);
    });
  }

  snapshot(): unknown {
    const positions: Record<string, number> = {};
    const eventTimes: Record<string, number> = {};
    for (const p of this.parts.values()) {
      if (p.pos >= 0) positions[p.key] = p.pos;
      if (Number.isFinite(p.maxEventTimeMs)) eventTimes[p.key] = p.maxEventTimeMs;
    }
    return { positions, eventTimes };
  }

  restore(data: unknown): void {
    const d = data as { positions?: Record<string, number>; eventTimes?: Record<string, number> };
    if (d === null || typeof d !== 'object') throw new Error('not a Kafka source position');
    for (const [k, ms] of Object.entries(d.eventTimes ?? {})) this.partitionOf(k).maxEventTimeMs = ms;
  }

  // --- event time ----------------------------------------------------------

  /** Timestamp (epoch ms) of the record being pushed; NaN outside a push. */
  recordTimeMs(): Millis {
    return this.current ? this.currentTimeMs : NaN;
  }

  observe(ms: Millis): void {
    const p = this.current;
    if (p && ms > p.maxEventTimeMs) p.maxEventTimeMs = ms;
  }

  maxEventTimeMs(): Millis {
    let min = Infinity;
    let max = -Infinity;
    for (const p of this.parts.values()) {
      if (p.maxEventTimeMs > max) max = p.maxEventTimeMs;
      const idle = p.head >= p.buffer.length && p.stable >= 0 && p.next >= p.stable;
      if (!idle && p.maxEventTimeMs < min) min = p.maxEventTimeMs;
    }
    return min === Infinity ? max : min; // every partition idle: the largest (Flink)
  }
}
