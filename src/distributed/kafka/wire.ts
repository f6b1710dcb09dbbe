/**
 * A Fetch request on the wire, and the record batches of its answer decoded
 * straight into `LogRecord`s. The request and the answer's fields are the
 * client's (versions 13 to 17 share them); the records are read here (Kafka's
 * record batch format v2, "magic 2": a 61-byte header, then records of
 * zigzag varints: length, attributes, timestamp delta, offset delta, key,
 * value, headers). The client's own decoder makes a Buffer per key, value and
 * header and an array per varint read; this one reads the bytes once and makes
 * the two strings. Compressed batches go to the client's decoder (it knows the
 * codecs).
 * Format: https://kafka.apache.org/documentation/#recordbatch
 */
import { apiVersionsV3, type Connection, type Consumer, fetchV17, Reader, readRecordsBatch } from '@platformatic/kafka';

/** One record read from a partition. */
export interface LogRecord {
  offset: number;
  timestampMs: number;
  key: string | null;
  value: string | null;
}

/** How a `LogReader` reaches the brokers (`ClientTransport` below; a fake in tests). */
export interface FetchTransport {
  /** Topic id and partition leaders (node ids) of `topic` from fresh metadata; null when the broker has none. */
  metadata(topic: string): Promise<{ id: string; leaders: number[] } | null>;
  /**
   * One Fetch request `read_committed` to broker `node`, no long poll.
   * @returns the answer's partitions of topic `topicId`.
   */
  fetch(node: number, topicId: string, partitions: FetchPartition[], maxBytes: number): Promise<FetchedPartition[]>;
}

/** Fetch versions whose request and answer this file knows (topic ids: Kafka 3.1 and later). */
const FETCH_VERSIONS = { min: 13, max: 17 };
const FETCH_API_KEY = 1;
const READ_COMMITTED = 1;

/** One partition of a Fetch answer, its records left as bytes. */
export interface FetchedPartition {
  partitionIndex: number;
  errorCode: number;
  lastStableOffset: bigint;
  abortedTransactions: { producerId: bigint; firstOffset: bigint }[];
  /** The record batches' bytes, null when none. */
  records: Buffer | null;
}

/** What a Fetch request asks of one partition. */
export interface FetchPartition {
  partition: number;
  fetchOffset: bigint;
  partitionMaxBytes: number;
}

/** The connection's reader of the client's protocol (`Reader` of its answers). */
type AnswerReader = InstanceType<typeof Reader>;

/** The Fetch answer's fields (as the client's fetch-v17 reads them), the records kept as bytes. */
function parseFetch(_correlationId: number, _apiKey: number, apiVersion: number, r: AnswerReader): FetchedPartition[][] {
  r.readInt32(); // throttle time
  const errorCode = r.readInt16();
  if (errorCode !== 0) throw new Error(`fetch (v${apiVersion}): error code ${errorCode}`);
  r.readInt32(); // session id
  return r.readArray((t) => {
    t.readUUID();
    return t.readArray((p) => {
      const partitionIndex = p.readInt32();
      const partitionError = p.readInt16();
      p.readInt64(); // high watermark
      const lastStableOffset = p.readInt64();
      p.readInt64(); // log start offset
      const abortedTransactions = p.readArray((a) => ({ producerId: a.readInt64(), firstOffset: a.readInt64() }));
      p.readInt32(); // preferred read replica
      const size = p.readUnsignedVarInt() - 1; // COMPACT_RECORDS: length + 1, 0 for null
      const records = size > 0 ? p.buffer.slice(p.position, p.position + size) : null;
      if (size > 0) p.skip(size);
      return { partitionIndex, errorCode: partitionError, lastStableOffset, abortedTransactions, records };
    });
  });
}

/** The Fetch version to speak with the broker of `connection`: the highest both know. */
async function fetchVersion(connection: Connection): Promise<number> {
  const answer = await apiVersionsV3.api.async(connection, 'dstream', '1');
  const fetch = answer.apiKeys.find((k) => k.apiKey === FETCH_API_KEY);
  const v = Math.min(FETCH_VERSIONS.max, fetch?.maxVersion ?? -1);
  if (!fetch || v < FETCH_VERSIONS.min || v < fetch.minVersion) throw new Error(`kafka: the broker does not speak Fetch v${FETCH_VERSIONS.min}–v${FETCH_VERSIONS.max} (Kafka 3.1 or later is needed)`);
  return v;
}

/**
 * The brokers as the client's consumer reaches them: its metadata, and Fetch requests of our own on
 * the connections of its pool (the Fetch version: the highest both sides know, asked once per connection).
 */
export class ClientTransport implements FetchTransport {
  /** Host and port of each broker (node id), from the metadata. */
  private brokers = new Map<number, { host: string; port: number }>();
  private versions = new WeakMap<Connection, number>();

  constructor(private readonly consumer: Consumer) {}

  async metadata(topic: string): Promise<{ id: string; leaders: number[] } | null> {
    const md = await this.consumer.metadata({ topics: [topic], forceUpdate: true });
    for (const [node, b] of md.brokers) this.brokers.set(node, b);
    const t = md.topics.get(topic);
    return t ? { id: t.id, leaders: t.partitions.map((p) => p.leader) } : null;
  }

