import { describe, expect, it } from 'vitest';
import { compileFunction } from '../../src/plan/compile-fn.js';
import { HELPERS, ip, parseTime } from '../../src/plan/helpers.js';

describe('parseTime', () => {
  it('without a format, reads what --event-time reads', () => {
    expect(parseTime('2017-08-27 00:05:34')).toBe(Date.UTC(2017, 7, 27, 0, 5, 34));
    expect(parseTime('10/Oct/2000:13:55:36 -0700')).toBe(Date.UTC(2000, 9, 10, 20, 55, 36));
    expect(parseTime(1446249499322)).toBe(1446249499322);
    expect(parseTime('soon')).toBeNaN();
  });
  it('with a format: UTC unless %z, strftime tokens', () => {
    expect(parseTime('17/May/2015:10:05:03 +0000', '%d/%b/%Y:%H:%M:%S %z')).toBe(Date.UTC(2015, 4, 17, 10, 5, 3));
    expect(parseTime('10/Oct/2000:13:55:36 -0700', '%d/%b/%Y:%H:%M:%S %z')).toBe(Date.UTC(2000, 9, 10, 20, 55, 36));
    expect(parseTime('2024-02-29T23:59:59.5+05:30', '%FT%T.%f%z')).toBe(Date.UTC(2024, 1, 29, 18, 29, 59, 500));
    expect(parseTime('Jun 14 15:16:01', '%b %d %H:%M:%S')).toBe(Date.UTC(1970, 5, 14, 15, 16, 1));
    expect(parseTime('Jul  4 04:03:06 2005', '%b %e %H:%M:%S %Y')).toBe(Date.UTC(2005, 6, 4, 4, 3, 6));
    expect(parseTime('Tuesday, 01 July 03 10:52:37 PM UTC', '%A, %d %B %y %I:%M:%S %p %Z')).toBe(Date.UTC(2003, 6, 1, 22, 52, 37));
    expect(parseTime('12:00 am 1/2/1999', '%I:%M %p %m/%d/%Y')).toBe(Date.UTC(1999, 0, 2, 0, 0));
    expect(parseTime('69-12-31', '%y-%m-%d')).toBe(Date.UTC(1969, 11, 31));
    expect(parseTime('1446249499', '%s')).toBe(1446249499000);
    expect(parseTime('100% at 2024', '100%% at %Y')).toBe(Date.UTC(2024, 0, 1));
    expect(parseTime('  2024.01.02  ', '%Y.%m.%d')).toBe(Date.UTC(2024, 0, 2));
  });
  it('gives NaN for a mismatch, an impossible date, or a non-string', () => {
    expect(parseTime('2024-02-30', '%Y-%m-%d')).toBeNaN();
    expect(parseTime('2024-13-01', '%Y-%m-%d')).toBeNaN();
    expect(parseTime('2024-01-01 extra', '%Y-%m-%d')).toBeNaN();
    expect(parseTime('2024x01x01', '%Y-%m-%d')).toBeNaN();
    expect(parseTime('Foo 14 15:16:01', '%b %d %H:%M:%S')).toBeNaN();
    expect(parseTime('13:00 pm', '%I:%M %p')).toBeNaN();
    expect(parseTime(20240101, '%Y%m%d')).toBeNaN();
  });
  it('throws for an unknown token', () => {
    expect(() => parseTime('x', '%Q')).toThrow("parseTime: unknown format token %Q in '%Q'; supported: %Y %y %m %d %e %H %I %p %M %S %f %b %h %B %a %A %z %Z %s %T %F %%");
  });
});

describe('ip', () => {
  it('finds the first IPv4 address', () => {
    expect(ip('Failed password for root from 173.234.31.186 port 38926 ssh2')).toBe('173.234.31.186');
    expect(ip('rhost=218.188.2.4 ')).toBe('218.188.2.4');
    expect(ip('[173.234.31.186] failed')).toBe('173.234.31.186');
    expect(ip('connect to 10.0.0.1:22 then 10.0.0.2')).toBe('10.0.0.1');
    expect(ip('ends with 192.168.1.1.')).toBe('192.168.1.1');
  });
  it('finds IPv6 addresses, in text order with IPv4', () => {
    expect(ip('Server listening on :: port 22.')).toBe('::');
    expect(ip('from fe80::1ff:fe23:4567:890a%eth0 to 1.2.3.4')).toBe('fe80::1ff:fe23:4567:890a');
    expect(ip('1.2.3.4 then 2001:db8::1')).toBe('1.2.3.4');
    expect(ip('peer [2001:db8::8:800:200c:417a]:443')).toBe('2001:db8::8:800:200c:417a');
    expect(ip('mapped ::ffff:192.0.2.128 here')).toBe('::ffff:192.0.2.128');
    expect(ip('host ::1:')).toBe('::1');
  });
  it('does not take times, MAC addresses, versions or bad octets for addresses', () => {
    expect(ip('Dec 10 06:55:46 LabSZ sshd')).toBeUndefined();
    expect(ip('hw 00:1a:2b:3c:4d:5e')).toBeUndefined();
    expect(ip('version 1.2.3.4.5')).toBeUndefined();
    expect(ip('256.1.1.1 or 01.2.3.4')).toBeUndefined();
    expect(ip('note:: nothing')).toBeUndefined();
    expect(ip(42)).toBeUndefined();
  });
});

describe('HELPERS', () => {
  it('has hashtags, words, field, parseTime and ip (and an exact JSON), usable in user functions', () => {
    expect(Object.keys(HELPERS).sort()).toEqual(['JSON', 'field', 'hashtags', 'ip', 'parseTime', 'words']);
    const fn = compileFunction("l => [ip(l), parseTime(l.slice(0, 10), '%Y-%m-%d'), hashtags(l)]", '--map');
    expect(fn('2024-01-02 from 10.1.2.3 #Hi')).toEqual(['10.1.2.3', Date.UTC(2024, 0, 2), ['#hi']]);
  });
});
