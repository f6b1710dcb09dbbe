import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { toEventTimeMs } from '../../src/core/event-time.js';
import { autoEventTime, createParser, ParseError } from '../../src/parsers/index.js';
import { BUNDLED, readLines } from './data.js';

describe('createParser', () => {
  it('knows every format by name, with its default event-time field', () => {
    const cases: [string, string, string | undefined][] = [
      ['json', 'json', undefined], ['logfmt', 'logfmt', undefined], ['csv', 'csv', undefined],
      ['combined', 'combined', 'time'], ['common', 'common', 'time'], ['syslog', 'syslog', 'timestamp'],
      ['regex:(?<ts>\\d+)', 'regex', 'ts'],
    ];
    for (const [spec, name, field] of cases) {
      const p = createParser(spec, {});
      expect(p.name).toBe(name);
      expect(p.eventTimeField).toBe(field);
    }
  });
  it('passes the options on: csv delimiter, syslog year and clock', () => {
    const csv = createParser('csv', { delimiter: '|' });
    csv.parse('a|b');
    expect(csv.parse('1|2')).toEqual({ a: '1', b: '2' });
    expect(createParser('syslog', { year: 2001 }).parse('Jan  1 00:00:00 h a: m')).toMatchObject({ timestamp: '2001-01-01T00:00:00' });
    expect(createParser('syslog', { now: () => Date.UTC(1999, 5, 1) }).parse('Jan  1 00:00:00 h a: m')).toMatchObject({ timestamp: '1999-01-01T00:00:00' });
  });
  it('throws a ConfigError for an unknown format or a regex without pattern', () => {
    expect(() => createParser('xml')).toThrow(ConfigError);
    expect(() => createParser('xml')).toThrow("--parse: unknown format 'xml'; use one of json, logfmt, csv, combined, common, syslog, regex:PATTERN");
    expect(() => createParser('JSON')).toThrow(ConfigError);
    expect(() => createParser('regex')).toThrow("--parse regex needs a pattern with named groups: regex:'^(?<ip>\\S+) (?<rest>.*)$'");
    expect(() => createParser('regex:')).toThrow(/has no named group/);
    expect(() => createParser('regex:(')).toThrow(ConfigError);
  });
  it('a line that cannot be parsed throws a ParseError with a stable code', () => {
    try {
      createParser('json').parse('[]');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ParseError);
      expect(e).toMatchObject({ code: 'E_PARSE', stage: 'processing', format: 'json', name: 'ParseError' });
    }
  });
});

describe('autoEventTime', () => {
  it('reads the field the format fixes', () => {
    const combined = createParser('combined');
    const r = combined.parse(readLines(BUNDLED, 'elastic-examples/apache_logs')[0]!)!;
    expect(autoEventTime(r, combined)).toBe('17/May/2015:10:05:03 +0000');
    expect(toEventTimeMs(autoEventTime(r, combined))).toBe(Date.UTC(2015, 4, 17, 10, 5, 3));
    const syslog = createParser('syslog', { year: 2024 });
    expect(autoEventTime(syslog.parse('Mar 27 13:06:56 h sshd[1]: x')!, syslog)).toBe('2024-03-27T13:06:56');
  });
  it('finds a time-like field per record when the format does not fix one', () => {
    const json = createParser('json');
    expect(autoEventTime(json.parse('{"_write_ts":"a","ts":"2018-03-24T17:15:20.600843Z"}')!, json)).toBe('2018-03-24T17:15:20.600843Z');
    expect(autoEventTime(json.parse('{"ts":1,"timestamp":1446249499322}')!, json)).toBe(1446249499322);
    expect(autoEventTime(json.parse('{"@timestamp":"2024-01-01","time":"x"}')!, json)).toBe('2024-01-01');
    expect(autoEventTime(json.parse('{"created_at":"2017-08-27 00:05:34"}')!, json)).toBe('2017-08-27 00:05:34');
    expect(autoEventTime(json.parse('{"msg":"no time"}')!, json)).toBeUndefined();
  });
  it('returns only strings and finite numbers', () => {
    const json = createParser('json');
    expect(autoEventTime(json.parse('{"time":null}')!, json)).toBeUndefined();
    expect(autoEventTime(json.parse('{"time":{"s":1}}')!, json)).toBeUndefined();
    const syslog = createParser('syslog');
    expect(autoEventTime(syslog.parse('<1>1 - - - - - -')!, syslog)).toBeUndefined();
  });
  it('uses a CSV time column once the header is read', () => {
    const csv = createParser('csv');
    csv.parse('id,date');
    expect(autoEventTime(csv.parse('1,2024-01-02')!, csv)).toBe('2024-01-02');
  });
});
