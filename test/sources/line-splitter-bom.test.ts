/** The byte order mark at the start of a stream, however the stream is cut into chunks. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IssueLog } from '../../src/core/issues.js';
import { ByteOrderMark } from '../../src/sources/byte-order-mark.js';
import { LineSplitter } from '../../src/sources/line-splitter.js';

/** Lines of `bytes` fed in the given chunk sizes (the rest in one chunk); `streamStart` as the splitter's. */
function split(bytes: Buffer, cuts: number[], streamStart = true): string[] {
  const lines: string[] = [];
  const s = new LineSplitter((l) => lines.push(l), new IssueLog(), 'test', 1 << 20, streamStart);
  let pos = 0;
  for (const c of cuts) {
    if (pos >= bytes.length) break;
    s.push(bytes.subarray(pos, pos + c));
    pos += c;
  }
  if (pos < bytes.length) s.push(bytes.subarray(pos));
  s.end();
  return lines;
}

/** Reference: decode the whole input, drop one leading U+FEFF, split at LF (CR before LF dropped), keep a last unterminated line. */
function reference(bytes: Buffer): string[] {
  let text = bytes.toString('utf8');
  if (bytes.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf]))) text = text.slice(1);
  if (text === '') return [];
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (text.endsWith('\n')) lines.pop();
  return lines;
}

describe('LineSplitter: byte order mark', () => {
  it('drops one BOM at the start of the stream only', () => {
    expect(split(Buffer.from('\ufeffa\n\ufeffb\n'), [])).toEqual(['a', '\ufeffb']);
    expect(split(Buffer.from('\ufeffa\n'), [1, 1, 1, 1])).toEqual(['a']);
    expect(split(Buffer.from('\ufeff'), [1, 1])).toEqual([]);
    expect(split(Buffer.from('\ufeffa\n'), [], false)).toEqual(['\ufeffa']);
  });

  it('any chunking gives the lines of the whole input without its BOM (property)', () => {
    const bytes = fc.oneof(
      fc.constantFrom(0xef, 0xbb, 0xbf, 0x0a, 0x0d, 0x61),
      fc.integer({ min: 0, max: 255 }),
    );
    fc.assert(fc.property(fc.boolean(), fc.array(bytes, { maxLength: 12 }), fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 8 }), (bom, body, cuts) => {
      const input = Buffer.from([...(bom ? [0xef, 0xbb, 0xbf] : []), ...body]);
      // Invalid UTF-8 decodes the same whole or per line only when lines are cut at LF: compare line by line.
      expect(split(input, cuts)).toEqual(reference(input));
    }), { numRuns: 3000 });
  });

  it('ByteOrderMark hands back the bytes that only looked like a BOM', () => {
    const m = new ByteOrderMark();
    expect(m.scan(Buffer.from([0xef]))).toEqual({ skip: 1, held: null });
    expect(m.scan(Buffer.from([0xbb, 0x41]))).toEqual({ skip: 0, held: Buffer.from([0xef]) });
    expect(m.pending).toBe(false);
  });
});
