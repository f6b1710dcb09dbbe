/**
 * Help topics beyond the flags: `dstream help parse` (the fields of each
 * `--parse` format) and `dstream help functions` (the helpers available
 * inside FN). The same lists are in the man page's FIELDS and FUNCTIONS
 * sections; test/docs/fields.test.ts checks that they agree with each other
 * and with what the parsers produce.
 */
import { EVENT_TIME_CANDIDATES } from '../parsers/index.js';
import { commandLines, wrapHelp } from './help.js';

/** One `--parse` format and the fields of its records. */
export interface ParseFormatDoc {
  format: string;
  what: string;
  /** `[field, description]`; for formats whose fields come from the input, one line saying so. */
  fields: [string, string][];
  /** What `--event-time auto` reads. */
  eventTime: string;
}

const AUTO_BY_NAME = `the first field named ${EVENT_TIME_CANDIDATES.join(', ')}`;

const ACCESS_LOG_FIELDS: [string, string][] = [
  ['remote_addr', 'client address or host name'],
  ['ident', 'RFC 1413 identity; null for -'],
  ['user', 'authenticated user; null for -'],
  ['time', '17/May/2015:10:05:03 +0000, without the brackets'],
  ['request', 'the request line as logged: GET /a HTTP/1.1'],
  ['method', 'GET; null when the request line is not METHOD PATH PROTOCOL'],
  ['path', '/a?q=1, with the query string; null likewise'],
  ['protocol', 'HTTP/1.1; null likewise'],
  ['status', 'number'],
  ['bytes', 'number; null for - (no body)'],
];

/** Every `--parse` format with its fields, in `--parse` order. */
export const PARSE_FORMAT_DOCS: readonly ParseFormatDoc[] = [
  { format: 'json', what: 'one JSON object per line (JSON Lines)', fields: [['*', 'the object\'s own keys; nested values as parsed']], eventTime: AUTO_BY_NAME },
  { format: 'logfmt', what: 'key=value pairs (Heroku, Go slog, logrus)', fields: [['*', 'one field per key, values strings; a bare key is true']], eventTime: AUTO_BY_NAME },
  { format: 'csv', what: 'RFC 4180 with a header line (--delimiter)', fields: [['*', 'one field per header column, values strings; an empty name is column_N, a repeated one name_2']], eventTime: AUTO_BY_NAME },
  { format: 'combined', what: 'Apache/nginx combined access log', fields: [...ACCESS_LOG_FIELDS, ['referrer', 'Referer header; null for -'], ['user_agent', 'User-Agent header; null for -']], eventTime: 'time' },
  { format: 'common', what: 'Apache Common Log Format', fields: ACCESS_LOG_FIELDS, eventTime: 'time' },
  {
    format: 'syslog', what: 'RFC 3164 (/var/log/syslog, auth.log) and RFC 5424', eventTime: 'timestamp',
    fields: [
      ['pri', 'the <PRI> number, when the line has one'],
      ['facility', 'pri >> 3, when the line has <PRI>'],
      ['severity', 'pri & 7, when the line has <PRI>'],
      ['timestamp', 'RFC 3164: YYYY-MM-DDThh:mm:ss (year inferred, or --year; zone-less); RFC 5424: as written'],
      ['host', 'the host name'],
      ['app', 'the program (the tag before [pid]:): sshd, CRON; null when there is no tag'],
      ['pid', 'the process id, a string; null when absent'],
      ['message', 'the text after the tag'],
      ['msgid', 'RFC 5424 only: MSGID; null for -'],
      ['structured_data', 'RFC 5424 only: { SD-ID: { PARAM: value } }; null for -'],
    ],
  },
  { format: 'regex:PATTERN', what: 'a JavaScript regular expression with named groups', fields: [['*', 'one field per named group, values strings; null for a group that did not take part']], eventTime: 'a group named time, timestamp, ts, …' },
];

