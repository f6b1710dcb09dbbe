/**
 * Reading partitions of a topic `read_committed` with Fetch requests of our
 * own (the client's consume loop is not used): one request per leader for
 * all partitions read together, records of aborted transactions and control
 * markers skipped (the answer's aborted-transaction list, as Kafka's own
 * consumer does).
 *
 * Read-ahead: a fetch answer holds whole record batches, often more records
 * than the read asked for. Those are kept per partition and served to the
 * next read that starts where this one ended, so no record is fetched and
 * decoded twice. The records at an offset never change, so the kept ones are
 * only a cache: a read that starts anywhere else drops them.
 */
import { DStreamError } from '../../core/errors.js';
import { deadline } from './client.js';
import { batchRecords, readBatches, type FetchedPartition, type FetchTransport, type LogRecord } from './wire.js';

/** What one read of a partition asks for: records from `from` up to `to` (exclusive offsets), `max` at most. */
export interface ReadWant {
  partition: number;
  from: number;
  to: number;
  max: number;
}

/** What one read got: the records, and the offset to read from next. */
export interface ReadResult {
  records: LogRecord[];
  next: number;
}

/** A read in progress. */
interface Want {
  partition: number;
  next: number;
  to: number;
  max: number;
  records: LogRecord[];
}

/** Records of one partition decoded but not yet served: `records[at…]`, every record from offset `from` up to `next` (exclusive). */
interface Ahead {
  from: number;
  next: number;
  records: LogRecord[];
  at: number;
}

const IS_TRANSACTIONAL = 0x10;
const IS_CONTROL = 0x20;
/**
 * Sizing a partition's part of an answer (`partitionMaxBytes`) for a read of N records: N times the
 * bytes per record of the topic's answers so far (the first answer assumes 256: the bundled access log's
 * lines are about 240), plus an eighth, within the bounds below. A part cut short is read on in
 * another round; records beyond N are kept (read-ahead).
 */
const FIRST_BYTES_PER_RECORD = 256;
const MIN_PARTITION_BYTES = 64 << 10;
const MAX_PARTITION_BYTES = 16 << 20;
/** A whole answer at most (the broker's own `fetch.max.bytes` is 55 MiB by default). */
const MAX_FETCH_BYTES = 48 << 20;
/** Fetch rounds of one read at most (a round is one request per leader); a read cut short returns fewer records. */
const MAX_ROUNDS = 8;

/** Fetches of one client (see module doc). */
export class LogReader {
  /** Topic id and partition leaders per topic name (metadata, kept until a fetch fails). */
  private topics = new Map<string, { id: string; leaders: number[] }>();

  /** Bytes per record of each topic's answers so far (record batches' bytes ÷ their records). */
  private recordBytes = new Map<string, number>();
  /** Read-ahead per `topicId:partition`. */
  private ahead = new Map<string, Ahead>();

  constructor(private readonly transport: FetchTransport) {}

  /** Partition count of `topic` from fresh metadata (kept for the fetches), or null when the broker has none. */
  async describe(topic: string): Promise<number | null> {
    const t = await deadline(this.transport.metadata(topic), 'metadata');
    if (!t) return null;
    this.topics.set(topic, t);
    return t.leaders.length;
  }

  /** Forgets the metadata of `topic` (deleted, or its leaders moved). */
  forget(topic: string): void {
    this.topics.delete(topic);
  }

  /**
   * Reads committed records of one partition from `from` up to `to` (exclusive), at most `max`.
   * @throws as `readMany`.
   */
  async read(topic: string, partition: number, from: number, to: number, max = Infinity): Promise<ReadResult> {
    return (await this.readMany(topic, [{ partition, from, to, max }]))[0]!;
  }

