/**
 * `--parse combined` and `--parse common`: Apache httpd / nginx access logs.
 *
 * Formats (Apache mod_log_config, https://httpd.apache.org/docs/2.4/logs.html#accesslog;
 * nginx's predefined `combined` log_format is the same):
 *
 *     common:   %h %l %u %t "%r" %>s %b
 *     combined: %h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-agent}i"
 *
 * Fields of a record, in this order (combined adds the last two):
 *
 * | field        | from   | value                                                       |
 * |--------------|--------|-------------------------------------------------------------|
 * | `remote_addr`| `%h`   | client address or host name, string                         |
 * | `ident`      | `%l`   | RFC 1413 identity, string; `null` for `-`                   |
 * | `user`       | `%u`   | authenticated user, string; `null` for `-`                  |
 * | `time`       | `%t`   | `17/May/2015:10:05:03 +0000`, without the brackets          |
 * | `request`    | `%r`   | the request line as logged, e.g. `GET /a HTTP/1.1`          |
 * | `method`     | `%r`   | `GET`; `null` when the request line is not `METHOD PATH PROTOCOL` |
 * | `path`       | `%r`   | `/a` (with the query string); `null` likewise               |
 * | `protocol`   | `%r`   | `HTTP/1.1`; `null` likewise                                 |
 * | `status`     | `%>s`  | number                                                      |
 * | `bytes`      | `%b`   | number; `null` for `-` (no body)                            |
 * | `referrer`   | Referer| string; `null` for `-`                                      |
 * | `user_agent` | User-agent | string; `null` for `-`                                  |
 *
 * Quoted fields end at the first `"` not preceded by a backslash (Apache
 * writes `"` as `\"` since 2.0.46) and are kept as logged: escapes such as
 * `\"` or `\x16` are not decoded. A malformed request line (a TLS handshake
 * sent to port 80 logs as `"\x16\x03\x01…"`) is not an error: `method`,
 * `path` and `protocol` are `null` and `request` keeps the text.
 *
 * Errors: every part must be present and nothing may follow the last one,
 * e.g. `common: unexpected text after the response size: ' "-" "curl/8"'`
 * (a combined line read as common). One repair: a user agent whose closing
 * quote is missing (the line was cut, e.g. by a logger's length limit; the
 * bundled log has one) runs to the end of the line, and the line is reported
 * through `parse`'s `repaired` callback (without one, it is the error
 * `combined: missing closing quote of the user agent`).
 *
 * Hand-written scanner: `indexOf` from field to field, numbers by charCode.
 * Measured with `bench/parsers.js` on the bundled `apache_logs` (10,000
 * lines, 2.3 MB): scanner 5.1 M lines/s, one anchored regex with a group per
 * field (same record) 3.1 M.
 */
import { excerpt, ParseError } from './errors.js';
import { contentEnd, type LineParser } from './line-parser.js';

/** Index of the `"` closing a quoted field whose text starts at `from`, skipping `\"`; -1 if none before `end`. */
function closingQuote(line: string, from: number, end: number): number {
  let q = line.indexOf('"', from);
  while (q !== -1 && q < end) {
    let bs = 0;
    while (line.charCodeAt(q - 1 - bs) === 92) bs++;
    if ((bs & 1) === 0) return q;
    q = line.indexOf('"', q + 1);
  }
  return -1;
}

