/**
 * Kafka as a `LogBackend` (log-backend.ts): what `dstream publish`, `dstream
 * cat [--follow]`, `dstream job status` and `dstream job reset` need of a
 * `kafka://` topic, and its worker (`runWorker`: run.ts), which runs the shared
 * loop (../loop.ts) and commit round (../commit-round.ts) over its own units
 * (worker.ts: consumer groups and transactions).
 *
 * - Input: one record per line (as `--kafka` and the workers read them);
 *   `append` produces an entry's lines to one partition with an idempotent
 *   producer. Kafka has no end-of-input marker: a job created with `--once`
 *   ends at the end offsets noted when it was created. Retention is the
 *   topic's own (`retention.ms`), so `trimInput` removes nothing.
 * - Output of a stateless job: each stage-1 transaction writes its rows as
 *   `dstream-lines` records (kafka/stateless-unit.ts), read as entries of
 *   their input partition, whose `closedMs` is the partition's lines final.
 * - Output: each stage-2 transaction writes its rows (`[startMs, endMs,
 *   record, batchTimeMs]`, no key) and then a progress record (key
 *   `dstream-progress`, `{q, n, c}`: key partition q of n has closed every
 *   window ending at or before c; null: +∞) to partition q mod the output's
 *   partitions. A progress record is after the rows it covers in the same
 *   partition, so a reader that has seen it has seen them (`readOutput`).
 */
import { Producer } from '@platformatic/kafka';
import { DStreamError } from '../../core/errors.js';
import type { InputEntry } from '../backend.js';
import type { JobStatus } from '../admin.js';
import type { WorkerSettings } from '../job-context.js';
import { ORIGIN, type BackendOptions, type JobAdmin, type LogBackend, type OutputEntry, type OutputInfo } from '../log-backend.js';
import type { LogUrl } from '../log-url.js';
import { deleteKafkaTopic, kafkaJobStatus, resetKafkaJob } from './admin.js';
import { readJob } from './job.js';
import { clientOptions, deadline, errorText, KafkaLog } from './log.js';
import { LINES_KEY } from './stateless-unit.js';
import { PROGRESS_KEY } from './units.js';
import { toKafkaUrl } from './url.js';

/** Records read per fetch loop of `readOutput` at most. */
const READ_RECORDS = 50_000;

/** One connection to one topic of a Kafka cluster. */
export class KafkaBackend implements LogBackend {
  readonly topic: string;
  readonly log: KafkaLog;
  private producer: Producer | null = null;
  private pending = new Set<Promise<unknown>>();
  /** The last produce request of each partition (see `append`). */
  private lastSend = new Map<number, Promise<unknown>>();
  private interrupted = false;
  private wakeWait: (() => void) | null = null;

  constructor(readonly url: LogUrl, _o: BackendOptions) {
    this.topic = url.name;
    this.log = new KafkaLog(toKafkaUrl(url));
  }

  /** @throws DStreamError (exit 1) when no broker answers. */
  async connect(): Promise<void> {
    await deadline(this.log.admin.listTopics(), 'connecting');
  }

  async close(): Promise<void> {
    const p = this.producer;
    this.producer = null;
    await Promise.allSettled([this.log.close(), p?.close()]);
  }

  interrupt(): void {
    this.interrupted = true;
    this.wakeWait?.();
  }

  classifyError(e: unknown): unknown {
    if (e instanceof DStreamError) return e;
    return new DStreamError('E_LOG', 'receiving', `kafka ${(this.url.brokers ?? []).join(',')}: ${errorText(e)}`);
  }

  // ---- topics and partitions ----

  partitions(): Promise<number | null> {
    return this.log.partitions(this.topic);
  }

  async createTopic(n: number): Promise<number> {
    await this.log.ensureTopic(this.topic, n, false);
    return (await this.partitions()) ?? n;
  }

  /** Kafka: nothing to mark; a job reads a topic as bounded when created with `--once`. */
  async markBounded(): Promise<void> {}

  async isBounded(): Promise<boolean> {
    return false;
  }

  /** Produces the entry's lines, one record each, to partition `p` (idempotent producer, acks from every replica). */
  append(p: number, lines: string): Promise<unknown> {
    const producer = (this.producer ??= new Producer({ ...clientOptions(this.log.url, 'dstream-publish'), idempotent: true, acks: -1 }));
    const topic = this.topic;
    const messages = lines.split('\n').map((l) => ({ topic, partition: p, value: Buffer.from(l) }));
    // One produce request in flight per partition: the idempotent producer's sequence numbers stay in order.
    const before = this.lastSend.get(p) ?? Promise.resolve();
    const sent = before.catch(() => undefined).then(() => deadline(producer.send({ messages }), 'producing'));
    this.lastSend.set(p, sent);
    this.pending.add(sent);
    void sent.catch(() => undefined).finally(() => this.pending.delete(sent));
    return sent;
  }

  /** Kafka has no end-of-input marker (see module doc): nothing is written. */
  async appendEof(): Promise<unknown> {
    return undefined;
  }

