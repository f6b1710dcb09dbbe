import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { ParseError } from '../../src/parsers/errors.js';
import { createRegexParser } from '../../src/parsers/regex.js';
import { BUNDLED, HAS_SHARED, parseAll, readLines, SHARED } from './data.js';

describe('regex:PATTERN', () => {
  it('turns named groups into string fields on the bundled apache_logs; unnamed groups are not kept', () => {
    const regex = createRegexParser('^(?<ip>\\S+) \\S+ \\S+ \\[(?<time>[^\\]]+)\\] "(?<method>[A-Z]+) (\\S+) [^"]*" (?<status>\\d{3}) (?<bytes>\\S+)');
    expect(regex.eventTimeField).toBe('time');
    const { records, errors } = parseAll(regex, readLines(BUNDLED, 'elastic-examples/apache_logs'));
    expect(errors).toEqual([]); // the truncated user agent is after what the pattern reads
    expect(records).toHaveLength(10000);
    expect(records[0]).toEqual({ ip: '83.149.9.216', time: '17/May/2015:10:05:03 +0000', method: 'GET', status: '200', bytes: '203023' });
  });
  it('gives null for a group that did not take part; matches anywhere unless anchored', () => {
    const regex = createRegexParser('user (?<user>\\w+)(?: from (?<ip>[\\d.]+))?');
    expect(regex.parse('Invalid user admin from 1.2.3.4 port 22')).toEqual({ user: 'admin', ip: '1.2.3.4' });
    expect(regex.parse('session closed for user root')).toEqual({ user: 'root', ip: null });
    expect(regex.eventTimeField).toBeUndefined();
  });
  it('rejects a line that does not match, naming the pattern', () => {
    const regex = createRegexParser('^(?<n>\\d+)$');
    expect(() => regex.parse('12a')).toThrow(ParseError);
    expect(() => regex.parse('12a')).toThrow('regex: the line does not match /^(?<n>\\d+)$/');
    expect(regex.parse('12\r')).toEqual({ n: '12' });
  });
  it('a pattern that does not compile or has no named group is a configuration error', () => {
    expect(() => createRegexParser('(?<a>x')).toThrow(ConfigError);
    expect(() => createRegexParser('(?<a>x')).toThrow(/^--parse regex: invalid pattern \/\(\?<a>x\/: Invalid regular expression/);
    expect(() => createRegexParser('^(\\S+) (.*)$')).toThrow(
      "--parse regex: the pattern /^(\\S+) (.*)$/ has no named group; name the parts to keep, e.g. regex:'^(?<ip>\\S+) (?<rest>.*)$'",
    );
    expect(() => createRegexParser('(?<a>x)|(?<a>y)')).toThrow(ConfigError);
  });
});

describe.skipIf(!HAS_SHARED)('regex on OpenSSH_2k.log', () => {
  it('failed passwords: user and address per line, exact counts', () => {
    const regex = createRegexParser('Failed password for (?:invalid user )?(?<user>\\S*) from (?<ip>[\\d.]+) port (?<port>\\d+)');
    const { records, errors } = parseAll(regex, readLines(SHARED, 'loghub/OpenSSH/OpenSSH_2k.log'));
    expect(records).toHaveLength(519); // grep -cE 'Failed password for (invalid user )?[^ ]* from [0-9.]+ port [0-9]+'
    expect(errors).toHaveLength(2000 - 519);
    expect(errors[0]).toEqual({ line: 1, message: expect.stringMatching(/^regex: the line does not match \/Failed password for/) });
    expect(records[0]).toEqual({ user: 'webmaster', ip: '173.234.31.186', port: '38926' });
    expect(records.at(-1)).toEqual({ user: 'user', ip: '103.99.0.122', port: '52683' });
  });
});
