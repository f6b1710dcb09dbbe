/**
 * The Kafka side of a distributed job: its topics, reading partitions
 * `read_committed`, committed offsets and the job's record. The only file
 * besides the worker's transactions (tx.ts) that touches the client.
 *
 * Topics of job JOB on input topic TOPIC (created by the first worker):
 * - `dstream-JOB-meta` (1 partition, compacted): the job's record (pipeline
 *   fingerprint, partition counts, output, end offsets of a `--once` job);
 *   the first record written wins, so racing first workers agree;
 * - `dstream-JOB-repartition` (one partition per key partition): stage 1's
 *   partial aggregates, the internal repartition topic of Kafka Streams;
 * - `dstream-JOB-changelog` (one partition per key partition, compacted): the
 *   state of every unit (stage 2's open panes, stage 1's event-time
 *   progress), written in the same transaction as the offsets it goes with.
 *
 * Consumer groups: `JOB` (stage 1, on TOPIC) and `JOB.stage2` (stage 2, on the
 * repartition topic). Reads skip records of aborted transactions (the
 * fetch's aborted-transaction list, as Kafka's own consumer does).
 */
import { Admin, Consumer, FetchIsolationLevels } from '@platformatic/kafka';
import { DStreamError } from '../../core/errors.js';
import type { KafkaUrl } from './url.js';

/** One partition of a Fetch answer. */
type FetchResponsePartition = Awaited<ReturnType<Consumer['fetch']>>['responses'][number]['partitions'][number];

/** The job's record, fixed at creation. */
export interface KafkaJobMeta {
  version: 1;
  input: string;
  inputPartitions: number;
  keyPartitions: number;
  /** JSON of the pipeline (fingerprint and description). */
  pipeline: string;
  output: string;
  /** `--once`: per input partition, the end offset noted at creation (the job ends there); null: unbounded. */
  endOffsets: number[] | null;
}

/** One record read from a partition. */
export interface LogRecord {
  offset: number;
  timestampMs: number;
  key: string | null;
  value: string | null;
}

const IS_TRANSACTIONAL = 0x10;
const IS_CONTROL = 0x20;
/** A Kafka call that has not settled within this many ms is taken as failed. */
export const CALL_DEADLINE_MS = 15_000;