/** One helper function available inside FN. */
export interface HelperDoc {
  name: string;
  signature: string;
  what: string;
  example: string;
}

/** The helpers of src/plan/helpers.ts (`HELPERS`), documented. */
export const HELPER_DOCS: readonly HelperDoc[] = [
  { name: 'hashtags', signature: 'hashtags(text)', what: 'the hashtags of a text, lower-cased, with the #; [] for a non-string', example: `--flat-map 't => hashtags(t.text)'` },
  { name: 'words', signature: 'words(text)', what: 'the words of a text (Unicode letters, digits, _ and \'), as written', example: `--flat-map 'l => words(l.toLowerCase())'` },
  { name: 'field', signature: 'field(line, n[, sep])', what: "awk's $n without splitting the line: field n (1-based; 0 is the line) separated by runs of blanks, or by every sep; '' past the last field", example: `--map 'l => field(l, 9)' --count-by-value` },
  { name: 'ip', signature: 'ip(text)', what: 'the first IPv4 or IPv6 address in a text, or undefined: "Failed password for root from 1.2.3.4 port 22" gives 1.2.3.4', example: `--map 'l => ip(l)'` },
  {
    name: 'parseTime', signature: 'parseTime(text[, format])',
    what: 'a time as epoch ms (NaN if it does not parse); without format as --event-time reads times, with a strftime format (%Y %m %d %H %M %S %b %e %z …) the whole text must match',
    example: `--event-time 'l => parseTime("2017 " + l.slice(0, 15), "%Y %b %e %H:%M:%S")'`,
  },
  {
    name: 'JSON', signature: 'JSON.parse(text), JSON.stringify(value)',
    what: "JavaScript's JSON, except that integers beyond 2^53 - 1 (64-bit ids) stay exact as BigInts, and BigInts are written as plain numbers",
    example: `--map 'l => JSON.parse(l).id' --count-by-value`,
  },
];

/** The help topics, by name. */
export const TOPICS = ['parse', 'functions'] as const;
export type Topic = (typeof TOPICS)[number];

/** Text of `dstream help parse`: one block per format (field names padded to a column). */
export function parseTopicText(): string {
  const blocks = PARSE_FORMAT_DOCS.map((d) => {
    const w = Math.max(...d.fields.map(([f]) => f.length));
    const fields = d.fields.map(([f, what]) => `      ${f.padEnd(w)}  ${what}`);
    return [`  ${d.format}  ${d.what}`, ...fields, `      --event-time auto reads: ${d.eventTime}`].join('\n');
  });
  return `Fields of the records of each --parse FORMAT (r.FIELD in a function; * = from the input):\n\n${blocks.join('\n\n')}\n`;
}

/** Text of `dstream help functions`, wrapped at `width` (examples broken as shell commands). */
export function functionsTopicText(width: number): string {
  const blocks = HELPER_DOCS.map((h) => [wrapHelp(`  ${h.signature}  ${h.what}`, width), ...commandLines(`dstream ${h.example}`, width, 6)].join('\n'));
  return `${wrapHelp("Functions available inside FN (besides JavaScript's own, e.g. JSON.parse):", width)}\n\n${blocks.join('\n\n')}\n`;
}

/**
 * The topic asked for by `argv`: `help TOPIC`, `--help TOPIC`, `-h TOPIC` or
 * `TOPIC --help`; `'flags'` for a bare `help`; `undefined` when argv is not a
 * help request of this kind (then yargs handles `--help`).
 * @returns the topic name as given (checked by the caller).
 */
export function requestedTopic(argv: readonly string[]): string | undefined {
  if (argv[0] === 'help') return argv[1] ?? 'flags';
  if (argv.length !== 2) return undefined;
  const [a, b] = argv as [string, string];
  if ((a === '--help' || a === '-h') && !b.startsWith('-')) return b;
  if ((b === '--help' || b === '-h') && (TOPICS as readonly string[]).includes(a)) return a;
  return undefined;
}