  /**
   * Reads several partitions of `topic` at once: per round, one Fetch request per leader for every
   * partition still short of its `max` with more stable records (rounds repeat while some part of an
   * answer was cut by size, `MAX_ROUNDS` at most). A read may return fewer than `max` records.
   * @returns per entry of `wants`, in order, its records (offsets ascending) and the offset to read from next.
   * @throws DStreamError when a `from` is no longer on the broker (retention); Error for other error codes
   *   and a broker that does not answer within `CALL_DEADLINE_MS`.
   */
  async readMany(topic: string, wants: ReadWant[]): Promise<ReadResult[]> {
    const all: Want[] = wants.map((w) => ({ partition: w.partition, next: w.from, to: w.to, max: w.max, records: [] }));
    let open = all.filter((w) => w.next < w.to && w.max > 0);
    if (open.length > 0) {
      const { id } = await this.topicInfo(topic);
      for (const w of open) this.serve(id, w);
      open = open.filter((w) => w.next < w.to && w.records.length < w.max);
    }
    for (let round = 0; open.length > 0 && round < MAX_ROUNDS; round++) {
      const t = await this.topicInfo(topic);
      const byLeader = new Map<number, Want[]>();
      for (const w of open) {
        const node = t.leaders[w.partition]!;
        const list = byLeader.get(node);
        if (list) list.push(w);
        else byLeader.set(node, [w]);
      }
      const again: Want[] = [];
      const perRecord = (this.recordBytes.get(topic) ?? FIRST_BYTES_PER_RECORD) * 1.125;
      await Promise.all([...byLeader].map(async ([node, ws]) => {
        const parts = ws.map((w) => ({
          partition: w.partition, fetchOffset: BigInt(w.next),
          partitionMaxBytes: Math.min(MAX_PARTITION_BYTES, Math.max(MIN_PARTITION_BYTES, Math.ceil((w.max - w.records.length) * perRecord))),
        }));
        // No long poll: the worker decides itself how long to wait when nothing moved.
        const r = await deadline(this.transport.fetch(node, t.id, parts, Math.min(MAX_FETCH_BYTES, parts.reduce((n, p) => n + p.partitionMaxBytes, 0))), 'fetching');
        for (const w of ws) {
          const tp = r.find((x) => x.partitionIndex === w.partition);
          if (!tp) throw new Error(`fetch ${topic}-${w.partition}: empty answer`);
          const before = w.next;
          const moved = this.decode(topic, t.id, tp, w);
          this.serve(t.id, w);
          const stable = Math.min(w.to, Number(tp.lastStableOffset));
          if (!moved && stable > w.next) w.next = stable; // past markers or an aborted range
          else if (w.next > before && w.next < stable && w.records.length < w.max) again.push(w); // cut by size
        }
      }));
      open = again;
    }
    return all.map((w) => ({ records: w.records, next: w.next }));
  }

  /** Topic id and partition leaders of `topic`. */
  private async topicInfo(topic: string): Promise<{ id: string; leaders: number[] }> {
    if (!this.topics.has(topic)) await this.describe(topic);
    const t = this.topics.get(topic);
    if (!t) throw new Error(`no topic ${topic}`);
    return t;
  }

  /**
   * Decodes one partition's answer from `w.next` on into its read-ahead (aborted transactions and
   * control batches skipped), replacing what was kept.
   * @returns true when the answer had a batch at or after `w.next`.
   * @throws DStreamError when `w.next` is no longer on the broker (retention); Error for other error codes.
   */
  private decode(topic: string, topicId: string, tp: FetchedPartition, w: Want): boolean {
    if (tp.errorCode === 1) throw new DStreamError('E_KAFKA_OFFSET', 'processing', `kafka: ${topic}-${w.partition} offset ${w.next} is no longer on the broker (deleted by retention?): refusing to go on`);
    if (tp.errorCode !== 0) {
      this.forget(topic); // leader moved (broker restart): metadata again
      throw new Error(`fetch ${topic}-${w.partition}: error code ${tp.errorCode}`);
    }
    const records: LogRecord[] = [];
    const aborted = [...tp.abortedTransactions].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : 1));
    const abortedNow = new Set<bigint>();
    let next = w.next;
    let bytes = 0;
    let count = 0;
    for (const b of tp.records ? readBatches(tp.records) : []) {
      const first = b.firstOffset;
      const last = first + b.lastOffsetDelta;
      bytes += b.bytes;
      count += b.count;
      while (aborted.length && aborted[0]!.firstOffset <= BigInt(last)) abortedNow.add(aborted.shift()!.producerId);
      if (last < w.next) continue;
      if (b.attributes & IS_CONTROL) {
        abortedNow.delete(b.producerId); // the end of that producer's transaction
      } else if (!((b.attributes & IS_TRANSACTIONAL) && abortedNow.has(b.producerId))) {
        batchRecords(b, w.next, records);
      }
      next = last + 1;
    }
    if (count > 0) this.recordBytes.set(topic, bytes / count);
    if (next === w.next) return false;
    this.ahead.set(`${topicId}:${w.partition}`, { from: w.next, next, records, at: 0 });
    return true;
  }

  /** Moves kept records of `w`'s partition into `w` (up to `w.max` and before `w.to`) when they start at `w.next`. */
  private serve(topicId: string, w: Want): void {
    const key = `${topicId}:${w.partition}`;
    const a = this.ahead.get(key);
    if (!a) return;
    if (a.from !== w.next) {
      this.ahead.delete(key); // this read starts elsewhere
      return;
    }
    const { records } = a;
    let i = a.at;
    while (i < records.length && w.records.length < w.max && records[i]!.offset < w.to) w.records.push(records[i++]!);
    if (i < records.length) {
      // Cut by max or by `to`: the offsets up to the next kept record hold no records.
      w.next = Math.min(records[i]!.offset, w.to);
      a.at = i;
      a.from = w.next;
    } else {
      w.next = Math.min(a.next, w.to);
      this.ahead.delete(key);
    }
  }
}
