/**
 * The Kafka reader's fetch loop (src/distributed/kafka/fetch.ts) against a fake
 * broker that answers Fetch requests from a log of record batches: reads skip
 * aborted transactions and control markers, stop at `to` and `max`, and the
 * records kept from one answer (read-ahead) are served to the next read exactly
 * once, whatever the sizes. A property test compares any sequence of reads,
 * restarts at earlier offsets included, with a naive filter of the log.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRecordsBatch, Reader, readRecordsBatches } from '@platformatic/kafka';
import { LogReader } from '../../src/distributed/kafka/fetch.js';
import { batchRecords, readBatches, type FetchTransport, type LogRecord } from '../../src/distributed/kafka/wire.js';

/** A batch of the fake log: `n` offsets from `first`; a control batch is one marker. */
interface Batch {
  first: number;
  n: number;
  producerId: bigint;
  transactional: boolean;
  control: boolean;
  /** Bytes added to each value (`v<offset>` then as many dots). */
  pad: number;
}

/** A batch's bytes as a producer writes them (the client's encoder), at its offset; values `v<offset>`. */
function encode(b: Batch): Buffer {
  const messages = Array.from({ length: b.control ? 1 : b.n }, (_, i) => ({ value: Buffer.from(`v${b.first + i}${'.'.repeat(b.pad)}`), timestamp: 1000n + BigInt(i) }));
  const buf = Buffer.from(createRecordsBatch(messages as never, { producerId: b.producerId, ...(b.transactional ? { transactionalId: 'tx' } : {}) } as never).buffer);
  buf.writeBigInt64BE(BigInt(b.first), 0);
  if (b.control) buf.writeInt16BE(buf.readInt16BE(21) | 0x20, 21); // the marker bit (the CRC is not checked)
  return buf;
}

/** A fake broker of one partition of topic `t`: batches, aborted transactions (producer, first offset), and the fetches made. */
function fakeBroker(batches: Batch[], aborted: { producerId: bigint; firstOffset: bigint }[]) {
  const end = batches.length ? batches[batches.length - 1]!.first + batches[batches.length - 1]!.n : 0;
  const fetches: { offset: number; maxBytes: number }[] = [];
  const transport: FetchTransport = {
    metadata: async () => ({ id: 'id-t', leaders: [1] }),
    fetch: async (_node, _id, [p]) => {
      const offset = Number(p!.fetchOffset);
      fetches.push({ offset, maxBytes: p!.partitionMaxBytes });
      const out: Buffer[] = [];
      let bytes = 0;
      // From the batch holding `offset` on, whole batches, at least one (as a broker answers).
      for (const b of batches) {
        if (b.first + b.n - 1 < offset) continue;
        const buf = encode(b);
        if (out.length > 0 && bytes + buf.length > p!.partitionMaxBytes) break;
        bytes += buf.length;
        out.push(buf);
      }
      // As a broker: the aborted transactions whose abort marker (the producer's next marker) is at or after the fetch offset.
      const abortedHere = aborted.filter((a) => (batches.find((b) => b.control && b.producerId === a.producerId && b.first > Number(a.firstOffset))?.first ?? Infinity) >= offset);
      return [{ partitionIndex: 0, errorCode: 0, lastStableOffset: BigInt(end), abortedTransactions: abortedHere, records: out.length ? Buffer.concat(out) : null }];
    },
  };
  return { reader: new LogReader(transport), fetches, end };
}

/** The data records of the log a read_committed reader sees, by a naive filter. */
function committed(batches: Batch[], aborted: { producerId: bigint; firstOffset: bigint }[]): number[] {
  const out: number[] = [];
  for (const b of batches) {
    if (b.control) continue;
    const abortedHere = b.transactional && aborted.some((a) => a.producerId === b.producerId && Number(a.firstOffset) <= b.first
      && !batches.some((c) => c.control && c.producerId === b.producerId && c.first > Number(a.firstOffset) && c.first < b.first));
    if (!abortedHere) for (let i = 0; i < b.n; i++) out.push(b.first + i);
  }
  return out;
}

const offsets = (rs: LogRecord[]) => rs.map((r) => r.offset);