  async flush(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  async endedPartitions(): Promise<number[]> {
    return [];
  }

  async readInput(p: number, after: string, count: number): Promise<InputEntry[]> {
    const from = after === ORIGIN ? 0 : Number(after) + 1;
    const { records } = await this.log.read(this.topic, p, from, Infinity, count);
    return records.map((r) => ({ id: String(r.offset), lines: r.value ?? '', eof: false }));
  }

  async readInputRange(p: number, from: string, to: string): Promise<InputEntry[]> {
    const { records } = await this.log.read(this.topic, p, Number(from), Number(to) + 1);
    return records.map((r) => ({ id: String(r.offset), lines: r.value ?? '', eof: false }));
  }

  async inputAdded(p: number): Promise<number> {
    return (await this.log.endOffsets(this.topic))[p] ?? 0;
  }

  /** Kafka's own retention (`retention.ms`) deletes input: nothing to trim here. */
  async trimInput(): Promise<number> {
    return 0;
  }

  async keepInput(): Promise<void> {}

  /**
   * Deletes the topic and every job on it (internal topics, output topics, groups).
   * @returns the topics and groups deleted.
   * @throws DStreamError (exit 75) while a job on it has live workers.
   */
  async deleteTopic(): Promise<number> {
    return (await deleteKafkaTopic(this.log, this.topic)).length;
  }

  // ---- outputs ----

  /** The job whose record names output `name` (the `dstream-JOB-meta` topics of the cluster). */
  async outputInfo(name: string): Promise<OutputInfo | null> {
    const topics = await deadline(this.log.admin.listTopics(), 'listing topics');
    for (const t of topics) {
      const m = /^dstream-(.+)-meta$/.exec(t);
      if (!m) continue;
      const meta = await readJob(this.log, m[1]!);
      if (meta?.output === name) return { inputPartitions: meta.inputPartitions, keyPartitions: meta.keyPartitions, pipeline: meta.pipeline, bounded: meta.endOffsets !== null };
    }
    return null;
  }

  /**
   * Every committed record of output topic `name` after cursor `after` (ORIGIN, or the `offset` of an
   * entry returned before: the next offset of each partition, JSON), read up to the partitions' ends
   * (`count` is not a bound: the reader takes all entries of a call before it prints). Rows come as
   * entries of key partition −1; each progress record as an entry of its key partition. Every entry
   * carries the cursor after the whole call.
   */
  async readOutput(name: string, after: string, _count: number): Promise<OutputEntry[]> {
    const n = await this.log.partitions(name);
    if (n === null) return [];
    const cursor: number[] = after === ORIGIN ? await this.log.startOffsets(name) : (JSON.parse(after) as number[]);
    while (cursor.length < n) cursor.push(0);
    const ends = await this.log.endOffsets(name);
    const entries: Omit<OutputEntry, 'offset'>[] = [];
    let rows: string[] = [];
    const flushRows = () => {
      if (rows.length) entries.push({ keyPartition: -1, closedMs: -Infinity, rows: rows.join('\n') });
      rows = [];
    };
    for (let p = 0; p < n; p++) {
      while (cursor[p]! < (ends[p] ?? 0)) {
        const r = await this.log.read(name, p, cursor[p]!, ends[p]!, READ_RECORDS);
        for (const rec of r.records) {
          if (rec.value === null) continue;
          if (rec.key === PROGRESS_KEY) {
            flushRows();
            const { q, c } = JSON.parse(rec.value) as { q: number; c: number | null };
            entries.push({ keyPartition: q, closedMs: c === null ? Infinity : c, rows: '' });
          } else if (rec.key === LINES_KEY) {
            const { p: ip, c, r: packed } = JSON.parse(rec.value) as { p: number; c: number | null; r: string };
            entries.push({ keyPartition: ip, closedMs: c === null ? Infinity : c, rows: packed });
          } else if (rec.key === null) rows.push(rec.value);
        }
        if (r.next === cursor[p]) break;
        cursor[p] = r.next;
      }
      flushRows();
    }
    const offset = JSON.stringify(cursor);
    return entries.map((e) => ({ ...e, offset }));
  }

  /** Polls the output's end offsets (every 200 ms) until they move past `after`, `timeoutMs` passes, or `interrupt()`. */
  async waitOutput(name: string, after: string, timeoutMs: number): Promise<void> {
    const since = after === ORIGIN ? null : (JSON.parse(after) as number[]);
    const until = Date.now() + timeoutMs;
    while (!this.interrupted && Date.now() < until) {
      const ends = await this.log.endOffsets(name).catch(() => [] as number[]);
      if (ends.some((e, p) => e > (since?.[p] ?? 0))) return;
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(200, Math.max(0, until - Date.now())));
        this.wakeWait = () => {
          clearTimeout(t);
          r();
        };
      });
      this.wakeWait = null;
    }
  }

  job(group: string): JobAdmin {
    const log = this.log;
    return {
      group,
      status: (): Promise<JobStatus> => kafkaJobStatus(log, group),
      reset: async (): Promise<string | null> => {
        const gone = await resetKafkaJob(log, group);
        return gone.length === 0 ? null : `${gone.join(', ')}; the input topic is kept`;
      },
    };
  }

  /** A worker of job `s.from.group` (run.ts: consumer groups and transactions), over this backend's log. */
  async runWorker(s: WorkerSettings): Promise<void> {
    const { runKafkaWorker } = await import('./run.js');
    return runKafkaWorker(this.log, s);
  }
}
