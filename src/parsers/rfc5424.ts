/**
 * RFC 5424 syslog messages (https://www.rfc-editor.org/rfc/rfc5424 §6), the
 * part of `--parse syslog` after `<PRI>`:
 *
 *     VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP STRUCTURED-DATA [SP MSG]
 *
 * Fields: `timestamp` (the RFC 3339 text as written), `host`, `app`, `pid`
 * (PROCID, a string: RFC 5424 gives it no fixed form), `msgid` — each `null`
 * for the NILVALUE `-` —, `structured_data` and `message` (`''` when absent;
 * a leading BOM, which RFC 5424 §6.4 puts before UTF-8 text, is dropped).
 *
 * `structured_data` is `null` for `-`, else `{ SD-ID: { PARAM-NAME: value } }`
 * with `\"`, `\\` and `\]` unescaped (§6.3.3; any other backslash is kept, as
 * the RFC says). A PARAM-NAME repeated within one element (allowed, §6.3.3)
 * gives an array of its values.
 */
import { toEventTimeMs } from '../core/event-time.js';
import { excerpt, ParseError } from './errors.js';
import { setField } from './line-parser.js';

function fail(message: string): never {
  throw new ParseError('syslog', `RFC 5424: ${message}`);
}

/** Reads the space-terminated header field at `i`; returns [text, index after the space]. */
function headerField(line: string, i: number, end: number, name: string): [string, number] {
  const sp = line.indexOf(' ', i);
  if (sp === -1 || sp >= end || sp === i) fail(`expected the ${name} and a space at column ${i + 1}`);
  return [line.slice(i, sp), sp + 1];
}

type StructuredData = Record<string, Record<string, string | string[]>>;

/** Parses SD-ELEMENTs from `i` (at a `[`); returns [elements, index after the last `]`]. */
function structuredData(line: string, i: number, end: number): [StructuredData, number] {
  const sd: StructuredData = {};
  while (i < end && line.charCodeAt(i) === 91) {
    let j = i + 1;
    while (j < end && line.charCodeAt(j) !== 32 && line.charCodeAt(j) !== 93) j++;
    if (j === i + 1 || j >= end) fail(`malformed structured data: expected an SD-ID and ']' at column ${i + 2}`);
    const params: Record<string, string | string[]> = {};
    setField(sd, line.slice(i + 1, j), params);
    while (line.charCodeAt(j) === 32) {
      const eq = line.indexOf('=', j + 1);
      if (eq === -1 || eq >= end || eq === j + 1 || line.charCodeAt(eq + 1) !== 34) {
        fail(`malformed structured data: expected PARAM-NAME="value" at column ${j + 2}`);
      }
      const name = line.slice(j + 1, eq);
      let value = '';
      let seg = eq + 2;
      let k = seg;
      for (; k < end; k++) {
        const c = line.charCodeAt(k);
        if (c === 34) break;
        if (c === 92) {
          const n = line.charCodeAt(k + 1);
          if (n === 34 || n === 92 || n === 93) {
            value += line.slice(seg, k);
            seg = ++k;
          }
        }
      }
      if (k >= end) fail(`missing closing quote of the value of '${name}' in structured data`);
      value += line.slice(seg, k);
      const prev = Object.hasOwn(params, name) ? params[name] : undefined;
      setField(params, name, prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value]);
      j = k + 1;
    }
    if (line.charCodeAt(j) !== 93 || j >= end) fail(`malformed structured data: expected ']' at column ${j + 1}`);
    i = j + 1;
  }
  return [sd, i];
}

/**
 * Parses an RFC 5424 message from its VERSION (at `start`, after `<PRI>`)
 * into `record`, which already holds `pri`, `facility` and `severity`.
 * @returns `record`, completed.
 * @throws ParseError `syslog: RFC 5424: …` naming the part that is missing or malformed.
 */
export function parseRfc5424(line: string, start: number, end: number, record: Record<string, unknown>): Record<string, unknown> {
  const [version, i1] = headerField(line, start, end, 'version');
  if (version !== '1') fail(`unsupported version ${excerpt(version, 10)} (only 1 is defined)`);
  const [timestamp, i2] = headerField(line, i1, end, 'timestamp');
  if (timestamp !== '-' && Number.isNaN(toEventTimeMs(timestamp))) {
    fail(`expected an RFC 3339 timestamp or '-', got '${excerpt(timestamp, 40)}'`);
  }
  const [host, i3] = headerField(line, i2, end, 'host name');
  const [app, i4] = headerField(line, i3, end, 'app name');
  const [pid, i5] = headerField(line, i4, end, 'process id');
  let msgid: string;
  let i: number;
  const sp = line.indexOf(' ', i5);
  if (sp === -1 || sp >= end) fail('expected the message id and the structured data');
  msgid = line.slice(i5, sp);
  i = sp + 1;
  let sd: StructuredData | null = null;
  const c = line.charCodeAt(i);
  if (c === 45 && (i + 1 === end || line.charCodeAt(i + 1) === 32)) {
    i++;
  } else if (c === 91) {
    [sd, i] = structuredData(line, i, end);
  } else {
    fail(`expected structured data ('-' or '[') at column ${i + 1}`);
  }
  let message = '';
  if (i < end) {
    if (line.charCodeAt(i) !== 32) fail(`expected a space before the message at column ${i + 1}`);
    message = line.slice(line.charCodeAt(i + 1) === 0xfeff ? i + 2 : i + 1, end);
  }
  record.timestamp = timestamp === '-' ? null : timestamp;
  record.host = host === '-' ? null : host;
  record.app = app === '-' ? null : app;
  record.pid = pid === '-' ? null : pid;
  record.msgid = msgid === '-' ? null : msgid;
  record.structured_data = sd;
  record.message = message;
  return record;
}