/** A log: plain batches, and transactions of producer 7 that end in a commit or an abort marker. */
const logArb = fc.array(fc.record({ n: fc.integer({ min: 1, max: 30 }), kind: fc.constantFrom('plain', 'commit', 'abort'), pad: fc.integer({ min: 0, max: 3000 }) }), { maxLength: 25 }).map((spec) => {
  const batches: Batch[] = [];
  const aborted: { producerId: bigint; firstOffset: bigint }[] = [];
  let at = 0;
  for (const s of spec) {
    const tx = s.kind !== 'plain';
    batches.push({ first: at, n: s.n, producerId: tx ? 7n : -1n, transactional: tx, control: false, pad: s.pad });
    if (s.kind === 'abort') aborted.push({ producerId: 7n, firstOffset: BigInt(at) });
    at += s.n;
    if (tx) batches.push({ first: at++, n: 1, producerId: 7n, transactional: true, control: true, pad: 0 });
  }
  return { batches, aborted };
});

describe('Kafka reader (fetch.ts)', () => {
  const plain = (first: number, n: number, pad = 0): Batch => ({ first, n, producerId: -1n, transactional: false, control: false, pad });

  it('serves the records kept from one answer to the next read, without fetching them again', async () => {
    const { reader, fetches } = fakeBroker([plain(0, 10), plain(10, 10)], []);
    const a = await reader.read('t', 0, 0, Infinity, 4);
    expect([offsets(a.records), a.next]).toEqual([[0, 1, 2, 3], 4]);
    const b = await reader.read('t', 0, 4, Infinity, 10);
    expect([offsets(b.records), b.next]).toEqual([[4, 5, 6, 7, 8, 9, 10, 11, 12, 13], 14]);
    expect(fetches.map((f) => f.offset)).toEqual([0]); // both batches came in the first answer
    const c = await reader.read('t', 0, 14, Infinity, 100);
    expect([offsets(c.records), c.next]).toEqual([[14, 15, 16, 17, 18, 19], 20]);
    expect(fetches.map((f) => f.offset)).toEqual([0, 20]); // the kept ones, then one look past the end
  });

  it('drops what it kept when a read starts elsewhere (a new owner at the committed offset)', async () => {
    const { reader, fetches } = fakeBroker([plain(0, 10)], []);
    await reader.read('t', 0, 0, Infinity, 4);
    const again = await reader.read('t', 0, 2, Infinity, 3);
    expect([offsets(again.records), again.next]).toEqual([[2, 3, 4], 5]);
    expect(fetches.map((f) => f.offset)).toEqual([0, 2]);
  });

  it('stops at `to` and skips an aborted transaction and the markers', async () => {
    const batches: Batch[] = [
      plain(0, 3),
      { first: 3, n: 2, producerId: 7n, transactional: true, control: false, pad: 0 },
      { first: 5, n: 1, producerId: 7n, transactional: true, control: true, pad: 0 },
      plain(6, 3),
    ];
    const { reader } = fakeBroker(batches, [{ producerId: 7n, firstOffset: 3n }]);
    const r = await reader.read('t', 0, 0, 7, 100);
    expect([offsets(r.records), r.next]).toEqual([[0, 1, 2, 6], 7]);
    const rest = await reader.read('t', 0, 7, Infinity, 100);
    expect([offsets(rest.records), rest.next]).toEqual([[7, 8], 9]);
  });

  it('sizes a part of the answer from the bytes per record seen (another round when it was cut)', async () => {
    const batches = [plain(0, 1000, 390), plain(1000, 1000, 390), plain(2000, 1000, 390)];
    const perRecord = batches.map((b) => encode(b).length / 1000); // about 400: the last answer's bytes per record
    const { reader, fetches } = fakeBroker(batches, []);
    const r = await reader.read('t', 0, 0, Infinity, 2500);
    expect([r.records.length, r.next]).toEqual([2500, 2500]);
    // 2500 records × 256 bytes × 1.125 (one batch fits), then 1500 × the bytes per record seen × 1.125 (one more), then 500 × …
    expect(fetches).toEqual([
      { offset: 0, maxBytes: 720_000 }, { offset: 1000, maxBytes: Math.ceil(1500 * perRecord[0]! * 1.125) }, { offset: 2000, maxBytes: Math.ceil(500 * perRecord[1]! * 1.125) },
    ]);
    const rest = await reader.read('t', 0, 2500, Infinity, 500);
    expect([rest.records.length, rest.next, fetches.length]).toEqual([500, 3000, 3]);
  });

  it('any reads, restarts included, see exactly the committed records in order (property)', async () => {
    await fc.assert(fc.asyncProperty(logArb, fc.array(fc.record({ max: fc.integer({ min: 1, max: 40 }), back: fc.integer({ min: 0, max: 5 }), to: fc.option(fc.integer({ min: 0, max: 60 })) }), { maxLength: 30 }), async ({ batches, aborted }, reads) => {
      const { reader, end } = fakeBroker(batches, aborted);
      const want = committed(batches, aborted);
      let pos = 0;
      for (const r of reads) {
        const from = r.back === 0 ? Math.max(0, pos - 3) : pos; // sometimes restart a little earlier
        const to = r.to === null ? Infinity : from + r.to;
        const got = await reader.read('t', 0, from, to, r.max);
        const expected = want.filter((o) => o >= from && o < to).slice(0, r.max);
        expect(offsets(got.records)).toEqual(expected);
        expect(got.next).toBeGreaterThanOrEqual(from);
        expect(got.next).toBeLessThanOrEqual(Math.min(to, end));
        // Nothing committed between the last record returned and `next` is skipped.
        const last = expected.length ? expected[expected.length - 1]! : from - 1;
        expect(want.filter((o) => o > last && o < got.next)).toEqual([]);
        pos = got.next;
      }
    }), { numRuns: 300 });
  });
});

