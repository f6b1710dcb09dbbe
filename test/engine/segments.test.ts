/**
 * The shared segment table of `--workers` (engine/segments.ts): claims and steals in any
 * interleaving read every byte of the file exactly once, and every segment starts at a line start.
 * Property-tested against the file itself (lines of 10 bytes: a line start is a multiple of 10).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lineEndAfter, MIN_STEAL_BYTES, SegmentTable } from '../../src/engine/segments.js';
import { expectReadOnce, LINE, linesFile } from '../helpers/lines-file.js';

const { fd, size: SIZE, halves } = linesFile();

describe('SegmentTable', () => {
  it('claims blocks in order, then nothing', () => {
    const t = SegmentTable.create([[0, 25], [25, 40]]);
    expect([t.claim(0, 10), t.claim(0, 10), t.claim(0, 10), t.claim(0, 10)]).toEqual([[0, 10], [10, 20], [20, 25], undefined]);
    expect(t.claim(1, 100)).toEqual([25, 40]);
  });

  it('a steal takes the second half of the unread rest of the fullest segment, from a line start', () => {
    const t = SegmentTable.create(halves());
    t.claim(1, 1 << 20); // segment 1 has 1 MiB less left than segment 0
    const s = t.steal(fd)!;
    expect(s).toBe(2);
    const mid = Math.floor(halves()[0][1] / 2);
    expect(t.start(2)).toBe(lineEndAfter(fd, mid, SIZE));
    expect(t.start(2) % LINE).toBe(0);
    expect(t.ranges()).toEqual([[0, t.start(2)], [t.start(2), halves()[0][1]], halves()[1]]);
  });

  it('no steal from segments with less than MIN_STEAL_BYTES left', () => {
    const t = SegmentTable.create([[0, MIN_STEAL_BYTES - LINE]]);
    expect(t.steal(fd)).toBeUndefined();
  });

  it('any interleaving of claims and steals reads every byte once (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.tuple(fc.constant('claim' as const), fc.nat(7), fc.integer({ min: 1, max: 3 << 20 })), fc.constant(['steal' as const, 0, 0] as const)), { maxLength: 60 }), (ops) => {
        const t = SegmentTable.create(halves());
        const read: [number, number][] = [];
        let segments = 2;
        for (const [op, who, bytes] of ops) {
          if (op === 'steal') {
            if (t.steal(fd) !== undefined) segments++;
          } else {
            const b = t.claim(who % segments, bytes);
            if (b) read.push(b);
          }
        }
        expectReadOnce(t, segments, read, SIZE);
      }),
      { numRuns: 200 },
    );
  });
});
