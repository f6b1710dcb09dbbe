/**
 * The broker side of the Kafka source: the clients, the partitions of the
 * subscribed topics with their positions and fetched records, and every call
 * to a broker, retried with exponential back-off (100 ms to 5 s, said once on
 * stderr) while the broker is away. A partition's records are fetched into
 * memory (read_committed: records of aborted transactions and control
 * batches never appear, see aborted.ts); which of them make a batch is the source's part.
 */
import { Admin, Consumer, FetchIsolationLevels, ListOffsetTimestamps } from '@platformatic/kafka';
import { ConfigError, DStreamError } from '../../core/errors.js';
import type { Millis } from '../../core/types.js';
import { hasApiError, isUnknownTopic, kafkaErrorText } from './errors.js';
import type { KafkaSourceOptions } from './options.js';
import { committedData, type AbortedTransaction } from './aborted.js';

/** One fetched record. Timestamp in epoch ms. */
export interface Fetched {
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: [Buffer | null, Buffer | null][];
}

/** One partition: positions (offsets) and the records fetched but not yet in a batch. */
export interface PartitionState {
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

const METADATA_REFRESH_MS = 2_000;
const BACKOFF_MIN_MS = 100;
const BACKOFF_MAX_MS = 5_000;
/** A Kafka call that has not settled within this many ms is taken as failed (a request to a broker that went away may never settle). */
const CALL_DEADLINE_MS = 15_000;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms)); // not unref'd: during a back-off it may be all that keeps the job alive
}

/** The partitions and the broker calls of a `KafkaSource` (see module doc). */
export class KafkaFetcher {
  readonly parts = new Map<string, PartitionState>();
  /** Records fetched and not yet in a batch, over all partitions. */
  buffered = 0;
  /** Set by the source's `stop()`: no more retries, no more records stored. */
  stopped = false;
  private consumer: Consumer | null = null;
  private adminClient: Admin | null = null;
  private down: string | null = null;
  private lastMetadataMs = 0;

  constructor(private readonly o: KafkaSourceOptions) {}

  /** The admin client (group commits); null before the first connect. */
  get admin(): Admin | null {
    return this.adminClient;
  }

  /** (Re)creates the clients; old ones are closed without waiting (they may wait on a broker that went away). */
  renewClients(): void {
    void Promise.resolve(this.consumer?.close(true) as unknown as Promise<void>).catch(() => {});
    void this.adminClient?.close().catch(() => {});
    const base = { clientId: 'dstream', bootstrapBrokers: this.o.brokers, retries: 0, timeout: 10_000 };
    this.consumer = new Consumer({ ...base, groupId: this.o.group ?? 'dstream', isolationLevel: FetchIsolationLevels.READ_COMMITTED, maxWaitTime: 200 });
    this.adminClient = new Admin(base);
  }

  /** Closes the connections. */
  async close(): Promise<void> {
    await Promise.allSettled([this.consumer?.close(true) as unknown as Promise<void>, this.adminClient?.close()]);
  }

  /**
   * Runs `step`, retrying with back-off while the broker is away; configuration errors pass through.
   * @throws ConfigError for an unknown topic; DStreamError `E_KAFKA_OFFSET` for a position deleted by retention.
   */
  async retry<T>(what: string, step: () => Promise<T>): Promise<T> {
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
        if (isUnknownTopic(e)) throw new ConfigError(`--topic ${this.o.topics.join(', ')}: no such topic on ${this.o.brokers.join(',')} (${kafkaErrorText(e)})`);
        const text = kafkaErrorText(e);
        if (this.down === null) this.o.log(`kafka: ${what}: ${text}; retrying with back-off (up to ${BACKOFF_MAX_MS / 1000} s)`);
        this.down = text;
        if (this.stopped) throw e;
        this.renewClients();
        await sleep(delay);
        delay = Math.min(delay * 2, BACKOFF_MAX_MS);
      }
    }
  }

  /** The partition `topic:partition`, made (without a position) if new. */
  partitionOf(key: string): PartitionState {
    let p = this.parts.get(key);
    if (!p) {
      const i = key.lastIndexOf(':');
      p = { topic: key.slice(0, i), partition: Number(key.slice(i + 1)), key, pos: -1, next: -1, buffer: [], head: 0, stable: -1, end: Infinity, maxEventTimeMs: -Infinity };
      this.parts.set(key, p);
    }
    return p;
  }

  /** Reads the topics' partitions; new ones (after the first time) start at their beginning. */
  async discover(first: boolean): Promise<void> {
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

  /** One round of the background loop: a metadata refresh when due, then one fetch of every partition not at its end. */
  async fetchRound(): Promise<void> {
    if (Date.now() - this.lastMetadataMs >= METADATA_REFRESH_MS) await this.discover(false);
    await this.fetchOnce([...this.parts.values()].filter((p) => p.next < p.end));
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

  /** Start positions of `parts`: the group's committed offsets, else `--kafka-start`. */
  async startPositions(parts: PartitionState[]): Promise<void> {
    let rest = parts;
    if (this.o.group && rest.length) {
      const [g] = await this.adminClient!.listConsumerGroupOffsets({ groups: [{ groupId: this.o.group, topics: this.o.topics.map((name) => ({ name, partitionIndexes: rest.filter((p) => p.topic === name).map((p) => p.partition) })) } as never] });
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

  /** `--once`: every partition ends at its end offset now. */
  async endOffsets(): Promise<void> {
    await this.listOffsets([...this.parts.values()], ListOffsetTimestamps.LATEST, (p, o) => { p.end = o; });
  }

  /** One fetch of `parts` (grouped by leader) into their buffers. */
  async fetchOnce(parts: PartitionState[]): Promise<void> {
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
          this.store(p, tp.records ?? [], tp.abortedTransactions ?? [], Number(tp.lastStableOffset));
        }
      }
    }));
  }

  private store(p: PartitionState, batches: NonNullable<Awaited<ReturnType<Consumer['fetch']>>['responses'][number]['partitions'][number]['records']>, aborted: readonly AbortedTransaction[], stable: number): void {
    const isData = committedData(aborted);
    for (const b of batches) {
      const data = isData(b);
      const first = Number(b.firstOffset);
      const last = first + b.lastOffsetDelta;
      if (last < p.next) continue;
      if (data) {
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
}