/** Value of the digits in `[from, to)`, or -1 if empty or not all digits. */
function digits(line: string, from: number, to: number): number {
  if (to <= from || to - from > 15) return -1;
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = line.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

function failWith(format: string, message: string): never {
  throw new ParseError(format, message);
}

function dashToNull(s: string): string | null {
  return s === '-' ? null : s;
}

function parseAccessLog(format: 'combined' | 'common', line: string, repaired?: (message: string) => void): Record<string, unknown> {
  const end = contentEnd(line);
  const sp1 = line.indexOf(' ');
  if (sp1 < 1 || sp1 >= end) failWith(format, 'expected the remote address, then a space');
  const sp2 = line.indexOf(' ', sp1 + 1);
  if (sp2 === -1 || sp2 >= end) failWith(format, 'expected the ident field after the remote address');
  const open = line.indexOf(' [', sp2 + 1);
  if (open === -1 || open >= end) failWith(format, "expected '[' opening the time after the user");
  const close = line.indexOf(']', open + 2);
  if (close === -1 || close >= end) failWith(format, "missing ']' closing the time");
  if (line.charCodeAt(close + 1) !== 32 || line.charCodeAt(close + 2) !== 34 || close + 2 >= end) {
    failWith(format, "expected ' \"' opening the request after the time");
  }
  const rq = closingQuote(line, close + 3, end);
  if (rq === -1) failWith(format, 'missing closing quote of the request');
  if (line.charCodeAt(rq + 1) !== 32 || rq + 1 >= end) failWith(format, 'expected the status code after the request');
  let sp = line.indexOf(' ', rq + 2);
  if (sp === -1 || sp > end) sp = end;
  const status = digits(line, rq + 2, sp);
  if (status < 0) failWith(format, `expected the status code (a number) after the request, got '${excerpt(line.slice(rq + 2, sp), 10)}'`);
  if (sp === end) failWith(format, 'expected the response size after the status code');
  let bytesEnd = line.indexOf(' ', sp + 1);
  if (bytesEnd === -1 || bytesEnd > end) bytesEnd = end;
  let bytes: number | null = null;
  if (!(bytesEnd === sp + 2 && line.charCodeAt(sp + 1) === 45)) {
    bytes = digits(line, sp + 1, bytesEnd);
    if (bytes < 0) failWith(format, `expected the response size (a number or '-') after the status code, got '${excerpt(line.slice(sp + 1, bytesEnd), 10)}'`);
  }
  const request = line.slice(close + 3, rq);
  const m1 = request.indexOf(' ');
  const m2 = request.lastIndexOf(' ');
  const split = m1 > 0 && m2 > m1 + 1 && m2 < request.length - 1;
  const record: Record<string, unknown> = {
    remote_addr: line.slice(0, sp1),
    ident: dashToNull(line.slice(sp1 + 1, sp2)),
    user: dashToNull(line.slice(sp2 + 1, open)),
    time: line.slice(open + 2, close),
    request,
    method: split ? request.slice(0, m1) : null,
    path: split ? request.slice(m1 + 1, m2) : null,
    protocol: split ? request.slice(m2 + 1) : null,
    status,
    bytes,
  };
  if (format === 'common') {
    if (bytesEnd !== end) failWith(format, `unexpected text after the response size: '${excerpt(line.slice(bytesEnd, end), 20)}'`);
    return record;
  }
  if (bytesEnd === end) failWith(format, "expected ' \"' opening the referrer after the response size (is this the common format?)");
  if (line.charCodeAt(bytesEnd + 1) !== 34) failWith(format, "expected ' \"' opening the referrer after the response size");
  const refEnd = closingQuote(line, bytesEnd + 2, end);
  if (refEnd === -1) failWith(format, 'missing closing quote of the referrer');
  if (line.charCodeAt(refEnd + 1) !== 32 || line.charCodeAt(refEnd + 2) !== 34 || refEnd + 2 >= end) {
    failWith(format, "expected ' \"' opening the user agent after the referrer");
  }
  let uaEnd = closingQuote(line, refEnd + 3, end);
  if (uaEnd === -1) {
    // The last field cut at the end of the line (a logger's length limit): keep what there is.
    if (repaired === undefined) failWith(format, 'missing closing quote of the user agent');
    repaired('missing closing quote of the user agent: taken to the end of the line');
    uaEnd = end;
  } else if (uaEnd + 1 !== end) failWith(format, `unexpected text after the user agent: '${excerpt(line.slice(uaEnd + 1, end), 20)}'`);
  record.referrer = dashToNull(line.slice(bytesEnd + 2, refEnd));
  record.user_agent = dashToNull(line.slice(refEnd + 3, uaEnd));
  return record;
}

/**
 * Creates the `combined` parser (Apache/nginx combined log format; fields in
 * the module doc). `eventTimeField` is `time`.
 * Errors: ParseError, e.g. `combined: missing closing quote of the referrer`;
 *   a cut user agent is repaired (see module doc).
 */
export function createCombinedParser(): LineParser {
  return { name: 'combined', eventTimeField: 'time', parse: (line, repaired) => parseAccessLog('combined', line, repaired) };
}

/**
 * Creates the `common` parser (Common Log Format: combined without referrer
 * and user agent). `eventTimeField` is `time`.
 * Errors: ParseError, e.g. `common: unexpected text after the response size: '…'`.
 */
export function createCommonParser(): LineParser {
  return { name: 'common', eventTimeField: 'time', parse: (line) => parseAccessLog('common', line) };
}
