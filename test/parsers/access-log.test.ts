import { describe, expect, it } from 'vitest';
import { createCombinedParser, createCommonParser } from '../../src/parsers/access-log.js';
import { ParseError } from '../../src/parsers/errors.js';
import { BUNDLED, parseAll, readLines } from './data.js';

const apache = readLines(BUNDLED, 'elastic-examples/apache_logs');

describe('combined on the bundled apache_logs', () => {
  const combined = createCombinedParser();

  it('parses the first line into exact fields', () => {
    expect(combined.parse(apache[0]!)).toEqual({
      remote_addr: '83.149.9.216',
      ident: null,
      user: null,
      time: '17/May/2015:10:05:03 +0000',
      request: 'GET /presentations/logstash-monitorama-2013/images/kibana-search.png HTTP/1.1',
      method: 'GET',
      path: '/presentations/logstash-monitorama-2013/images/kibana-search.png',
      protocol: 'HTTP/1.1',
      status: 200,
      bytes: 203023,
      referrer: 'http://semicomplete.com/presentations/logstash-monitorama-2013/',
      user_agent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/32.0.1700.77 Safari/537.36',
    });
  });

  it('gives bytes null for "-" and referrer null for "-" (line 77)', () => {
    expect(combined.parse(apache[76]!)).toMatchObject({
      remote_addr: '218.30.103.62',
      path: '/robots.txt',
      status: 200,
      bytes: null,
      referrer: null,
      user_agent: 'Sogou web spider/4.0(+http://www.sogou.com/docs/help/webmasters.htm#07)',
    });
  });

  it('rejects exactly one line, 8899, whose user agent has no closing quote', () => {
    const { records, errors } = parseAll(combined, apache);
    expect(errors).toEqual([{ line: 8899, message: 'combined: missing closing quote of the user agent' }]);
    expect(records).toHaveLength(9999);
    // Totals agree with awk over the other 9,999 lines.
    const byStatus: Record<number, number> = {};
    for (const r of records) byStatus[r.status as number] = (byStatus[r.status as number] ?? 0) + 1;
    expect(byStatus).toEqual({ 200: 9125, 206: 45, 301: 164, 304: 445, 403: 2, 404: 213, 416: 2, 500: 3 });
    expect(records.reduce((s, r) => s + ((r.bytes as number | null) ?? 0), 0)).toBe(2747282505);
    expect(records.filter((r) => r.bytes === null)).toHaveLength(669);
    expect(records.filter((r) => r.referrer === null)).toHaveLength(4072);
    expect(records.filter((r) => r.user_agent === null)).toHaveLength(190);
  });
});

describe('the Apache documentation examples', () => {
  // https://httpd.apache.org/docs/2.4/logs.html#accesslog
  const commonLine = '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326';
  const combinedLine = `${commonLine} "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"`;
  const base = {
    remote_addr: '127.0.0.1', ident: null, user: 'frank', time: '10/Oct/2000:13:55:36 -0700',
    request: 'GET /apache_pb.gif HTTP/1.0', method: 'GET', path: '/apache_pb.gif', protocol: 'HTTP/1.0',
    status: 200, bytes: 2326,
  };

  it('common', () => {
    expect(createCommonParser().parse(commonLine)).toEqual(base);
  });
  it('combined', () => {
    expect(createCombinedParser().parse(combinedLine)).toEqual({
      ...base, referrer: 'http://www.example.com/start.html', user_agent: 'Mozilla/4.08 [en] (Win98; I ;Nav)',
    });
  });
  it('a combined line is not common, and a common line is not combined', () => {
    expect(() => createCommonParser().parse(combinedLine)).toThrow(
      `common: unexpected text after the response size: ' "http://www.example…'`,
    );
    expect(() => createCombinedParser().parse(commonLine)).toThrow(
      `combined: expected ' "' opening the referrer after the response size (is this the common format?)`,
    );
  });
});

