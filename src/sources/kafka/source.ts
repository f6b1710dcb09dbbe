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
 * exponential back-off (`fetcher.ts`, the broker side); positions are only
 * ever moved by batches, so nothing committed is lost. Options and the shape
 * of the offsets: `options.ts`.
 */
import { DStreamError } from '../../core/errors.js';
import type { Millis } from '../../core/types.js';
import type { PartitionClock } from '../../windows/watermark.js';
import type { Replayable, Source, SourceSink } from '../source.js';
import { kafkaErrorText } from './errors.js';
import { KafkaFetcher, type Fetched, type PartitionState } from './fetcher.js';
import type { KafkaOffsets, KafkaSourceOptions } from './options.js';

export type { KafkaOffsets, KafkaSourceOptions, KafkaStart } from './options.js';

/** Records kept in memory before fetching pauses. */
const BUFFER_RECORDS = 50_000;

/** The direct Kafka stream (see module doc). */
export class KafkaSource implements Source, Replayable, PartitionClock {
  readonly name = 'kafka';
  private readonly fetcher: KafkaFetcher;
  private sink: SourceSink | null = null;
  private stopped = false;
  private prepared: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private ended = false;
  private commits: Promise<void> = Promise.resolve();
  private current: PartitionState | null = null;
  private currentTimeMs: Millis = NaN;

  constructor(private readonly o: KafkaSourceOptions) {
    this.fetcher = new KafkaFetcher(o);
  }

  private get parts(): Map<string, PartitionState> {
    return this.fetcher.parts;
  }

  /** Connects, finds the partitions and their start positions, fetches what recovery will replay. */
  prepare(): Promise<void> {
    this.prepared ??= this.doPrepare();
    return this.prepared;
  }

  private async doPrepare(): Promise<void> {
    const f = this.fetcher;
    f.renewClients();
    await f.retry('connecting', () => f.discover(true));
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
    for (const [k, pos] of positions) f.partitionOf(k).pos = pos;
    for (const [k, ms] of Object.entries(snap?.eventTimes ?? {})) f.partitionOf(k).maxEventTimeMs = ms;
    await f.retry('reading start offsets', () => f.startPositions([...this.parts.values()].filter((p) => !positions.has(p.key))));
    for (const p of this.parts.values()) p.next = p.pos;
    if (this.o.once) await f.retry('reading end offsets', () => f.endOffsets());
    // Recovery replays the logged batches synchronously: their records must be here first.
    while ([...replayTo].some(([k, to]) => this.parts.get(k)!.next < to)) {
      await f.retry('re-reading logged batches', () => f.fetchOnce([...replayTo].filter(([k, to]) => this.parts.get(k)!.next < to).map(([k]) => this.parts.get(k)!)));
    }
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
      if (this.fetcher.buffered >= BUFFER_RECORDS) {
        await new Promise<void>((r) => { this.wake = r; });
        continue;
      }
      try {
        await this.fetcher.retry('fetching', () => this.fetcher.fetchRound());
      } catch (e) {
        if (!this.stopped) this.sink?.fail(e);
        return;
      }
    }
  }

  stop(): void {
    this.stopped = true;
    this.fetcher.stopped = true;
    this.wake?.();
  }

  /** Resolves once the group commits are done and the connections are closed. */
  async close(): Promise<void> {
    this.stop();
    await this.commits;
    await this.fetcher.close();
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
      const p = this.fetcher.partitionOf(key);
      if (p.pos < 0) p.pos = p.next = from;
      if (to > p.next) {
        throw new DStreamError('E_KAFKA_REPLAY', 'processing', `kafka: cannot re-read ${key} offsets ${from}..${to}: only up to ${p.next} could be fetched (retention may have deleted them)`);
      }
      while (p.head < p.buffer.length && p.buffer[p.head]!.offset < from) { p.head++; this.fetcher.buffered--; }
      while (p.head < p.buffer.length && p.buffer[p.head]!.offset < to) {
        const r = p.buffer[p.head++]!;
        this.fetcher.buffered--;
        if (sink) this.push(sink, p, r);
      }
      p.pos = Math.max(p.pos, to);
      if (p.head > 4096 && p.head * 2 > p.buffer.length) {
        p.buffer = p.buffer.slice(p.head);
        p.head = 0;
      }
    }
    this.current = null;
    if (this.fetcher.buffered < BUFFER_RECORDS / 2 && this.wake) {
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
    if (this.fetcher.buffered > (this.o.maxRecordsPerBatch ?? Infinity)) return;
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
    if (!this.o.group || !this.fetcher.admin) return;
    const topics = this.o.topics.map((name) => ({
      name,
      partitionOffsets: [...this.parts.values()].filter((p) => p.topic === name && p.pos >= 0).map((p) => ({ partition: p.partition, offset: BigInt(p.pos) })),
    })).filter((t) => t.partitionOffsets.length);
    const group = this.o.group;
    this.commits = this.commits.then(() => this.fetcher.admin!.alterConsumerGroupOffsets({ groupId: group, topics })).catch((e) => {
      this.o.log(`kafka: could not commit offsets to group ${group}: ${kafkaErrorText(e)} (the next batch commits again)`);
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
    for (const [k, ms] of Object.entries(d.eventTimes ?? {})) this.fetcher.partitionOf(k).maxEventTimeMs = ms;
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
      // Idle: nothing buffered, and caught up with the last stable offset, or at the end offset a
      // `--once` run noted at its start (such a partition is never fetched, so has no stable offset).
      const idle = p.head >= p.buffer.length && ((p.stable >= 0 && p.next >= p.stable) || p.next >= p.end);
      if (!idle && p.maxEventTimeMs < min) min = p.maxEventTimeMs;
    }
    return min === Infinity ? max : min; // every partition idle: the largest (Flink)
  }
}
