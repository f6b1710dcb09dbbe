/**
 * Property test: records written as RFC 4180 CSV (fields with delimiters,
 * quotes, CR/LF line breaks), cut into lines as the line splitter cuts them
 * and fed to `--parse csv` one line at a time, come back exactly (a CRLF
 * inside a field comes back as LF, as documented).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createCsvParser } from '../../src/parsers/csv.js';

/** RFC 4180 writing: quote a field holding the delimiter, a quote, CR or LF (or always, if asked). */
function field(v: string, delimiter: string, always: boolean): string {
  return always || v.includes(delimiter) || /["\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** Lines as the line splitter gives them: cut at LF, a CR before the LF dropped. */
function splitLines(text: string): string[] {
  return text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

const chars = fc.constantFrom('a', 'b', ' ', ',', ';', '"', '\n', '\r\n', 'é', '😀', '\t');
const value = fc.array(chars, { maxLength: 6 }).map((c) => c.join(''));

describe('--parse csv reads back what RFC 4180 wrote', () => {
  it('random records, line by line', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }).chain((width) => fc.tuple(fc.constant(width), fc.array(fc.array(value, { minLength: width, maxLength: width }), { maxLength: 8 }))),
        fc.constantFrom(',', ';', '\t'),
        fc.boolean(),
        ([width, rows], delimiter, always) => {
          const names = Array.from({ length: width }, (_, k) => `c${k}`);
          // A one-column record that is empty would be an empty line: write it quoted.
          const line = (vs: string[]) => vs.map((v) => field(v, delimiter, always || (width === 1 && v === ''))).join(delimiter);
          const text = [names.join(delimiter), ...rows.map(line)].join('\r\n');
          const csv = createCsvParser(delimiter);
          const got: Record<string, unknown>[] = [];
          for (const l of splitLines(text)) {
            const r = csv.parse(l);
            if (r !== undefined) got.push(r);
          }
          expect(csv.finish!()).toBeUndefined();
          const want = rows.map((vs) => Object.fromEntries(vs.map((v, k) => [names[k], v.replace(/\r\n/g, '\n')])));
          expect(got).toEqual(want);
        },
      ),
      { numRuns: 1500 },
    );
  });
});
