import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { toEventTimeMs } from '../../src/core/event-time.js';
import { createSyslogParser } from '../../src/parsers/syslog.js';
import { HAS_SHARED, parseAll, readLines, SHARED } from './data.js';

/** A clock fixed at a UTC date. */
const at = (y: number, mo: number, d: number, h = 0) => () => Date.UTC(y, mo - 1, d, h);

describe.skipIf(!HAS_SHARED)('RFC 3164 on real files (CRLF, no year)', () => {
  it('auth.log: every line, exact fields of typical lines', () => {
    const lines = readLines(SHARED, 'elastic-examples/auth.log');
    const syslog = createSyslogParser({ year: 2017 });
    const { records, errors } = parseAll(syslog, lines);
    expect(errors).toEqual([]);
    expect(records).toHaveLength(7121);
    expect(records[0]).toEqual({
      timestamp: '2017-03-27T13:06:56', host: 'ip-10-77-20-248', app: 'sshd', pid: '1291',
      message: 'Server listening on 0.0.0.0 port 22.',
    });
    expect(records[9]).toEqual({
      timestamp: '2017-03-27T13:09:37', host: 'ip-10-77-20-248', app: 'sudo', pid: null,
      message: '  ubuntu : TTY=pts/0 ; PWD=/home/ubuntu ; USER=root ; COMMAND=/usr/bin/curl -L -O https://artifacts.elastic.co/downloads/beats/filebeat/filebeat-5.2.2-amd64.deb',
    });
    expect(records[7121 - 1]).toEqual({
      timestamp: '2017-04-20T14:14:29', host: 'ip-10-77-20-248', app: 'systemd-logind', pid: '1118',
      message: 'New session 858 of user ubuntu.',
    });
    const apps = new Set(records.map((r) => r.app));
    expect([...apps].sort()).toEqual(['CRON', 'chpasswd', 'groupadd', 'sshd', 'su', 'sudo', 'systemd', 'systemd-logind', 'useradd']);
  });

  it('Linux_2k.log: tags with (pam_unix), a padded day, lines without a tag', () => {
    const lines = readLines(SHARED, 'loghub/Linux/Linux_2k.log');
    const syslog = createSyslogParser({ year: 2005 });
    const { records, errors } = parseAll(syslog, lines);
    expect(errors).toEqual([]);
    expect(records).toHaveLength(2000);
    expect(records[0]).toEqual({
      timestamp: '2005-06-14T15:16:01', host: 'combo', app: 'sshd(pam_unix)', pid: '19939',
      // the trailing space is in the log
      message: 'authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=218.188.2.4 ',
    });
    expect(records[763]).toEqual({
      timestamp: '2005-07-04T04:03:06', host: 'combo', app: 'su(pam_unix)', pid: '1583',
      message: 'session opened for user cyrus by (uid=0)',
    });
    // "syslogd 1.4.1: restart." has no TAG: (a space comes first): no app, whole content.
    expect(records[145]).toEqual({ timestamp: '2005-06-19T04:09:11', host: 'combo', app: null, pid: null, message: 'syslogd 1.4.1: restart.' });
    const rootLogin = records.find((r) => String(r.message).includes('ROOT LOGIN'));
    expect(rootLogin).toEqual({ timestamp: '2005-07-07T08:06:15', host: 'combo', app: null, pid: null, message: '-- root[2421]: ROOT LOGIN ON tty2' });
    expect(records[1962]).toEqual({
      timestamp: '2005-07-27T14:41:58', host: 'combo', app: 'random', pid: null,
      message: 'Initializing random number generator:  succeeded',
    });
    expect(records.filter((r) => r.app === null)).toHaveLength(8);
  });

  it('OpenSSH_2k.log: first and last line; every timestamp is read by toEventTimeMs', () => {
    const lines = readLines(SHARED, 'loghub/OpenSSH/OpenSSH_2k.log');
    const syslog = createSyslogParser({ now: at(2025, 1, 5) });
    const { records, errors } = parseAll(syslog, lines);
    expect(errors).toEqual([]);
    expect(records[0]).toEqual({
      timestamp: '2024-12-10T06:55:46', host: 'LabSZ', app: 'sshd', pid: '24200',
      message: 'reverse mapping checking getaddrinfo for ns.marryaldkfaczcz.com [173.234.31.186] failed - POSSIBLE BREAK-IN ATTEMPT!',
    });
    expect(records[1999]).toEqual({
      timestamp: '2024-12-10T11:04:45', host: 'LabSZ', app: 'sshd', pid: '25539',
      message: 'Failed password for invalid user user from 103.99.0.122 port 52683 ssh2',
    });
    expect(records.every((r) => !Number.isNaN(toEventTimeMs(r.timestamp)))).toBe(true);
  });

  it('infers the year from an injected now: Linux_2k (Jun 14..Jul 27) read on 2024-07-01 at noon', () => {
    const lines = readLines(SHARED, 'loghub/Linux/Linux_2k.log');
    const { records } = parseAll(createSyslogParser({ now: at(2024, 7, 1, 12) }), lines);
    expect(records[0]!.timestamp).toBe('2024-06-14T15:16:01');
    // Up to one day ahead is this year (line 669); after that, last year (line 710 on).
    expect(records[668]!.timestamp).toBe('2024-07-02T01:41:32');
    expect(records[709]!.timestamp).toBe('2023-07-03T04:07:47');
    expect(records[1999]!.timestamp).toBe('2023-07-27T14:42:00');
    expect(records.filter((r) => String(r.timestamp).startsWith('2024-'))).toHaveLength(709);
    expect(records.filter((r) => String(r.timestamp).startsWith('2023-'))).toHaveLength(1291);
  });
});

