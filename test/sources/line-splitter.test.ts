import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { IssueLog } from '../../src/core/issues.js';
import { LineSplitter } from '../../src/sources/line-splitter.js';

function split(chunks: Buffer[], max?: number) {
  const lines: string[] = [];
  const issues = new IssueLog();
  const s = new LineSplitter((l) => lines.push(l), issues, 'test', max);
  for (const c of chunks) s.push(c);
  s.end();
  return { lines, issues };
}

describe('LineSplitter', () => {
  it('splits LF and CRLF lines and keeps a last line without newline', () => {
    expect(split([Buffer.from('a\r\nb\n\nc')]).lines).toEqual(['a', 'b', '', 'c']);
    expect(split([Buffer.from('a\n')]).lines).toEqual(['a']);
    expect(split([Buffer.from('')]).lines).toEqual([]);
  });

  it('joins lines across chunks, including a CR/LF pair cut in two', () => {
    expect(split([Buffer.from('ab'), Buffer.from('c\r'), Buffer.from('\nd')]).lines).toEqual(['abc', 'd']);
  });

  it('replaces invalid UTF-8, keeps the line and counts it', () => {
    const { lines, issues } = split([Buffer.from([0x61, 0xff, 0x62, 0x0a, 0x63, 0x0a])]);
    expect(lines).toEqual(['a\uFFFDb', 'c']);
    expect(issues.counts['invalid-utf8']).toBe(1);
  });

  it('does not count a multi-byte character cut between chunks', () => {
    const euro = Buffer.from('€\n');
    const { lines, issues } = split([euro.subarray(0, 1), euro.subarray(1)]);
    expect(lines).toEqual(['€']);
    expect(issues.counts['invalid-utf8']).toBe(0);
  });

  it('skips and counts lines over the limit, inside a chunk and across chunks', () => {
    const { lines, issues } = split([Buffer.from('short\n0123456789\nok\n01234'), Buffer.from('56789\nend')], 8);
    expect(lines).toEqual(['short', 'ok', 'end']);
    expect(issues.counts['line-too-long']).toBe(2);
  });

  it('gives the same lines however the bytes are chunked', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', 'é', '€', '\n', '\r\n', '😀', 'xyz'), { maxLength: 40 }), fc.array(fc.nat(200), { maxLength: 8 }), (parts, cuts) => {
        const bytes = Buffer.from(parts.join(''));
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const chunks: Buffer[] = [];
        let prev = 0;
        for (const p of points) {
          chunks.push(bytes.subarray(prev, p));
          prev = p;
        }
        chunks.push(bytes.subarray(prev));
        const text = parts.join('');
        const expected = text === '' ? [] : text.replace(/\r\n/g, '\n').replace(/\n$/, '').split('\n');
        const { lines, issues } = split(chunks);
        expect(lines).toEqual(expected);
        expect(issues.counts['invalid-utf8']).toBe(0);
      }),
    );
  });
});
