import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/parsers/errors.js';
import { createLogfmtParser } from '../../src/parsers/logfmt.js';

const logfmt = createLogfmtParser();

describe('logfmt', () => {
  it('parses the Heroku router line of brandur.org/logfmt', () => {
    expect(logfmt.parse('at=info method=GET path=/ host=mutelight.org fwd="124.133.52.161" dyno=web.2 connect=4ms service=8ms status=200 bytes=1653')).toEqual({
      at: 'info', method: 'GET', path: '/', host: 'mutelight.org', fwd: '124.133.52.161', dyno: 'web.2',
      connect: '4ms', service: '8ms', status: '200', bytes: '1653',
    });
  });
  it("parses Go log/slog's TextHandler output", () => {
    expect(logfmt.parse('time=2023-08-04T16:09:59.012-04:00 level=INFO msg="hello, world" user=jba')).toEqual({
      time: '2023-08-04T16:09:59.012-04:00', level: 'INFO', msg: 'hello, world', user: 'jba',
    });
  });
  it('bare keys are true, key= is the empty string, a repeated key keeps its last value', () => {
    expect(logfmt.parse('debug a= b="" c=1 c=2 last')).toEqual({ debug: true, a: '', b: '', c: '2', last: true });
  });
  it('decodes JSON-style escapes in quoted values', () => {
    expect(logfmt.parse('msg="say \\"hi\\"\\n\\tok \\u00e9 \\\\ \\/" k=v')).toEqual({ msg: 'say "hi"\n\tok é \\ /', k: 'v' });
  });
  it('keeps = and quotes inside a bare value, and = inside a quoted one', () => {
    expect(logfmt.parse('url=/a?b=c&d=e q=it"s x="a=b c"')).toEqual({ url: '/a?b=c&d=e', q: 'it"s', x: 'a=b c' });
  });
  it('splits on any run of spaces or tabs; empty lines give {}', () => {
    expect(logfmt.parse('  a=1 \t b=2  ')).toEqual({ a: '1', b: '2' });
    expect(logfmt.parse('')).toEqual({});
    expect(logfmt.parse('a=1\r')).toEqual({ a: '1' });
  });
  it('keeps a __proto__ key as a field', () => {
    const r = logfmt.parse('__proto__=x a=1')!;
    expect(Object.keys(r)).toEqual(['__proto__', 'a']);
    expect(Object.getPrototypeOf(r)).toBe(Object.prototype);
  });
  const cases: [string, string][] = [
    ['=1', "logfmt: expected a key before '=' at column 1"],
    ['a=1 =2', "logfmt: expected a key before '=' at column 5"],
    ['a=1 "b"=2', 'logfmt: unexpected quote in a key at column 5'],
    ['ke"y=1', 'logfmt: unexpected quote in a key at column 3'],
    ['msg="unterminated', "logfmt: missing closing quote of the value of key 'msg'"],
    ['msg="ends with a backslash\\"', "logfmt: missing closing quote of the value of key 'msg'"],
    ['msg="bad \\q escape"', "logfmt: invalid escape '\\q' in the value of key 'msg' at column 10"],
    ['msg="bad \\u12 escape"', "logfmt: invalid escape '\\u' in the value of key 'msg' at column 10"],
    ['msg="a"b c=1', "logfmt: expected a space after the quoted value of key 'msg', got 'b c=1'"],
  ];
  it.each(cases)('rejects %j', (line, message) => {
    let error: unknown;
    try {
      logfmt.parse(line);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ParseError);
    expect((error as Error).message).toBe(message);
  });
});