describe('RFC 3164 year inference', () => {
  const line = (date: string) => `${date} host app: hi`;
  it('takes the current year of now (UTC)', () => {
    expect(createSyslogParser({ now: at(2024, 3, 1) }).parse(line('Feb 28 23:59:59'))!.timestamp).toBe('2024-02-28T23:59:59');
  });
  it('allows up to one day in the future (the sender may be ahead in its zone)', () => {
    const syslog = createSyslogParser({ now: at(2024, 3, 1, 12) });
    expect(syslog.parse(line('Mar  2 12:00:00'))!.timestamp).toBe('2024-03-02T12:00:00');
    expect(syslog.parse(line('Mar  2 12:00:01'))!.timestamp).toBe('2023-03-02T12:00:01');
  });
  it('puts a December line read in January in the previous year', () => {
    expect(createSyslogParser({ now: at(2025, 1, 1) }).parse(line('Dec 31 23:59:59'))!.timestamp).toBe('2024-12-31T23:59:59');
  });
  it('puts Feb 29 in the latest leap year not in the future', () => {
    expect(createSyslogParser({ now: at(2027, 3, 1) }).parse(line('Feb 29 10:00:00'))!.timestamp).toBe('2024-02-29T10:00:00');
  });
  it('uses the year option as given, and rejects a date that does not exist in it', () => {
    expect(createSyslogParser({ year: 1999, now: at(2024, 1, 1) }).parse(line('Dec 31 23:59:59'))!.timestamp).toBe('1999-12-31T23:59:59');
    expect(() => createSyslogParser({ year: 2023 }).parse(line('Feb 29 10:00:00'))).toThrow('syslog: Feb 29 is not a date in 2023');
  });
  it('rejects a bad year option as a configuration error', () => {
    expect(() => createSyslogParser({ year: 2024.5 })).toThrow(ConfigError);
    expect(() => createSyslogParser({ year: 99 })).toThrow('--parse syslog: the year must be an integer from 1000 to 9999, got 99');
  });
});

describe('RFC 3164 messages', () => {
  const syslog = createSyslogParser({ year: 2003 });
  it('the RFC 3164 §5.4 examples', () => {
    expect(syslog.parse("<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8")).toEqual({
      pri: 34, facility: 4, severity: 2, timestamp: '2003-10-11T22:14:15', host: 'mymachine', app: 'su', pid: null,
      message: "'su root' failed for lonvick on /dev/pts/8",
    });
    expect(syslog.parse('<13>Feb  5 17:32:18 10.0.0.99 Use the BFG!')).toEqual({
      pri: 13, facility: 1, severity: 5, timestamp: '2003-02-05T17:32:18', host: '10.0.0.99', app: null, pid: null,
      message: 'Use the BFG!',
    });
  });
  it('accepts an RFC 3339 timestamp (rsyslog file format) as written, also after <PRI>', () => {
    expect(syslog.parse('2024-05-01T10:00:00.123456+02:00 web1 nginx[77]: started')).toEqual({
      timestamp: '2024-05-01T10:00:00.123456+02:00', host: 'web1', app: 'nginx', pid: '77', message: 'started',
    });
    expect(syslog.parse('<30>2024-05-01T10:00:00Z web1 nginx: started')).toEqual({
      pri: 30, facility: 3, severity: 6, timestamp: '2024-05-01T10:00:00Z', host: 'web1', app: 'nginx', pid: null, message: 'started',
    });
  });
  it('a tag at the end of the line gives an empty message; a trailing CR is ignored', () => {
    expect(syslog.parse('Oct 11 22:14:15 host kernel:\r')).toMatchObject({ app: 'kernel', message: '' });
  });
  const cases: [string, string][] = [
    ['', "syslog: expected a timestamp 'Mmm dd hh:mm:ss' at column 1, got ''"],
    ['hello world', "syslog: expected a timestamp 'Mmm dd hh:mm:ss' at column 1, got 'hello world'"],
    ['Foo 11 22:14:15 host app: x', "syslog: expected a timestamp 'Mmm dd hh:mm:ss' at column 1, got 'Foo 11 22:14:15'"],
    ['Oct 11 25:14:15 host app: x', "syslog: expected a timestamp 'Mmm dd hh:mm:ss' at column 1, got 'Oct 11 25:14:15'"],
    ['Oct 32 22:14:15 host app: x', "syslog: expected a timestamp 'Mmm dd hh:mm:ss' at column 1, got 'Oct 32 22:14:15'"],
    ['<34>Oct 11 22:14', "syslog: expected a timestamp 'Mmm dd hh:mm:ss' at column 5, got 'Oct 11 22:14'"],
    ['Oct 11 22:14:15', 'syslog: expected the host name after the timestamp'],
    ['Oct 11 22:14:15   ', 'syslog: expected the host name after the timestamp'],
    ['Apr 31 22:14:15 host app: x', 'syslog: Apr 31 is not a date in 2003'],
    ['<192>Oct 11 22:14:15 host app: x', "syslog: expected a priority <0> to <191> at column 1, got '<192>'"],
    ['<x>Oct 11 22:14:15 host app: x', "syslog: expected a priority <0> to <191> at column 1, got '<x>'"],
    ['<34 Oct 11 22:14:15 host app: x', "syslog: expected a priority <0> to <191> at column 1, got '<34 O'"],
    ['2024-13-01T00:00:00Z host app: x', "syslog: expected an RFC 3339 timestamp at column 1, got '2024-13-01T00:00:00Z'"],
  ];
  it.each(cases)('rejects %j', (line, message) => {
    expect(() => syslog.parse(line)).toThrow(message);
    try {
      syslog.parse(line);
    } catch (e) {
      expect((e as Error).message).toBe(message);
    }
  });
});