describe('record batches decoded by wire.ts', () => {
  const message = fc.record({
    key: fc.option(fc.string({ unit: 'grapheme', maxLength: 20 })),
    value: fc.option(fc.string({ unit: 'grapheme', maxLength: 300 })),
    headers: fc.array(fc.tuple(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 })), { maxLength: 2 }),
    timestampDelta: fc.integer({ min: 0, max: 2 ** 40 }),
  });
  it('equal the client\'s own decoder, compressed batches and offsets from the middle included (property)', async () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.array(message, { minLength: 1, maxLength: 20 }), fc.constantFrom('none', 'gzip')), { minLength: 1, maxLength: 4 }), fc.nat(60), (spec, fromDelta) => {
      let first = 100;
      const want: LogRecord[] = [];
      const from = 100 + fromDelta;
      const buffers = spec.map(([ms, compression]) => {
        const base = 1_700_000_000_000;
        const buf = Buffer.from(createRecordsBatch(ms.map((m) => ({
          key: m.key === null ? undefined : Buffer.from(m.key), value: m.value === null ? undefined : Buffer.from(m.value), timestamp: BigInt(base + m.timestampDelta),
          headers: new Map(m.headers.map(([k, v]) => [Buffer.from(k), Buffer.from(v)])),
        })) as never, { compression } as never).buffer);
        buf.writeBigInt64BE(BigInt(first), 0);
        first += ms.length;
        return buf;
      });
      const all = Buffer.concat(buffers);
      for (const b of readRecordsBatches(Reader.from(all))) {
        for (const r of b.records) {
          const offset = Number(b.firstOffset) + r.offsetDelta;
          if (offset >= from) want.push({ offset, timestampMs: Number(b.firstTimestamp + r.timestampDelta), key: r.key?.toString() ?? null, value: r.value?.toString() ?? null });
        }
      }
      expect(want.map((r) => r.value)).toEqual(spec.flatMap(([ms]) => ms.map((m) => m.value)).slice(from - 100));
      // A batch cut at the end of an answer is left out.
      const cut = all.subarray(0, all.length - 1);
      const got: LogRecord[] = [];
      for (const b of readBatches(all)) batchRecords(b, from, got);
      expect(got).toEqual(want);
      expect(readBatches(cut)).toHaveLength(spec.length - 1);
    }), { numRuns: 200 });
  });
});
