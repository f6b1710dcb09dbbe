import { afterEach, describe, expect, it } from 'vitest';
import { IssueLog } from '../../src/core/issues.js';
import { keepCarriageReturns, LineSplitter } from '../../src/sources/line-splitter.js';

function split(chunks: Buffer[]): string[] {
  const lines: string[] = [];
  const s = new LineSplitter((l) => void lines.push(l), new IssueLog(), 'test');
  for (const c of chunks) s.push(c);
  s.end();
  return lines;
}

afterEach(() => keepCarriageReturns(false));

describe('LineSplitter with keepCarriageReturns (--parse csv)', () => {
  it('keeps the CR of CRLF on the fast path, the invalid-UTF-8 path, a line across chunks and a last line', () => {
    keepCarriageReturns(true);
    expect(split([Buffer.from('a\r\nb\n\r\nc\r')])).toEqual(['a\r', 'b', '\r', 'c\r']);
    expect(split([Buffer.from([0x61, 0xff, 0x0d, 0x0a, 0x62, 0x0a])])).toEqual(['a\uFFFD\r', 'b']);
    expect(split([Buffer.from('ab'), Buffer.from('c\r'), Buffer.from('\nd')])).toEqual(['abc\r', 'd']);
  });

  it('applies to splitters made after the call; the default drops the CR', () => {
    expect(split([Buffer.from('a\r\nb\r\n')])).toEqual(['a', 'b']);
    keepCarriageReturns(true);
    expect(split([Buffer.from('a\r\nb\r\n')])).toEqual(['a\r', 'b\r']);
    keepCarriageReturns(false);
    expect(split([Buffer.from('a\r\nb\r\n')])).toEqual(['a', 'b']);
  });
});
