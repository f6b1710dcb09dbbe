/**
 * Property: `csvRecordSpan` (which `--batch-marker` asks whether a record is open) says "open"
 * after exactly the lines after which the csv parser of the same settings holds an open record:
 * quoted fields over several lines, `""`, quotes inside unquoted fields, CRLF line ends, other
 * delimiters, and records given up for being over the length limit.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createCsvParser, csvRecordSpan } from '../../src/parsers/csv.js';

const line = fc.array(fc.constantFrom('a', '"', '""', ',', ';', ' ', 'x"y', '\r'), { maxLength: 8 }).map((cs) => cs.join(''));

describe('csvRecordSpan', () => {
  it('is open after the same lines as the parser', () => {
    fc.assert(fc.property(fc.array(line, { maxLength: 30 }), fc.constantFrom(',', ';'), fc.integer({ min: 1, max: 40 }), (lines, delimiter, maxChars) => {
      const parser = createCsvParser(delimiter, maxChars);
      const span = csvRecordSpan(delimiter, maxChars);
      for (const l of lines) {
        try {
          parser.parse(l);
        } catch {
          // a bad record: the parser goes on with the next line
        }
        span.line(l);
        expect(span.open).toBe((parser.snapshot!() as { open: string | null }).open !== null);
      }
    }), { numRuns: 500 });
  });

  it('reset() closes an open record, as the next file of a directory does', () => {
    const span = csvRecordSpan();
    span.line('1,"open');
    expect(span.open).toBe(true);
    span.reset();
    expect(span.open).toBe(false);
  });
});
