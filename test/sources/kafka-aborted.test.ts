/**
 * committedData (sources/kafka/aborted.ts) against a naive reference: a log of
 * interleaved transactions of several producers, some committed and some
 * aborted, cut into fetch answers anywhere; the records kept are exactly the
 * committed ones, whatever the cut.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { committedData, IS_CONTROL, IS_TRANSACTIONAL, type AbortedTransaction, type BatchHead } from '../../src/sources/kafka/aborted.js';

interface Batch extends BatchHead { data: number[] }

/** Builds the log: each step appends a data batch for a producer's open transaction, or ends it (commit/abort marker). */
function buildLog(steps: { producer: number; end: 'none' | 'commit' | 'abort'; size: number }[]): { batches: Batch[]; aborted: (AbortedTransaction & { marker: bigint })[]; committed: number[]; stable: bigint } {
  const batches: Batch[] = [];
  const aborted: (AbortedTransaction & { marker: bigint })[] = [];
  const open = new Map<number, { first: bigint; records: number[] }>();
  const committed: number[] = [];
  let offset = 0n;
  for (const s of steps) {
    const pid = BigInt(s.producer);
    if (s.end === 'none') {
      const data = Array.from({ length: s.size }, (_, i) => Number(offset) + i);
      const txn = open.get(s.producer) ?? { first: offset, records: [] };
      open.set(s.producer, txn);
      txn.records.push(...data);
      batches.push({ firstOffset: offset, lastOffsetDelta: s.size - 1, attributes: IS_TRANSACTIONAL, producerId: pid, data });
      offset += BigInt(s.size);
    } else {
      const txn = open.get(s.producer);
      if (!txn) continue;
      open.delete(s.producer);
      if (s.end === 'commit') committed.push(...txn.records);
      else aborted.push({ producerId: pid, firstOffset: txn.first, marker: offset });
      batches.push({ firstOffset: offset, lastOffsetDelta: 0, attributes: IS_TRANSACTIONAL | IS_CONTROL, producerId: pid, data: [] });
      offset += 1n;
    }
  }
  // The last stable offset: the first offset of the earliest transaction still open.
  const stable = [...open.values()].reduce((m, t) => (t.first < m ? t.first : m), offset);
  return { batches, aborted, committed: committed.sort((a, b) => a - b), stable };
}

describe('committedData', () => {
  it('keeps exactly the committed records, however the log is cut into fetch answers', () => {
    fc.assert(fc.property(
      fc.array(fc.record({ producer: fc.integer({ min: 1, max: 3 }), end: fc.constantFrom('none', 'none', 'commit', 'abort') as fc.Arbitrary<'none' | 'commit' | 'abort'>, size: fc.integer({ min: 1, max: 3 }) }), { maxLength: 40 }),
      fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 10 }),
      (steps, cuts) => {
        const { batches, aborted, committed, stable } = buildLog(steps);
        // Only what is below the last stable offset is readable.
        const readable = batches.filter((b) => b.firstOffset < stable);
        const kept: number[] = [];
        let i = 0;
        let c = 0;
        while (i < readable.length) {
          const n = cuts[c++ % cuts.length]!;
          const answer = readable.slice(i, i + n);
          // The broker lists the aborted transactions that overlap the answer's offsets.
          const end = answer[answer.length - 1]!.firstOffset + BigInt(answer[answer.length - 1]!.lastOffsetDelta);
          const overlapping = aborted.filter((a) => a.firstOffset <= end && a.marker >= answer[0]!.firstOffset);
          const isData = committedData(overlapping);
          for (const b of answer) if (isData(b)) kept.push(...b.data);
          i += n;
        }
        expect(kept.sort((a, b) => a - b)).toEqual(committed.filter((o) => o < Number(stable)));
      },
    ), { numRuns: 300 });
  });
});
