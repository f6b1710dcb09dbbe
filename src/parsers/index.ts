/**
 * Log parsers behind `--parse FORMAT`: each turns one input line into a
 * record (an object of fields), or throws a `ParseError` saying what was
 * expected.
 *
 * | FORMAT          | file            | spec followed                         |
 * |-----------------|-----------------|---------------------------------------|
 * | `json`          | `json.ts`       | JSON Lines (RFC 8259 objects)          |
 * | `logfmt`        | `logfmt.ts`     | the logfmt convention (brandur.org/logfmt, go-logfmt) |
 * | `csv`           | `csv.ts`        | RFC 4180, header, records over lines (Papa Parse) |
 * | `combined`      | `access-log.ts` | Apache/nginx combined log format       |
 * | `common`        | `access-log.ts` | Apache Common Log Format               |
 * | `syslog`        | `syslog.ts`, `rfc5424.ts` | RFC 3164 and RFC 5424        |
 * | `regex:PATTERN` | `regex.ts`      | JavaScript named groups                |
 *
 * Throughput measured with `bench/parsers.js` (Node 20.20, a shared 2-core
 * VM, best of 15 rounds of 0.3 s over the real test data), lines/s:
 *
 *     json      weird.json (290 B lines)                 1.8 M
 *     json      nginxplus_json_logs (5.5 KB lines)      60 k  (~330 MB/s, JSON.parse)
 *     logfmt    apache_logs rewritten as logfmt          1.3 M  (regex alternative 0.9 M)
 *     csv       tweets CSV (Papa Parse per record)       0.47 M records/s (CPU time; see csv.ts)
 *     combined  apache_logs                              5.1 M  (regex alternative 3.1 M)
 *     syslog    Linux_2k + OpenSSH_2k + auth.log         4.3 M  (5.5 M with `year`; regex 2.1 M)
 *     regex     apache_logs, 5 named groups              4.8 M
 *
 * A rejected line costs ~0.9 µs (a ParseError without stack frames; 3 µs with them).
 */
import { ConfigError } from '../core/errors.js';
import { createCombinedParser, createCommonParser } from './access-log.js';
import { createCsvParser } from './csv.js';
import { createJsonParser } from './json.js';
import { EVENT_TIME_CANDIDATES, type LineParser, type ParserOptions } from './line-parser.js';
import { createLogfmtParser } from './logfmt.js';
import { createRegexParser } from './regex.js';
import { createSyslogParser } from './syslog.js';

export { ParseError } from './errors.js';
export { csvRecordSpan } from './csv.js';
export { EVENT_TIME_CANDIDATES, type LineParser, type ParserOptions } from './line-parser.js';

/** The format names `createParser` knows (`regex` takes its pattern after a colon). */
export const PARSE_FORMATS: readonly string[] = ['json', 'logfmt', 'csv', 'combined', 'common', 'syslog', 'regex:PATTERN'];

/**
 * Creates the parser for a `--parse` value.
 * @param spec `json`, `logfmt`, `csv`, `combined`, `common`, `syslog` or
 *   `regex:PATTERN` (everything after the first colon is the pattern).
 * @param options `delimiter` (csv, one character, default `,`), `year` and
 *   `now` (syslog year inference, epoch ms); options a format does not use
 *   are ignored.
 * @returns a new parser; parsers are stateful (csv remembers its header), so
 *   use one per input stream.
 * @throws ConfigError for an unknown format, a bad regex or one without named
 *   groups, a bad csv delimiter or syslog year.
 */
export function createParser(spec: string, options: ParserOptions = {}): LineParser {
  if (spec.startsWith('regex:')) return createRegexParser(spec.slice('regex:'.length));
  switch (spec) {
    case 'json':
      return createJsonParser();
    case 'logfmt':
      return createLogfmtParser();
    case 'csv':
      return createCsvParser(options.delimiter);
    case 'combined':
      return createCombinedParser();
    case 'common':
      return createCommonParser();
    case 'syslog':
      return createSyslogParser({ year: options.year, now: options.now });
    case 'regex':
      throw new ConfigError("--parse regex needs a pattern with named groups: regex:'^(?<ip>\\S+) (?<rest>.*)$'");
    default:
      throw new ConfigError(`--parse: unknown format '${spec}'; use one of ${PARSE_FORMATS.join(', ')}`);
  }
}

/**
 * The default event time of a parsed record, for `--event-time auto`.
 * @param record a record returned by `parser.parse`.
 * @param parser the parser that produced it.
 * @returns `record[parser.eventTimeField]` when the parser names a field;
 *   otherwise the first of `EVENT_TIME_CANDIDATES` (`@timestamp`, `timestamp`,
 *   `time`, `ts`, …) present in the record. Only a string, a finite number or
 *   a BigInt is returned (to be read by `toEventTimeMs`: a numeric epoch, unit
 *   by magnitude, or a time string);
 *   anything else, or no such field, gives `undefined`.
 */
export function autoEventTime(record: Record<string, unknown>, parser: LineParser): string | number | bigint | undefined {
  const field = parser.eventTimeField ?? EVENT_TIME_CANDIDATES.find((c) => Object.hasOwn(record, c));
  const value = field === undefined ? undefined : record[field];
  if (typeof value === 'string' || typeof value === 'bigint') return value;
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
