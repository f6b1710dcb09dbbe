/**
 * `--parse csv`: comma-separated values with a header line (RFC 4180,
 * https://www.rfc-editor.org/rfc/rfc4180), parsed by Papa Parse.
 *
 * - The first record is the header: it gives the field names and produces no
 *   record (`parse` returns `undefined`). If it cannot be read, it is an
 *   error and so is every later record (`csv: no header: …`), rather than
 *   taking a data row for the header. A UTF-8 BOM before it is dropped;
 *   an empty name becomes `column_N` (N from 1) and a repeated name `name_2`,
 *   `name_3`, … so that no column is lost.
 * - Every later record is one row; its values are strings, exactly as written
 *   (no trimming, no number guessing); an empty field is `''`.
 * - Quoting per RFC 4180 §2: a field may be enclosed in `"`; inside, `""` is
 *   one `"`, the delimiter is literal, and so is a line break: **a record
 *   spans lines** while a quoted field is open. Lines arrive one by one from
 *   the line splitter, so the parser keeps the lines of an open record and
 *   returns `undefined` for them; the line that closes the field completes
 *   the record (its lines joined by their own line ends: a CRLF inside a
   field stays CRLF, an LF stays LF).
 *   A `"` inside an unquoted field is kept as text (as Python's csv module,
 *   Miller and Papa Parse do).
 * - An open record is bounded by `maxRecordChars` (default 16 Mi characters):
 *   beyond it the record is an error (`missing closing quote …`) and reading
 *   starts afresh at the next line. At end of input an open record is an
 *   error too (`finish()`); either way its text goes to `--dead-letter`.
 * - A row with a different number of fields than the header is an error.
 * - Each file of a watched directory starts with its own header (`startInput`).
 * - The delimiter is configurable (`options.delimiter`, one character, not
 *   `"`, CR or LF); default `,`.
 *
 * Record boundaries: a scan with `indexOf` tracks whether a quoted field is
 * open at the end of each line; each complete record is handed to
 * `Papa.parse` (papaparse, streaming-capable, RFC 4180). Measured on the
 * tweets CSV (12,118 records, 16,300 lines, CPU time on a loaded 2-core VM):
 * boundary scan 9 M records/s, `Papa.parse` per record 0.47 M/s (csv-parse's
 * stream API was 0.22 M/s, its sync API per record 0.06 M/s).
 */
import { createRequire } from 'node:module';
import { ConfigError } from '../core/errors.js';
import { excerpt, ParseError } from './errors.js';
import { contentEnd, pickEventTimeField, setField, type LineParser } from './line-parser.js';

/** Longest open record, in characters, before it is given up as an error. */
export const MAX_RECORD_CHARS = 16 * 1024 * 1024;

/**
 * Whether a quoted field is still open at the end of `line`.
 * @param line one line, without its line end.
 * @param open whether a quoted field was open at its start.
 * @param delimiter the delimiter (one character).
 */
export function endsInQuotedField(line: string, open: boolean, delimiter: string): boolean {
  const n = line.length;
  let i = 0;
  let fieldStart = !open;
  while (i < n) {
    if (open) {
      const q = line.indexOf('"', i);
      if (q === -1) return true;
      if (line.charCodeAt(q + 1) === 34) {
        i = q + 2; // "" inside quotes
        continue;
      }
      open = false;
      i = q + 1;
    } else if (fieldStart && line.charCodeAt(i) === 34) {
      open = true;
      fieldStart = false;
      i++;
    } else {
      const d = line.indexOf(delimiter, i);
      if (d === -1) return false;
      i = d + 1;
      fieldStart = true;
    }
  }
  return open;
}

/**
 * Follows which lines a csv parser of the same settings would hold as an open
 * record, as lines arrive (before they are parsed): `open` is true while a
 * quoted field is open at the end of the lines fed so far. As in the parser, a
 * record over `maxRecordChars` characters is given up (closed). Used by
 * `--batch-marker`, whose marker ends a batch only between records.
 */
