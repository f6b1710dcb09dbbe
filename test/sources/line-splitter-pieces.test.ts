/**
 * LineSplitter decodes the complete lines of a chunk in pieces of at most
 * 64 KiB, cut at line ends, with an ASCII (latin1) fast path: inputs far
 * larger than a piece, with lines that straddle piece boundaries, lines longer
 * than a piece, non-ASCII and invalid UTF-8 pieces among ASCII ones, give the
 * lines of a naive split of the whole input, and a stop after any line
 * reports the exact byte offset after it. Property test (fast-check).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IssueLog } from '../../src/core/issues.js';
import { LineSplitter } from '../../src/sources/line-splitter.js';
import { naiveLines } from './naive-lines.js';

/** A line: mostly ASCII of any length up to 1.5 pieces, sometimes non-ASCII, CRLF or invalid UTF-8. */
const line = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 9000 }).map((n) => 'a'.repeat(n)) },
  { weight: 1, arbitrary: fc.integer({ min: 60_000, max: 100_000 }).map((n) => 'L'.repeat(n)) },
  { weight: 1, arbitrary: fc.constantFrom('é€😀', 'x\r', '', ' ') },
  { weight: 1, arbitrary: fc.constant('\u0000bad') }, // replaced by an invalid byte below
);

function inputOf(lines: string[], lastNewline: boolean): Buffer {
  const parts = lines.map((l) => (l === '\u0000bad' ? Buffer.from([0x62, 0xff, 0x61]) : Buffer.from(l)));
  const nl = Buffer.from('\n');
  const all: Buffer[] = [];
  parts.forEach((p, i) => {
    all.push(p);
    if (i < parts.length - 1 || lastNewline) all.push(nl);
  });
  return Buffer.concat(all);
}

describe('LineSplitter: decoding in pieces', () => {
  it('lines and stop offsets equal a naive split, over piece boundaries (fast-check)', () => {
    fc.assert(fc.property(
      fc.array(line, { minLength: 1, maxLength: 60 }), fc.boolean(),
      fc.constantFrom(1 << 20, 200_000, 65_536, 65_537, 7_001), fc.integer({ min: 0, max: 80 }),
      (ls, lastNewline, chunkBytes, stopAt) => {
        const input = inputOf(ls, lastNewline);
        const ref = naiveLines(input);
        const got: string[] = [];
        let stopOffset = -1;
        let consumed = 0;
        let stopNow = false;
        const issues = new IssueLog();
        const s = new LineSplitter((l) => {
          got.push(l);
          stopNow = got.length === stopAt;
          return stopNow;
        }, issues, 'test');
        for (let pos = 0; pos < input.length;) {
          let chunk = input.subarray(pos, Math.min(input.length, pos + chunkBytes));
          pos += chunk.length;
          for (;;) {
            stopNow = false;
            const used = s.push(chunk);
            consumed += used;
            if (stopNow) stopOffset = consumed - s.heldBytes;
            if (used === chunk.length) break;
            chunk = chunk.subarray(used);
          }
        }
        s.end();
        expect(got.length).toBe(ref.lines.length);
        expect(got).toEqual(ref.lines);
        if (stopAt >= 1 && stopAt <= ref.lines.length && stopOffset !== -1) expect(stopOffset).toBe(ref.ends[stopAt - 1]);
        expect(issues.counts['invalid-utf8']).toBe(ls.filter((l) => l === '\u0000bad').length);
      },
    ), { numRuns: 150 });
  });

  it('an ASCII log of 3 MiB in 1 MiB chunks: every line, in order', () => {
    const lines = Array.from({ length: 30_000 }, (_, i) => `10.0.${i % 256}.${i % 7} - - "GET /p/${i} HTTP/1.1" 200 ${i * 3}`);
    const input = Buffer.from(lines.join('\n') + '\n');
    const got: string[] = [];
    const s = new LineSplitter((l) => void got.push(l), new IssueLog(), 'test');
    for (let pos = 0; pos < input.length; pos += 1 << 20) expect(s.push(input.subarray(pos, pos + (1 << 20)))).toBe(Math.min(1 << 20, input.length - pos));
    s.end();
    expect(got).toEqual(lines);
  });
});
