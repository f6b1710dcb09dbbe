/**
 * The Kafka side of a distributed job: its topics, committed offsets, the
 * job's record, and reading partitions `read_committed` (fetch.ts). The
 * clients' options and errors are in client.ts; the transactions in member.ts.
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
import { clientOptions, deadline, hasApiError } from './client.js';
import { LogReader, type ReadResult, type ReadWant } from './fetch.js';
import { ClientTransport } from './wire.js';
import type { KafkaUrl } from './url.js';

// The client's options and errors (client.ts) and records (fetch.ts), where the job's files import them from.
export { CALL_DEADLINE_MS, clientOptions, deadline, errorText, hasApiError } from './client.js';
export type { LogRecord } from './wire.js';

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

/** Names of a job's internal topics and groups. */
export function jobNames(job: string): { meta: string; repartition: string; changelog: string; stage1: string; stage2: string } {
  return {
    meta: `dstream-${job}-meta`, repartition: `dstream-${job}-repartition`, changelog: `dstream-${job}-changelog`,
    stage1: job, stage2: `${job}.stage2`,
  };
}

/** Topics, reads and offsets of one cluster (see module doc). */
export class KafkaLog {
  readonly admin: Admin;
  private readonly reader: Consumer;
  private readonly fetcher: LogReader;

  constructor(readonly url: KafkaUrl) {
    this.admin = new Admin(clientOptions(url));
    this.reader = new Consumer({ ...clientOptions(url), groupId: 'dstream-reader', isolationLevel: FetchIsolationLevels.READ_COMMITTED });
    this.fetcher = new LogReader(new ClientTransport(this.reader));
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.admin.close(), this.reader.close(true)]);
  }

  /** Partition count of `topic`, or null when it does not exist. */
  async partitions(topic: string): Promise<number | null> {
    const all = await deadline(this.admin.listTopics(), 'listing topics');
    if (!all.includes(topic)) return null;
    return this.fetcher.describe(topic);
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

  /** Deletes the topics that exist among `topics`, and waits (up to 10 s) until the broker no longer lists them; returns their names. */
  async deleteTopics(topics: string[]): Promise<string[]> {
    const all = await deadline(this.admin.listTopics(), 'listing topics');
    const gone = topics.filter((t) => all.includes(t));
    if (gone.length) await deadline(this.admin.deleteTopics({ topics: gone }), 'deleting topics');
    for (const t of gone) this.fetcher.forget(t);
    // Deletion reaches the metadata a moment later: `topic delete` and `job reset` return once it has.
    for (let i = 0; i < 100 && gone.length; i++) {
      const left = await deadline(this.admin.listTopics(), 'listing topics');
      if (!gone.some((t) => left.includes(t))) break;
      await new Promise((r) => setTimeout(r, 100));
    }
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
   * Reads committed records of one partition from `from` up to `to` (exclusive), at most `max`
   * (fetch.ts: aborted transactions and markers skipped, read-ahead kept).
   * @returns the records and the offset to read from next.
   * @throws DStreamError when `from` is no longer on the broker (retention).
   */
  read(topic: string, partition: number, from: number, to: number, max = Infinity): Promise<ReadResult> {
    return this.fetcher.read(topic, partition, from, to, max);
  }

  /**
   * `read` of several partitions of `topic` at once: one Fetch request per leader and round; with
   * `waitMs`, the first round waits that long for stable records when there are none (long poll).
   * @returns per entry of `wants`, in order, its records and the offset to read from next.
   */
  readMany(topic: string, wants: ReadWant[], waitMs = 0): Promise<ReadResult[]> {
    return this.fetcher.readMany(topic, wants, waitMs);
  }

  /** Fetch requests sent so far by `read`, `readMany` and `table`. */
  get fetches(): number {
    return this.fetcher.fetches;
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
