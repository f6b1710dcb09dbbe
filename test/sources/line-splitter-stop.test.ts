/**
 * LineSplitter stopping after a line (a full batch of bounded input): the
 * bytes consumed at each stop, minus the bytes held for an unfinished line,
 * are exactly the input's offset after that line — what a checkpoint stores
 * to resume a file — and no line is lost, duplicated or changed. Property
 * test against a naive split of the whole input.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IssueLog } from '../../src/core/issues.js';
import { LineSplitter } from '../../src/sources/line-splitter.js';
import { naiveLines } from './naive-lines.js';

const naive = naiveLines;

const line = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('€uro', 'é', '😀x', 'a\r', ''));

describe('LineSplitter: stopping after a line', () => {
  it('offsets at every stop are exact and every line comes out once (fast-check)', () => {
    fc.assert(fc.property(
      fc.array(line, { maxLength: 40 }), fc.boolean(), fc.array(fc.integer({ min: 1, max: 17 }), { minLength: 1, maxLength: 8 }),
      fc.array(fc.boolean(), { minLength: 1, maxLength: 16 }), fc.boolean(),
      (ls, lastNewline, chunkSizes, stopPattern, invalid) => {
        const text = ls.join('\n') + (lastNewline && ls.length ? '\n' : '');
        // An invalid UTF-8 byte takes the splitter's line-by-line path.
        const input = invalid ? Buffer.concat([Buffer.from([0xff]), Buffer.from(text)]) : Buffer.from(text);
        const ref = naive(input);
        const got: string[] = [];
        const stops: [number, number][] = []; // [lines so far, offset]
        let consumed = 0;
        let stopNext = false;
        const s = new LineSplitter((l) => {
          got.push(l);
          stopNext = stopPattern[got.length % stopPattern.length]!;
          return stopNext;
        }, new IssueLog(), 'test');
        let pos = 0;
        let c = 0;
        while (pos < input.length) {
          let chunk = input.subarray(pos, Math.min(input.length, pos + chunkSizes[c++ % chunkSizes.length]!));
          pos += chunk.length;
          for (;;) {
            stopNext = false;
            const used = s.push(chunk);
            consumed += used;
            if (stopNext) stops.push([got.length, consumed - s.heldBytes]);
            if (used === chunk.length) break;
            chunk = chunk.subarray(used);
          }
        }
        s.end();
        expect(got).toEqual(ref.lines);
        for (const [n, offset] of stops) expect(offset).toBe(ref.ends[n - 1]);
      },
    ), { numRuns: 400 });
  });
});
