/**
 * Property: CSV written by `--format csv`'s field writer, records ending in CRLF or LF at random,
 * read back through the line splitter of a csv job (CR kept) and the csv parser, gives every field's
 * text exactly, CRLF and lone CR or LF inside fields included (RFC 4180).
 */
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { IssueLog } from '../../src/core/issues.js';
import { createCsvParser } from '../../src/parsers/csv.js';
import { csvField } from '../../src/sinks/format.js';
import { keepCarriageReturns, LineSplitter } from '../../src/sources/line-splitter.js';

afterEach(() => keepCarriageReturns(false));

const field = fc.array(fc.constantFrom('a', 'é', ',', '"', '\r\n', '\n', '\r', ' ', '😀'), { maxLength: 6 }).map((cs) => cs.join(''));

describe('csv line ends', () => {
  it('fields come back byte for byte, whatever their line breaks and the records\' line ends', () => {
    fc.assert(fc.property(fc.array(fc.tuple(field, field, fc.boolean()), { maxLength: 12 }), fc.integer({ min: 1, max: 7 }), (rows, chunk) => {
      keepCarriageReturns(true);
      const text = 'a,b\r\n' + rows.map(([x, y, crlf]) => `${csvField(x)},${csvField(y)}${crlf ? '\r\n' : '\n'}`).join('');
      const parser = createCsvParser();
      const got: unknown[] = [];
      const splitter = new LineSplitter((line) => {
        const r = parser.parse(line);
        if (r !== undefined) got.push(r);
      }, new IssueLog(), 'test');
      const bytes = Buffer.from(text);
      for (let i = 0; i < bytes.length; i += chunk) splitter.push(bytes.subarray(i, i + chunk));
      splitter.end();
      expect(parser.finish?.()).toBeUndefined();
      expect(got).toEqual(rows.map(([x, y]) => ({ a: x, b: y })));
    }), { numRuns: 300 });
  });
});
