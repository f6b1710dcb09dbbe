/**
 * The shared segment table of `--workers` (engine/segments.ts): claims and steals in any
 * interleaving read every byte of the file exactly once, and every segment starts at a line start.
 * Property-tested against the file itself (lines of 10 bytes: a line start is a multiple of 10).
 */
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { lineEndAfter, MIN_STEAL_BYTES, SegmentTable } from '../../src/engine/segments.js';

const dir = mkdtempSync(join(tmpdir(), 'dstream-segments-'));
const LINE = 10;
const LINES = Math.ceil((3 * MIN_STEAL_BYTES) / LINE);
const SIZE = LINE * LINES;
const file = join(dir, 'lines.txt');
writeFileSync(file, Buffer.alloc(SIZE, 'abcdefghi\n'));
const fd = openSync(file, 'r');
afterAll(() => {
  closeSync(fd);
  rmSync(dir, { recursive: true, force: true });
});

/** Line-aligned halves, as `lineAlignedRanges` cuts them. */
const halves = (): [number, number][] => {
  const cut = lineEndAfter(fd, SIZE / 2, SIZE);
  return [[0, cut], [cut, SIZE]];
};

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
        for (let i = 0; i < segments; i++) for (let b = t.claim(i, 1 << 20); b; b = t.claim(i, 1 << 20)) read.push(b);
        read.sort((a, b) => a[0] - b[0]);
        let at = 0;
        for (const [from, to] of read) {
          expect(from).toBe(at);
          at = to;
        }
        expect(at).toBe(SIZE);
        for (const [start] of t.ranges()) expect(start % LINE).toBe(0);
      }),
      { numRuns: 200 },
    );
  });
});