  async fetch(node: number, topicId: string, partitions: FetchPartition[], maxBytes: number): Promise<FetchedPartition[]> {
    const broker = this.brokers.get(node);
    if (!broker) throw new Error(`kafka: no address for broker ${node} in the metadata`);
    const connection = await new Promise<Connection>((resolve, reject) => this.consumer.connections.get(broker, (e, c) => (e ? reject(e) : resolve(c!))));
    let version = this.versions.get(connection);
    if (version === undefined) this.versions.set(connection, (version = await fetchVersion(connection)));
    const topics = [{ topicId, partitions: partitions.map((p) => ({ ...p, currentLeaderEpoch: -1, lastFetchedEpoch: -1 })) }];
    const answer = await new Promise<FetchedPartition[][]>((resolve, reject) => {
      // The request's fields are the same from v13 to v17 (the client's fetch-v17 writes them).
      connection.send(FETCH_API_KEY, version, () => fetchV17.createRequest(0, 1, maxBytes, READ_COMMITTED, 0, -1, topics, [], ''), parseFetch as never, true, true,
        (e: Error | null, a: unknown) => (e ? reject(e) : resolve(a as FetchedPartition[][])));
    });
    return answer[0] ?? [];
  }
}

/** The header of one record batch, and where its records are in `buf`. */
export interface RecordBatch {
  firstOffset: number;
  lastOffsetDelta: number;
  /** Bytes of the whole batch (header included). */
  bytes: number;
  attributes: number;
  producerId: bigint;
  firstTimestampMs: number;
  /** Records in the batch (a control batch has one, its marker). */
  count: number;
  buf: Buffer;
  /** Offset in `buf` of the batch's first byte. */
  at: number;
}

const HEADER_BYTES = 61;
const COMPRESSION = 0x07;

/**
 * The complete batches in `buf` (a Fetch answer's records of one partition). A batch cut at the end of
 * the answer (the broker sends whole batches up to its size limit, but may cut the last) is left out.
 * @throws Error for a batch of another format than magic 2.
 */
export function readBatches(buf: Buffer): RecordBatch[] {
  const out: RecordBatch[] = [];
  let at = 0;
  while (buf.length - at >= HEADER_BYTES) {
    const bytes = 12 + buf.readInt32BE(at + 8);
    if (at + bytes > buf.length) break;
    const magic = buf.readInt8(at + 16);
    if (magic !== 2) throw new Error(`kafka: record batch of format ${magic} (magic); only format 2 (Kafka 0.11 and later) is read`);
    out.push({
      firstOffset: Number(buf.readBigInt64BE(at)),
      lastOffsetDelta: buf.readInt32BE(at + 23),
      bytes,
      attributes: buf.readInt16BE(at + 21),
      producerId: buf.readBigInt64BE(at + 43),
      firstTimestampMs: Number(buf.readBigInt64BE(at + 27)),
      count: buf.readInt32BE(at + 57),
      buf,
      at,
    });
    at += bytes;
  }
  return out;
}

/** Read position of `varint` in the buffer being decoded. */
let pos = 0;

/** A zigzag varint (or varlong: exact up to 2^53) at `pos` of `buf`; advances `pos`. */
function varint(buf: Buffer): number {
  let b = buf[pos++]!;
  let n = b & 0x7f;
  let scale = 128;
  while (b & 0x80) {
    b = buf[pos++]!;
    n += (b & 0x7f) * scale; // multiplication, not shifts: 64-bit values stay exact up to 2^53
    scale *= 128;
  }
  return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
}

/**
 * Appends the records of `batch` at offsets `from` and later to `out`, keys and values as UTF-8 text.
 * @throws Error for a record that runs past its batch (a damaged answer).
 */
export function batchRecords(batch: RecordBatch, from: number, out: LogRecord[]): void {
  const { buf, firstOffset, firstTimestampMs } = batch;
  if (batch.attributes & COMPRESSION) {
    const b = readRecordsBatch(Reader.from(buf.subarray(batch.at, batch.at + batch.bytes)));
    for (const r of b.records) {
      const offset = firstOffset + r.offsetDelta;
      if (offset >= from) out.push({ offset, timestampMs: firstTimestampMs + Number(r.timestampDelta), key: r.key?.toString() ?? null, value: r.value?.toString() ?? null });
    }
    return;
  }
  const end = batch.at + batch.bytes;
  pos = batch.at + HEADER_BYTES;
  for (let i = 0; i < batch.count; i++) {
    const length = varint(buf);
    const next = pos + length;
    if (next > end) throw new Error(`kafka: a record at offset ${firstOffset}+ runs past its batch (damaged fetch answer)`);
    pos++; // attributes (unused)
    const timestampDelta = varint(buf);
    const offset = firstOffset + varint(buf);
    if (offset >= from) {
      const keyLength = varint(buf);
      const key = keyLength < 0 ? null : buf.toString('utf8', pos, pos + keyLength);
      if (keyLength > 0) pos += keyLength;
      const valueLength = varint(buf);
      const value = valueLength < 0 ? null : buf.toString('utf8', pos, pos + valueLength);
      out.push({ offset, timestampMs: firstTimestampMs + timestampDelta, key, value });
    }
    pos = next; // headers skipped
  }
}
