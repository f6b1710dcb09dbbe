/**
 * kafka/ramp.ts: a Kafka worker's stage-1 batches start at an eighth of the full size after each new
 * group generation and double at each step committed in it, up to the full size; a cut of the full
 * size holds at once. Pure (no broker); checked against a naive reference with fast-check.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BatchRamp } from '../../src/distributed/kafka/ramp.js';

describe('BatchRamp', () => {
  it('starts at an eighth after each new generation and doubles per committed step up to the full size', () => {
    const r = new BatchRamp(20_000);
    const sizes: number[] = [];
    for (let i = 0; i < 6; i++) {
      sizes.push(r.next(1));
      r.committed(1);
    }
    expect(sizes).toEqual([2500, 5000, 10_000, 20_000, 20_000, 20_000]);
    expect(r.next(2)).toBe(2500); // a new generation: small again
    r.committed(1); // a step of the old generation does not grow the new one's batches
    expect(r.next(2)).toBe(2500);
  });

  it('never goes below 100 records nor above the full size; a cut holds at once', () => {
    expect(new BatchRamp(400).next(0)).toBe(100);
    expect(new BatchRamp(50).next(0)).toBe(50);
    const r = new BatchRamp(20_000);
    r.next(3);
    for (let i = 0; i < 5; i++) r.committed(3);
    expect(r.next(3)).toBe(20_000);
    r.fullSize = 5000;
    expect(r.next(3)).toBe(5000);
    r.committed(3);
    expect(r.next(3)).toBe(5000);
    expect(r.next(4)).toBe(625);
  });

  it('matches a naive reference on random sequences of steps, commits, rebalances and cuts', () => {
    // A cut only ever lowers the full size (worker.ts: a step that outlasted half the session).
    type Op = { kind: 'step' } | { kind: 'commit'; old: boolean } | { kind: 'rebalance' } | { kind: 'cut'; percent: number };
    const op = fc.oneof(
      fc.constant<Op>({ kind: 'step' }),
      fc.boolean().map((old): Op => ({ kind: 'commit', old })),
      fc.constant<Op>({ kind: 'rebalance' }),
      fc.integer({ min: 0, max: 100 }).map((percent): Op => ({ kind: 'cut', percent })),
    );
    fc.assert(fc.property(fc.integer({ min: 1, max: 50_000 }), fc.array(op, { maxLength: 60 }), (full, ops) => {
      const r = new BatchRamp(full);
      let gen = 0;
      // Reference: the size of the current generation, its commits counted.
      let refFull = full;
      let start = Math.min(full, Math.max(100, Math.floor(full / 8)));
      let size = start;
      for (const o of ops) {
        if (o.kind === 'step') expect(r.next(gen)).toBe(size);
        else if (o.kind === 'commit') {
          r.next(gen);
          r.committed(o.old ? gen - 1 : gen);
          if (!o.old) size = Math.min(refFull, size * 2);
        } else if (o.kind === 'rebalance') {
          gen++;
          start = Math.min(refFull, Math.max(100, Math.floor(refFull / 8)));
          size = start;
        } else {
          const to = Math.max(1, Math.floor((refFull * o.percent) / 100));
          r.next(gen);
          r.fullSize = to;
          refFull = to;
          size = Math.min(size, to);
        }
        expect(r.fullSize).toBe(refFull);
      }
    }));
  });
});