describe('combined edge cases', () => {
  const combined = createCombinedParser();
  const ok = (request: string, tail = '200 5 "-" "curl/8.0"') => combined.parse(`10.0.0.1 - - [01/Jan/2024:00:00:00 +0000] "${request}" ${tail}`)!;

  it('keeps an escaped quote inside a quoted field, as logged', () => {
    expect(combined.parse('::1 - - [01/Jan/2024:00:00:00 +0000] "GET /a HTTP/1.1" 200 5 "-" "say \\"hi\\" \\\\"')).toMatchObject({
      remote_addr: '::1',
      user_agent: 'say \\"hi\\" \\\\',
    });
  });
  it('keeps a malformed request line, with method, path and protocol null', () => {
    expect(ok('\\x16\\x03\\x01', '400 0 "-" "-"')).toMatchObject({
      request: '\\x16\\x03\\x01', method: null, path: null, protocol: null, status: 400, bytes: 0, user_agent: null,
    });
    expect(ok('-', '408 - "-" "-"')).toMatchObject({ request: '-', method: null, bytes: null });
  });
  it('ignores a trailing CR', () => {
    expect(ok('GET / HTTP/1.1', '200 5 "-" "curl/8.0"\r')).toMatchObject({ user_agent: 'curl/8.0' });
  });

  const cases: [string, string][] = [
    ['', 'combined: expected the remote address, then a space'],
    ['10.0.0.1 -', 'combined: expected the ident field after the remote address'],
    ['10.0.0.1 - - 01/Jan/2024:00:00:00 +0000', "combined: expected '[' opening the time after the user"],
    ['10.0.0.1 - - [01/Jan/2024:00:00:00 +0000 "GET / HTTP/1.1"', "combined: missing ']' closing the time"],
    ['10.0.0.1 - - [01/Jan/2024:00:00:00 +0000] GET / HTTP/1.1 200 5', `combined: expected ' "' opening the request after the time`],
    ['10.0.0.1 - - [01/Jan/2024:00:00:00 +0000] "GET / HTTP/1.1 200 5', 'combined: missing closing quote of the request'],
    ['10.0.0.1 - - [01/Jan/2024:00:00:00 +0000] "GET / HTTP/1.1"', 'combined: expected the status code after the request'],
    ['10.0.0.1 - - [01/Jan/2024:00:00:00 +0000] "GET / HTTP/1.1" OK 5', "combined: expected the status code (a number) after the request, got 'OK'"],
    ['10.0.0.1 - - [01/Jan/2024:00:00:00 +0000] "GET / HTTP/1.1" 200', 'combined: expected the response size after the status code'],
    ['10.0.0.1 - - [01/Jan/2024:00:00:00 +0000] "GET / HTTP/1.1" 200 5kB "-" "-"', "combined: expected the response size (a number or '-') after the status code, got '5kB'"],
    ['10.0.0.1 - - [01/Jan/2024:00:00:00 +0000] "GET / HTTP/1.1" 200 5 -', `combined: expected ' "' opening the referrer after the response size`],
    ['10.0.0.1 - - [01/Jan/2024:00:00:00 +0000] "GET / HTTP/1.1" 200 5 "http://x/', 'combined: missing closing quote of the referrer'],
    ['10.0.0.1 - - [01/Jan/2024:00:00:00 +0000] "GET / HTTP/1.1" 200 5 "-"', `combined: expected ' "' opening the user agent after the referrer`],
    ['10.0.0.1 - - [01/Jan/2024:00:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "curl/8.0" 0.003', "combined: unexpected text after the user agent: ' 0.003'"],
  ];
  it.each(cases)('rejects %j', (line, message) => {
    let error: unknown;
    try {
      combined.parse(line);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ParseError);
    expect((error as ParseError).message).toBe(message);
    expect((error as ParseError).code).toBe('E_PARSE');
  });
});
