/**
 * `--header` into an `--output FILE` that already has rows (a second run, a
 * cron job appending): the file's first line is its header, so this run's
 * rows go under the file's columns, not under the columns its own first record
 * would make (a record `{b, a}` after a header `a,b` would otherwise be
 * written swapped). A record field the file has no column for is said as any
 * field outside the header (format-sink.ts); a file whose header cannot hold
 * this run's records (window columns, or `key,value` against an object's
 * fields) is refused before a row is written.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { DStreamError } from '../core/errors.js';
import { headerLine, type Columns } from './format.js';

/** How much of the file is read for its header line (a header longer than this is not one dstream wrote). */
const MAX_HEADER_BYTES = 1 << 20;

/**
 * The first line of `path` (without its line end), or null when the file is empty.
 * @throws DStreamError (exit 1) when the file cannot be read.
 */
export function firstLine(path: string): string | null {
  const first = readFirstLine(path);
  return first && first.line;
}

/**
 * The line end of the file at `path`: its first line's, CRLF or LF; LF when it is empty, its first
 * line has no end yet, it is not a regular file (a pipe, `/dev/stdout`: not read), or it cannot be
 * read (a file one may append to but not read).
 */
export function lineEndOf(path: string): '\n' | '\r\n' {
  try {
    return statSync(path).isFile() && readFirstLine(path)?.crlf ? '\r\n' : '\n';
  } catch {
    return '\n';
  }
}

/** The first line of `path` (`crlf`: it ends in CRLF), or null when the file is empty. @throws DStreamError when unreadable. */
function readFirstLine(path: string): { line: string; crlf: boolean } | null {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const buf = Buffer.alloc(MAX_HEADER_BYTES);
    const n = readSync(fd, buf, 0, buf.length, 0);
    if (n === 0) return null;
    const end = buf.subarray(0, n).indexOf(10);
    const line = buf.toString('utf8', 0, end < 0 ? n : end);
    const crlf = end >= 0 && line.endsWith('\r');
    return { line: line.endsWith('\r') ? line.slice(0, -1) : line, crlf };
  } catch (e) {
    throw new DStreamError('E_OUTPUT', 'sending', `--output: cannot read the first line of '${path}': ${(e as Error).message}`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * The column names of header line `line` (tsv: `\t`-separated, `\\t` `\\n` `\\r` `\\\\` escapes; csv: RFC 4180,
 * quoted or not); a byte order mark before it (a spreadsheet's export) is no part of the first name.
 */
export function headerNames(line: string, format: 'tsv' | 'csv'): string[] {
  if (line.charCodeAt(0) === 0xfeff) line = line.slice(1);
  if (format === 'tsv') return line.split('\t').map((f) => f.replace(/\\([\\tnr])/g, (_, c: string) => (c === 't' ? '\t' : c === 'n' ? '\n' : c === 'r' ? '\r' : '\\')));
  const Papa = createRequire(import.meta.url)('papaparse') as typeof import('papaparse');
  const parsed = Papa.parse<string[]>(line, { delimiter: ',', quoteChar: '"', escapeChar: '"', header: false });
  return parsed.data[0] ?? [''];
}

/**
 * The columns this run writes under when appending to a file whose header line is `line`; `mine`
 * are the columns of this run's first record (format.ts `columnsOf`).
 * - the same header, or the same names (quoted, after a byte order mark): `mine`;
 * - object records: the file's fields, in the file's order (window columns must agree, and one
 *   field at least must be the record's: a first line naming none is not a header for them);
 * - anything else: refused.
 * @throws DStreamError (exit 1) when the file's header cannot hold this run's records.
 */
export function appendedColumns(line: string, mine: Columns, format: 'tsv' | 'csv', path: string): Columns {
  if (headerLine(mine, format) === line) return mine;
  const names = headerNames(line, format);
  // The same names, quoted or after a byte order mark: `"key","value"`, `\uFEFFkey,value`.
  if (names.length === mine.names.length && names.every((n, i) => n === mine.names[i])) return mine;
  const windowed = names[0] === 'window_start' && names[1] === 'window_end';
  const fields = windowed ? names.slice(2) : names;
  // The file's first line names at least one of the record's fields: it is a header (else a row, or another job's header).
  if (mine.fields && windowed === mine.windowed && mine.fields.some((f) => fields.includes(f))) {
    return { windowed, fields, fieldSet: new Set(fields), names };
  }
  throw new DStreamError('E_OUTPUT', 'sending', `--header: '${path}' starts with the line ${visible(line)}, but this run's records make the columns ${JSON.stringify(headerLine(mine, format))}: appended rows would stand under the wrong columns, so none is written (write to another file, or move this one away)`);
}

/** `line` as a JSON string, with a byte order mark (invisible in a terminal) written `\uFEFF`. */
function visible(line: string): string {
  return JSON.stringify(line).replace(/\uFEFF/g, '\\uFEFF');
}