export function csvRecordSpan(delimiter = ',', maxRecordChars = MAX_RECORD_CHARS): { readonly open: boolean; line(rawLine: string): void; reset(): void } {
  /** Length of the open record's text as the parser keeps it (its lines, their ends), or -1 when none is open. */
  let openChars = -1;
  return {
    get open() {
      return openChars >= 0;
    },
    line(rawLine: string): void {
      const end = contentEnd(rawLine);
      const line = end === rawLine.length ? rawLine : rawLine.slice(0, end);
      const chars = openChars < 0 ? line.length : openChars + 1 + line.length;
      openChars = endsInQuotedField(line, openChars >= 0, delimiter) && chars <= maxRecordChars ? chars + rawLine.length - end : -1;
    },
    reset(): void {
      openChars = -1;
    },
  };
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
 * Creates the `csv` parser (stateful: the first record it sees is the header,
 * and it keeps the lines of a record that spans lines).
 * @param delimiter one character, default `,`.
 * @param maxRecordChars longest record, in characters (default `MAX_RECORD_CHARS`).
 * @returns a parser whose records map header names to string values;
 *   `eventTimeField` becomes a time-like header name (`EVENT_TIME_CANDIDATES`)
 *   once the header is read.
 * @throws ConfigError when the delimiter is not one character, or is `"`, CR or LF.
 * Errors per record (ParseError): `csv: row has 4 fields, the header has 5`,
 *   `csv: missing closing quote (the record runs …)`.
 */
export function createCsvParser(delimiter = ',', maxRecordChars = MAX_RECORD_CHARS): LineParser {
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new ConfigError(`--parse csv: the delimiter must be one character other than a quote or a line break, got ${JSON.stringify(delimiter)}`);
  }
  // Papa Parse is loaded here, by csv jobs only (its import costs start-up time).
  const Papa = createRequire(import.meta.url)('papaparse') as typeof import('papaparse');
  const config = { delimiter, newline: '\n' as const, quoteChar: '"', escapeChar: '"', header: false, dynamicTyping: false, skipEmptyLines: false };
  let header: string[] | undefined;
  let headerError: ParseError | undefined;
  let eventTimeField: string | undefined;
  /** Lines of the record being read while a quoted field is open. */
  let open: string | undefined;
  /** Text of the last record completed over several lines (for `spanned`). */
  let spanned: string | undefined;

  const fields = (text: string): string[] => {
    if (text === '') return [''];
    const result = Papa.parse<string[]>(text, config);
    if (result.errors.length > 0) {
      const e = result.errors[0]!;
      throw new ParseError('csv', `${e.message.toLowerCase()} (${e.code}) at '${excerpt(text, 30)}'`);
    }
    if (result.data.length !== 1) throw new ParseError('csv', `expected one record, got ${result.data.length}`);
    return result.data[0]!;
  };

  const parser: LineParser = {
    name: 'csv',
    get eventTimeField() {
      return eventTimeField;
    },
    get spanned() {
      return spanned;
    },
    parse(rawLine: string): Record<string, unknown> | undefined {
      const end = contentEnd(rawLine);
      const line = end === rawLine.length ? rawLine : rawLine.slice(0, end);
      const text = open === undefined ? line : `${open}\n${line}`;
      spanned = open === undefined ? undefined : text;
      if (endsInQuotedField(line, open !== undefined, delimiter)) {
        if (text.length <= maxRecordChars) {
          // The line's own end is kept: a CRLF inside a quoted field stays CRLF.
          open = end === rawLine.length ? text : `${text}\r`;
          spanned = undefined;
          return undefined;
        }
        open = undefined;
        const e = new ParseError('csv', `missing closing quote: the record is over ${maxRecordChars} characters`);
        if (header === undefined) headerError ??= e;
        throw e;
      }
      open = undefined;
      if (header === undefined) {
        if (headerError) throw new ParseError('csv', `no header: the first line could not be read (${headerError.message})`);
        try {
          header = headerNames(fields(text));
        } catch (e) {
          headerError = e as ParseError;
          throw e;
        }
        eventTimeField = pickEventTimeField(header);
        return undefined;
      }
      const values = fields(text);
      if (values.length !== header.length) {
        const s = values.length === 1 ? '' : 's';
        throw new ParseError('csv', `row has ${values.length} field${s}, the header has ${header.length}`);
      }
      const record: Record<string, unknown> = {};
      for (let k = 0; k < header.length; k++) setField(record, header[k]!, values[k]);
      return record;
    },
    snapshot() {
      return { header: header ?? null, headerError: headerError?.message ?? null, open: open ?? null };
    },
    restore(data: unknown) {
      const d = data as { header: unknown; headerError: unknown; open: unknown };
      const strings = (x: unknown): x is string[] => Array.isArray(x) && x.every((v) => typeof v === 'string');
      if (d === null || typeof d !== 'object' || !(d.header === null || strings(d.header))
        || !(d.headerError === null || typeof d.headerError === 'string') || !(d.open === null || typeof d.open === 'string')) {
        throw new Error('not a csv parser state');
      }
      header = d.header ?? undefined;
      eventTimeField = header && pickEventTimeField(header);
      headerError = d.headerError === null ? undefined : new ParseError('csv', d.headerError.replace(/^csv: /, ''));
      open = d.open ?? undefined;
    },
    finish(): string | undefined {
      const left = open;
      open = undefined;
      spanned = left;
      return left;
    },
    startInput(): string | undefined {
      header = headerError = eventTimeField = undefined;
      return parser.finish!();
    },
  };
  return parser;
}