describe('RFC 5424 (the examples of RFC 5424 §6.5)', () => {
  const syslog = createSyslogParser();
  it('example 1: no structured data, a BOM before the message', () => {
    expect(syslog.parse("<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \uFEFF'su root' failed for lonvick on /dev/pts/8")).toEqual({
      pri: 34, facility: 4, severity: 2, timestamp: '2003-10-11T22:14:15.003Z', host: 'mymachine.example.com', app: 'su',
      pid: null, msgid: 'ID47', structured_data: null, message: "'su root' failed for lonvick on /dev/pts/8",
    });
  });
  it('example 2: microseconds and an offset, no msgid', () => {
    expect(syslog.parse("<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.")).toEqual({
      pri: 165, facility: 20, severity: 5, timestamp: '2003-08-24T05:14:15.000003-07:00', host: '192.0.2.1', app: 'myproc',
      pid: '8710', msgid: null, structured_data: null, message: "%% It's time to make the do-nuts.",
    });
  });
  it('example 3: structured data and a message', () => {
    expect(syslog.parse('<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] \uFEFFAn application event log entry...')).toEqual({
      pri: 165, facility: 20, severity: 5, timestamp: '2003-10-11T22:14:15.003Z', host: 'mymachine.example.com', app: 'evntslog',
      pid: null, msgid: 'ID47',
      structured_data: { 'exampleSDID@32473': { iut: '3', eventSource: 'Application', eventID: '1011' } },
      message: 'An application event log entry...',
    });
  });
  it('example 4: two SD elements, no message', () => {
    expect(syslog.parse('<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"]')).toMatchObject({
      structured_data: {
        'exampleSDID@32473': { iut: '3', eventSource: 'Application', eventID: '1011' },
        'examplePriority@32473': { class: 'high' },
      },
      message: '',
    });
  });
  it('unescapes \\" \\\\ \\] in parameter values, keeps other backslashes, collects repeated names', () => {
    expect(syslog.parse('<14>1 - - - - - [x@1 a="q\\"b\\\\s\\]e\\n" ip="1" ip="2"]')).toEqual({
      pri: 14, facility: 1, severity: 6, timestamp: null, host: null, app: null, pid: null, msgid: null,
      structured_data: { 'x@1': { a: 'q"b\\s]e\\n', ip: ['1', '2'] } }, message: '',
    });
  });
  const cases: [string, string][] = [
    ['<34>2 2003-10-11T22:14:15Z h a p m -', 'syslog: RFC 5424: unsupported version 2 (only 1 is defined)'],
    ['<34>1 yesterday h a p m -', "syslog: RFC 5424: expected an RFC 3339 timestamp or '-', got 'yesterday'"],
    ['<34>1 2003-10-11T22:14:15Z h a', 'syslog: RFC 5424: expected the app name and a space at column 30'],
    ['<34>1 2003-10-11T22:14:15Z h a p m', 'syslog: RFC 5424: expected the message id and the structured data'],
    ['<34>1 2003-10-11T22:14:15Z h a p m x', "syslog: RFC 5424: expected structured data ('-' or '[') at column 36"],
    ['<34>1 2003-10-11T22:14:15Z h a p m [id a="1"', "syslog: RFC 5424: malformed structured data: expected ']' at column 45"],
    ['<34>1 2003-10-11T22:14:15Z h a p m [id a=1]', 'syslog: RFC 5424: malformed structured data: expected PARAM-NAME="value" at column 40'],
    ['<34>1 2003-10-11T22:14:15Z h a p m [id a="1]', "syslog: RFC 5424: missing closing quote of the value of 'a' in structured data"],
    ['<34>1 2003-10-11T22:14:15Z h a p m -x', "syslog: RFC 5424: expected structured data ('-' or '[') at column 36"],
  ];
  it.each(cases)('rejects %j', (line, message) => {
    let msg = '';
    try {
      syslog.parse(line);
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toBe(message);
  });
});
