/**
 * The contract every `--parse` format implements, and small helpers shared by
 * the scanners.
 */

/**
 * A parser for one line-oriented log format.
 *
 * `parse` is called once per line, in input order, on the hot path. Lines come
 * from the line splitter without their line end; a stray trailing CR (CRLF
 * input read some other way) is ignored by every format.
 */
export interface LineParser {
  /** The format name: `json`, `logfmt`, `csv`, `combined`, `common`, `syslog` or `regex`. */
  readonly name: string;
  /**
   * Parses one line.
   * @param repaired called (before returning) when the line did not follow
   *   the format but was read anyway, with what was mended, e.g. `missing
   *   closing quote of the user agent: taken to the end of the line`; the
   *   caller counts and reports it. Without it such a line is an error.
   * @returns the record (field name → value), or `undefined` when the line was
   *   consumed without producing a record (the CSV header).
   * @throws ParseError (`parsers/errors.ts`) when the line does not follow the
   *   format; the message says what was expected.
   */
  parse(line: string, repaired?: (message: string) => void): Record<string, unknown> | undefined;
  /**
   * The field `--event-time auto` reads, when the format fixes it (`time` for
   * access logs, `timestamp` for syslog, a time-like column of a CSV header
   * once it is read, a time-like named group of a regex); `undefined` when it
   * is only known per record (JSON) — see `autoEventTime`.
   */
  readonly eventTimeField: string | undefined;
  /**
   * For formats whose records may span lines (csv): the whole text of the
   * record that the last `parse` completed (or failed on), when it spanned
   * several lines; `undefined` after a one-line record. The caller reports
   * and dead-letters this text rather than the last line alone.
   */
  readonly spanned?: string | undefined;
  /**
   * Ends the input (formats whose records may span lines).
   * @returns the text of a record left incomplete (for csv: a quoted field
   *   never closed), a bad record for the caller to report; `undefined` when none.
   */
  finish?(): string | undefined;
  /**
   * A new input begins (the next file of a watched directory), whose first record is its own header
   * (csv): ends the last input as `finish()` does, and forgets the header.
   * @returns as `finish()`.
   */
  startInput?(): string | undefined;
  /** For stateful formats (csv: the header, an open record): the state as plain data, for checkpoints. */
  snapshot?(): unknown;
  /**
   * Takes back a `snapshot()`.
   * @throws Error when `data` is not a snapshot of this format.
   */
  restore?(data: unknown): void;
}

/** Options of `createParser`. */
export interface ParserOptions {
  /** CSV field delimiter, one character; default `,`. */
  delimiter?: string;
  /** Year of RFC 3164 syslog timestamps (which have none); default: inferred, see `syslog.ts`. */
  year?: number;
  /** Clock for the syslog year inference, epoch ms; default `Date.now`. */
  now?: () => number;
}

/**
 * Field names tried, in this order, by `--event-time auto` when the format
 * does not fix one (JSON objects, CSV headers, regex groups).
 */
export const EVENT_TIME_CANDIDATES: readonly string[] = [
  '@timestamp', 'timestamp', 'time', 'ts', 'datetime', 'date', 'created_at', 'event_time', 'eventTime',
];

/** The first of `EVENT_TIME_CANDIDATES` among `names`, or `undefined`. */
export function pickEventTimeField(names: readonly string[]): string | undefined {
  return EVENT_TIME_CANDIDATES.find((c) => names.includes(c));
}

/** Index just past the line's content: `line.length`, minus one for a trailing CR. */
export function contentEnd(line: string): number {
  const n = line.length;
  return n > 0 && line.charCodeAt(n - 1) === 13 ? n - 1 : n;
}

/**
 * Sets `record[key] = value` as an own property, also for the key
 * `__proto__` (which a plain assignment would turn into a prototype change).
 */
export function setField(record: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    record[key] = value;
  }
}
