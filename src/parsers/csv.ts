/**
 * `--parse csv`: comma-separated values with a header line (RFC 4180,
 * https://www.rfc-editor.org/rfc/rfc4180).
 *
 * - The first line is the header: it gives the field names and produces no
 *   record (`parse` returns `undefined`). If it cannot be read, it is an
 *   error and so is every later line (`csv: no header: …`), rather than
 *   taking a data row for the header. A UTF-8 BOM before it is dropped;
 *   an empty name becomes `column_N` (N from 1) and a repeated name `name_2`,
 *   `name_3`, … so that no column is lost.
 * - Every later line is one row; its values are strings, exactly as written
 *   (no trimming, no number guessing); an empty field is `''`.
 * - Quoting per RFC 4180 §2: a field may be enclosed in `"`; inside, `""` is
 *   one `"`, and the delimiter is literal. A `"` in an unquoted field, or text
 *   between a closing quote and the next delimiter, is an error.
 * - A row with a different number of fields than the header is an error.
 * - Line mode: a quoted field containing a line break (allowed by RFC 4180)
 *   cannot be seen whole, because input is cut into lines first. Such a row
 *   is an error (`missing closing quote`) and so, usually, are its
 *   continuation lines (wrong field count or a stray quote; all 5,955 such
 *   lines of the test data's tweets CSV are) — they are counted and kept by
 *   `--dead-letter`, never merged silently.
 * - The delimiter is configurable (`options.delimiter`, one character, not
 *   `"`, CR or LF); default `,`.
 *
 * Hand-written scanner: `indexOf` for the next delimiter and the next quote.
 * Measured with `bench/parsers.js` on the 10,344 one-line rows of the tweets
 * CSV: scanner 4.7 M lines/s, a global field regex 2.4 M. On every line of
 * the file (a third of them errors) 2.3 M.
 */
import { ConfigError } from '../core/errors.js';
import { excerpt, ParseError } from './errors.js';
import { contentEnd, pickEventTimeField, setField, type LineParser } from './line-parser.js';

/**
 * Splits one CSV line into its fields (RFC 4180 quoting).
 * @param line the line, without its line end.
 * @param delimiter the delimiter's char code (44 for `,`).
 * @throws ParseError for an unterminated quoted field, a quote in an unquoted
 *   field, or text after a closing quote.
 */
export function splitCsvLine(line: string, delimiter: number): string[] {
  const end = contentEnd(line);
  const delim = String.fromCharCode(delimiter);
  const fields: string[] = [];
  let i = 0;
  let nextQuote = line.indexOf('"');
  for (;;) {
    if (i < end && line.charCodeAt(i) === 34) {
      // Quoted field: "" is one quote; runs to the lone closing quote.
      let value = '';
      let seg = ++i;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q === -1 || q >= end) {
          throw new ParseError('csv', `missing closing quote of field ${fields.length + 1} (a quoted field cannot span lines in line mode)`);
        }
        if (q + 1 < end && line.charCodeAt(q + 1) === 34) {
          value += line.slice(seg, q + 1);
          i = seg = q + 2;
          continue;
        }
        value += line.slice(seg, q);
        i = q + 1;
        break;
      }
      fields.push(value);
      nextQuote = line.indexOf('"', i);
      if (i === end) return fields;
      if (line.charCodeAt(i) !== delimiter) {
        throw new ParseError('csv', `expected '${delim}' or the end of the line after the closing quote of field ${fields.length}, got '${excerpt(line.slice(i, end), 10)}'`);
      }
      i++;
    } else {
      let d = line.indexOf(delim, i);
      if (d === -1 || d > end) d = end;
      if (nextQuote !== -1 && nextQuote < d) {
        throw new ParseError('csv', `unexpected quote in unquoted field ${fields.length + 1} (RFC 4180: enclose the field in quotes and double the quote)`);
      }
      fields.push(line.slice(i, d));
      if (d === end) return fields;
      i = d + 1;
    }
  }
}

/** Field names from the header's values: BOM dropped, empty → `column_N`, repeated → `name_2`… */
function headerNames(values: string[]): string[] {
  if (values.length > 0 && values[0]!.charCodeAt(0) === 0xfeff) values[0] = values[0]!.slice(1);
  const seen = new Set<string>();
  return values.map((v, k) => {
    let name = v === '' ? `column_${k + 1}` : v;
    for (let n = 2; seen.has(name); n++) name = `${v === '' ? `column_${k + 1}` : v}_${n}`;
    seen.add(name);
    return name;
  });
}

/**
 * Creates the `csv` parser (stateful: the first line it sees is the header).
 * @param delimiter one character, default `,`.
 * @returns a parser whose records map header names to string values;
 *   `eventTimeField` becomes a time-like header name (`EVENT_TIME_CANDIDATES`)
 *   once the header is read.
 * @throws ConfigError when the delimiter is not one character, or is `"`, CR or LF.
 * Errors per line (ParseError): `csv: row has 4 fields, the header has 5`,
 *   `csv: missing closing quote of field 5 (...)`, `csv: unexpected quote in unquoted field 2 (...)`,
 *   `csv: expected ',' or the end of the line after the closing quote of field 1, got 'x'`.
 */
export function createCsvParser(delimiter = ','): LineParser {
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new ConfigError(`--parse csv: the delimiter must be one character other than a quote or a line break, got ${JSON.stringify(delimiter)}`);
  }
  const code = delimiter.charCodeAt(0);
  let header: string[] | undefined;
  let headerError: ParseError | undefined;
  let eventTimeField: string | undefined;
  return {
    name: 'csv',
    get eventTimeField() {
      return eventTimeField;
    },
    parse(line: string): Record<string, unknown> | undefined {
      if (header === undefined) {
        if (headerError) throw new ParseError('csv', `no header: the first line could not be read (${headerError.message})`);
        try {
          header = headerNames(splitCsvLine(line, code));
        } catch (e) {
          headerError = e as ParseError;
          throw e;
        }
        eventTimeField = pickEventTimeField(header);
        return undefined;
      }
      const values = splitCsvLine(line, code);
      if (values.length !== header.length) {
        const s = values.length === 1 ? '' : 's';
        throw new ParseError('csv', `row has ${values.length} field${s}, the header has ${header.length}`);
      }
      const record: Record<string, unknown> = {};
      for (let k = 0; k < header.length; k++) setField(record, header[k]!, values[k]);
      return record;
    },
  };
}
