/**
 * `LineSplitter.onText`: a consumer that takes whole decoded pieces of lines at once (the fused
 * count of hashtags) sees the same lines, in the same order, as line by line: the pieces' texts
 * split at LF (a CR before each LF or at the piece's end dropped, as the splitter drops it) and the
 * lines it declined or that came one by one (invalid UTF-8, a piece that may hold a line over
 * --max-line-bytes), against a naive split of the whole input; and each piece's line count is
 * its number of lines. Property test (fast-check).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IssueLog } from '../../src/core/issues.js';
import { LineSplitter } from '../../src/sources/line-splitter.js';
import { naiveLines } from './naive-lines.js';

const line = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 3000 }).map((n) => '#ab c'.repeat(n).slice(0, n)) },
  { weight: 1, arbitrary: fc.integer({ min: 60_000, max: 70_000 }).map((n) => 'L'.repeat(n)) },
  { weight: 2, arbitrary: fc.constantFrom('é€😀 #Été', 'x\r', '\r', '', ' ', '#end\r') },
  { weight: 1, arbitrary: fc.constant('\u0000bad') }, // replaced by an invalid byte below
);

function inputOf(lines: string[], lastNewline: boolean): Buffer {
  const parts = lines.map((l) => (l === '\u0000bad' ? Buffer.from([0x23, 0x62, 0xff, 0x61]) : Buffer.from(l)));
  return Buffer.concat(parts.flatMap((p, i) => (i < parts.length - 1 || lastNewline ? [p, Buffer.from('\n')] : [p])));
}

describe('LineSplitter.onText', () => {
  it('whole pieces and single lines together are the lines of a naive split (fast-check)', () => {
    fc.assert(fc.property(
      fc.array(line, { minLength: 1, maxLength: 80 }), fc.boolean(),
      fc.constantFrom(1 << 20, 65_536, 7_001), fc.constantFrom(16 * 1024 * 1024, 70_000, 5_000), fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
      (ls, lastNewline, chunkBytes, maxLineBytes, takes) => {
        const input = inputOf(ls, lastNewline);
        const issues = new IssueLog();
        const got: string[] = [];
        const s = new LineSplitter((l) => void got.push(l), issues, 'test', maxLineBytes);
        let asked = 0;
        s.onText = (text, n) => {
          if (!takes[asked++ % takes.length]) return false; // declined: the same lines come one by one
          const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
          expect(lines.length).toBe(n);
          got.push(...lines);
          return true;
        };
        for (let pos = 0; pos < input.length; pos += chunkBytes) expect(s.push(input.subarray(pos, pos + chunkBytes))).toBe(Math.min(chunkBytes, input.length - pos));
        s.end();
        // Lines over the limit are skipped (counted), whichever way the rest came.
        const ref = naiveLines(input).lines.filter((l) => Buffer.byteLength(l) <= maxLineBytes || l.includes('\ufffd'));
        expect(got).toEqual(ref);
      },
    ), { numRuns: 150 });
  });
});