/** `p`, or a rejection after `ms` (a request to a broker that went away may never settle). */
export function deadline<T>(p: Promise<T>, what: string, ms = CALL_DEADLINE_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, rej) => {
    timer = setTimeout(() => rej(new Error(`${what}: no answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** True when `e` or an error it aggregates is the Kafka protocol error `apiId`. */
export function hasApiError(e: unknown, apiId: string): boolean {
  if ((e as { apiId?: unknown })?.apiId === apiId) return true;
  const errs = (e as { errors?: unknown[] })?.errors;
  return Array.isArray(errs) && errs.some((x) => hasApiError(x, apiId));
}

/** An error's message with its first cause (the client wraps protocol errors). */
export function errorText(e: unknown): string {
  const errs = (e as { errors?: unknown[] })?.errors;
  return `${e instanceof Error ? e.message : String(e)}${Array.isArray(errs) && errs.length ? `: ${errorText(errs[0])}` : ''}`;
}

/** Names of a job's internal topics and groups. */
export function jobNames(job: string): { meta: string; repartition: string; changelog: string; stage1: string; stage2: string } {
  return {
    meta: `dstream-${job}-meta`, repartition: `dstream-${job}-repartition`, changelog: `dstream-${job}-changelog`,
    stage1: job, stage2: `${job}.stage2`,
  };
}

/** Connection options of every client of a job. */
export function clientOptions(url: KafkaUrl, clientId = 'dstream'): { clientId: string; bootstrapBrokers: string[]; retries: number; retryDelay: number; timeout: number } {
  return { clientId, bootstrapBrokers: url.brokers, retries: 3, retryDelay: 250, timeout: 10_000 };
}

/** Topics, reads and offsets of one cluster (see module doc). */
export class KafkaLog {
  readonly admin: Admin;
  private readonly reader: Consumer;
  private ids = new Map<string, { id: string; leaders: number[] }>();

  constructor(readonly url: KafkaUrl) {
    this.admin = new Admin(clientOptions(url));
    this.reader = new Consumer({ ...clientOptions(url), groupId: 'dstream-reader', isolationLevel: FetchIsolationLevels.READ_COMMITTED });
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.admin.close(), this.reader.close(true)]);
  }

  /** Partition count of `topic`, or null when it does not exist. */
  async partitions(topic: string): Promise<number | null> {
    const all = await deadline(this.admin.listTopics(), 'listing topics');
    if (!all.includes(topic)) return null;
    const md = await deadline(this.reader.metadata({ topics: [topic], forceUpdate: true }), 'metadata');
    const t = md.topics.get(topic);
    if (!t) return null;
    this.ids.set(topic, { id: t.id, leaders: t.partitions.map((p) => p.leader) });
    return t.partitionsCount;
  }

  /** Creates `topic` unless it exists (another worker may create it at the same moment). */
  async ensureTopic(topic: string, partitions: number, compacted: boolean): Promise<void> {
    if ((await this.partitions(topic)) !== null) return;
    const configs = compacted ? [{ name: 'cleanup.policy', value: 'compact' }, { name: 'segment.ms', value: '60000' }, { name: 'min.cleanable.dirty.ratio', value: '0.1' }] : [];
    try {
      await deadline(this.admin.createTopics({ topics: [topic], partitions, replicas: -1, configs }), `creating topic ${topic}`);
    } catch (e) {
      if (!hasApiError(e, 'TOPIC_ALREADY_EXISTS')) throw e;
    }
    // Metadata reaches every broker a moment after creation.
    for (let i = 0; i < 50 && (await this.partitions(topic)) === null; i++) await new Promise((r) => setTimeout(r, 100));
  }

  /** Deletes the topics that exist among `topics`; returns their names. */
  async deleteTopics(topics: string[]): Promise<string[]> {
    const all = await deadline(this.admin.listTopics(), 'listing topics');
    const gone = topics.filter((t) => all.includes(t));
    if (gone.length) await deadline(this.admin.deleteTopics({ topics: gone }), 'deleting topics');
    for (const t of gone) this.ids.delete(t);
    return gone;
  }

  /** End offsets of every partition of `topic` (`read_committed`: the last stable offsets). */
  async endOffsets(topic: string): Promise<number[]> {
    const r = await deadline(this.reader.listOffsets({ topics: [topic], isolationLevel: FetchIsolationLevels.READ_COMMITTED }), 'listing offsets');
    return (r.get(topic) ?? []).map(Number);
  }

  /**
   * Offsets committed by `group` for `partitions` of `topic` (0 where none), waiting for
   * pending transactional commits to be decided (`requireStable`), as a new owner must.
   */
  async committed(group: string, topic: string, partitions: number[]): Promise<Map<number, number>> {
    for (let attempt = 0; ; attempt++) {
      try {
        const [g] = await deadline(this.admin.listConsumerGroupOffsets({ groups: [{ groupId: group, topics: [{ name: topic, partitionIndexes: partitions }] } as never], requireStable: true }), 'reading committed offsets');
        const out = new Map<number, number>(partitions.map((p) => [p, 0]));
        for (const p of g?.topics.find((t) => t.name === topic)?.partitions ?? []) if (p.committedOffset >= 0n) out.set(p.partitionIndex, Number(p.committedOffset));
        return out;
      } catch (e) {
        if (attempt < 300 && hasApiError(e, 'UNSTABLE_OFFSET_COMMIT')) {
          await new Promise((r) => setTimeout(r, 200)); // a transaction holding these offsets is not decided yet
          continue;
        }
        throw e;
      }
    }
  }

  /**
   * Reads committed records of one partition from `from` up to `to` (exclusive), at most
   * `max` records, skipping aborted transactions and control markers.
   * @returns the records and the offset to read from next.
   * @throws DStreamError when `from` is no longer on the broker (retention).
   */
  async read(topic: string, partition: number, from: number, to: number, max = Infinity): Promise<{ records: LogRecord[]; next: number }> {
    const want = { partition, next: from, to, max, records: [] as LogRecord[] };
    while (want.next < to && want.records.length < max) {
      const t = await this.topicIds(topic);
      const r = await deadline(this.reader.fetch({
        node: t.leaders[partition]!, isolationLevel: FetchIsolationLevels.READ_COMMITTED, maxWaitTime: 0, minBytes: 1, maxBytes: 8 << 20, // no long poll: the worker waits itself when nothing moved
        topics: [{ topicId: t.id, partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: BigInt(want.next), lastFetchedEpoch: -1, partitionMaxBytes: 4 << 20 }] }],
      }), 'fetching');
      const tp = r.responses[0]?.partitions[0];
      if (!tp) throw new Error(`fetch ${topic}-${partition}: empty answer`);
      const moved = this.take(topic, tp, want);
      if (!moved) {
        const stable = Number(tp.lastStableOffset);
        if (stable > want.next) want.next = Math.min(stable, to); // past markers or an aborted range
        else break; // nothing more is stable yet
      }
    }
    return { records: want.records, next: want.next };
  }

  /**
   * `read` of several partitions of `topic` at once: one Fetch request per leader for all of them, so
   * one round trip serves every partition (a partition with more stable records than its part of the
   * answer held is read on alone). `wants`: partition, from, to (exclusive), max records.
   * @returns per entry of `wants`, in order, its records and the offset to read from next.
   */
  async readMany(topic: string, wants: { partition: number; from: number; to: number; max: number }[]): Promise<{ records: LogRecord[]; next: number }[]> {
    const st = wants.map((w) => ({ partition: w.partition, next: w.from, to: w.to, max: w.max, records: [] as LogRecord[] }));
    const open = st.filter((w) => w.next < w.to && w.max > 0);
    if (open.length > 0) {
      const t = await this.topicIds(topic);
      const byLeader = new Map<number, typeof open>();
      for (const w of open) {
        const node = t.leaders[w.partition]!;
        byLeader.set(node, [...(byLeader.get(node) ?? []), w]);
      }
      const rest: typeof open = [];
      await Promise.all([...byLeader].map(async ([node, ws]) => {
        const r = await deadline(this.reader.fetch({
          node, isolationLevel: FetchIsolationLevels.READ_COMMITTED, maxWaitTime: 0, minBytes: 1, maxBytes: 32 << 20,
          topics: [{ topicId: t.id, partitions: ws.map((w) => ({ partition: w.partition, currentLeaderEpoch: -1, fetchOffset: BigInt(w.next), lastFetchedEpoch: -1, partitionMaxBytes: 4 << 20 })) }],
        }), 'fetching');
        for (const w of ws) {
          const tp = r.responses[0]?.partitions.find((x) => x.partitionIndex === w.partition);
          if (!tp) {
            rest.push(w);
            continue;
          }
          this.take(topic, tp, w);
          // More is stable than the answer held (cut by size, or only markers): read on alone.
          if (w.next < Math.min(w.to, Number(tp.lastStableOffset)) && w.records.length < w.max) rest.push(w);
        }
      }));
      for (const w of rest) {
        const more = await this.read(topic, w.partition, w.next, w.to, w.max - w.records.length);
        w.records.push(...more.records);
        w.next = more.next;
      }
    }
    return st.map((w) => ({ records: w.records, next: w.next }));
  }

  /** Topic id and partition leaders of `topic` (metadata, cached until a fetch fails). */
  private async topicIds(topic: string): Promise<{ id: string; leaders: number[] }> {
    if (!this.ids.has(topic)) await this.partitions(topic);
    const t = this.ids.get(topic);
    if (!t) throw new Error(`no topic ${topic}`);
    return t;
  }

  /**
   * Takes the records of one partition's fetch answer into `w` (from `w.next`, up to `w.to` exclusive and
   * `w.max` records), skipping aborted transactions and control batches; advances `w.next`.
   * @returns true when the answer had a batch at or after `w.next`.
   * @throws DStreamError when `w.next` is no longer on the broker (retention); Error for other error codes.
   */
  private take(topic: string, tp: FetchResponsePartition, w: { partition: number; next: number; to: number; max: number; records: LogRecord[] }): boolean {
    if (tp.errorCode === 1) throw new DStreamError('E_KAFKA_OFFSET', 'processing', `kafka: ${topic}-${w.partition} offset ${w.next} is no longer on the broker (deleted by retention?): refusing to go on`);
    if (tp.errorCode !== 0) {
      this.ids.delete(topic); // leader moved (broker restart): metadata again
      throw new Error(`fetch ${topic}-${w.partition}: error code ${tp.errorCode}`);
    }
    const { records, to, max } = w;
    const aborted = [...tp.abortedTransactions].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : 1));
    const abortedNow = new Set<bigint>();
    let moved = false;
    for (const b of tp.records ?? []) {
      const first = Number(b.firstOffset);
      const last = first + b.lastOffsetDelta;
      while (aborted.length && aborted[0]!.firstOffset <= BigInt(last)) abortedNow.add(aborted.shift()!.producerId);
      if (last < w.next) continue;
      if (b.attributes & IS_CONTROL) {
        abortedNow.delete(b.producerId); // the end of that producer's transaction
      } else if (!((b.attributes & IS_TRANSACTIONAL) && abortedNow.has(b.producerId))) {
        for (const rec of b.records) {
          const offset = first + rec.offsetDelta;
          if (offset < w.next || offset >= to) continue;
          records.push({ offset, timestampMs: Number(b.firstTimestamp + rec.timestampDelta), key: rec.key?.toString() ?? null, value: rec.value?.toString() ?? null });
        }
      }
      w.next = Math.min(last + 1, to);
      moved = true;
      if (records.length >= max) break;
    }
    return moved;
  }

  /**
   * The last value of each key in one partition, read from its start to its end (a compacted topic's
   * table). With `cache` (from an earlier call), only the records after it are read, and it is updated.
   */
  async table(topic: string, partition: number, cache?: { next: number; table: Map<string, string> }): Promise<Map<string, string>> {
    const end = (await this.endOffsets(topic))[partition] ?? 0;
    const out = cache?.table ?? new Map<string, string>();
    let from = cache ? cache.next : (await this.startOffsets(topic))[partition] ?? 0;
    while (from < end) {
      const r = await this.read(topic, partition, from, end, 10_000);
      for (const rec of r.records) if (rec.key !== null) rec.value === null ? out.delete(rec.key) : out.set(rec.key, rec.value);
      if (r.next === from) {
        await new Promise((res) => setTimeout(res, 50));
        continue;
      }
      from = r.next;
    }
    if (cache) cache.next = from;
    return out;
  }

  /** Earliest offset still on the broker of each partition of `topic` (0 for a fresh topic). */
  async startOffsets(topic: string): Promise<number[]> {
    const r = await deadline(this.reader.listOffsets({ topics: [topic], timestamp: -2n }), 'listing offsets');
    return (r.get(topic) ?? []).map(Number);
  }
}
