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
import type { Consumer } from '@platformatic/kafka';
import { LogReader, type LogRecord } from '../../src/distributed/kafka/fetch.js';

/** A batch of the fake log: `n` offsets from `first`; a control batch is one marker. */
interface Batch {
  first: number;
  n: number;
  producerId: bigint;
  transactional: boolean;
  control: boolean;
  /** Bytes of the batch on the wire (the fake answer's size limit counts these). */
  bytes: number;
}

/** A fake log of one partition: batches, aborted transactions (producer, first offset), and the fetches made. */
function fakeBroker(batches: Batch[], aborted: { producerId: bigint; firstOffset: bigint }[]) {
  const end = batches.length ? batches[batches.length - 1]!.first + batches[batches.length - 1]!.n : 0;
  const fetches: { offset: number; maxBytes: number }[] = [];
  const consumer = {
    metadata: async () => ({ topics: new Map([['t', { id: 'id-t', partitionsCount: 1, partitions: [{ leader: 1 }] }]]) }),
    fetch: async (o: { topics: { partitions: { partition: number; fetchOffset: bigint; partitionMaxBytes: number }[] }[] }) => {
      const p = o.topics[0]!.partitions[0]!;
      const offset = Number(p.fetchOffset);
      fetches.push({ offset, maxBytes: p.partitionMaxBytes });
      const out: unknown[] = [];
      let bytes = 0;
      // From the batch holding `offset` on, whole batches, at least one (as a broker answers).
      for (const b of batches) {
        if (b.first + b.n - 1 < offset) continue;
        if (out.length > 0 && bytes + b.bytes > p.partitionMaxBytes) break;
        bytes += b.bytes;
        out.push({
          firstOffset: BigInt(b.first), lastOffsetDelta: b.n - 1, length: b.bytes, producerId: b.producerId, firstTimestamp: 1000n,
          attributes: (b.transactional ? 0x10 : 0) | (b.control ? 0x20 : 0),
          records: Array.from({ length: b.control ? 1 : b.n }, (_, i) => ({ offsetDelta: i, timestampDelta: BigInt(i), key: null, value: Buffer.from(`v${b.first + i}`) })),
        });
      }
      // As a broker: the aborted transactions whose abort marker (the producer's next marker) is at or after the fetch offset.
      const abortedHere = aborted.filter((a) => (batches.find((b) => b.control && b.producerId === a.producerId && b.first > Number(a.firstOffset))?.first ?? Infinity) >= offset);
      return { responses: [{ partitions: [{ partitionIndex: 0, errorCode: 0, lastStableOffset: BigInt(end), abortedTransactions: abortedHere, records: out }] }] };
    },
  };
  return { reader: new LogReader(consumer as unknown as Consumer), fetches, end };
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
const logArb = fc.array(fc.record({ n: fc.integer({ min: 1, max: 30 }), kind: fc.constantFrom('plain', 'commit', 'abort'), bytes: fc.integer({ min: 10, max: 5000 }) }), { maxLength: 25 }).map((spec) => {
  const batches: Batch[] = [];
  const aborted: { producerId: bigint; firstOffset: bigint }[] = [];
  let at = 0;
  for (const s of spec) {
    const tx = s.kind !== 'plain';
    batches.push({ first: at, n: s.n, producerId: tx ? 7n : -1n, transactional: tx, control: false, bytes: s.bytes });
    if (s.kind === 'abort') aborted.push({ producerId: 7n, firstOffset: BigInt(at) });
    at += s.n;
    if (tx) batches.push({ first: at++, n: 1, producerId: 7n, transactional: true, control: true, bytes: 70 });
  }
  return { batches, aborted };
});

describe('Kafka reader (fetch.ts)', () => {
  const plain = (first: number, n: number, bytes = 100): Batch => ({ first, n, producerId: -1n, transactional: false, control: false, bytes });

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
      { first: 3, n: 2, producerId: 7n, transactional: true, control: false, bytes: 100 },
      { first: 5, n: 1, producerId: 7n, transactional: true, control: true, bytes: 70 },
      plain(6, 3),
    ];
    const { reader } = fakeBroker(batches, [{ producerId: 7n, firstOffset: 3n }]);
    const r = await reader.read('t', 0, 0, 7, 100);
    expect([offsets(r.records), r.next]).toEqual([[0, 1, 2, 6], 7]);
    const rest = await reader.read('t', 0, 7, Infinity, 100);
    expect([offsets(rest.records), rest.next]).toEqual([[7, 8], 9]);
  });

  it('sizes a part of the answer from the bytes per record seen (another round when it was cut)', async () => {
    const { reader, fetches } = fakeBroker([plain(0, 1000, 400_000), plain(1000, 1000, 400_000), plain(2000, 1000, 400_000)], []);
    const r = await reader.read('t', 0, 0, Infinity, 2500);
    expect([r.records.length, r.next]).toEqual([2500, 2500]);
    // 2500 records × 256 bytes × 1.125 (one batch fits), then 1500 × 400 × 1.125 (one more), then 500 × 400 × 1.125
    expect(fetches).toEqual([{ offset: 0, maxBytes: 720_000 }, { offset: 1000, maxBytes: 675_000 }, { offset: 2000, maxBytes: 225_000 }]);
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
