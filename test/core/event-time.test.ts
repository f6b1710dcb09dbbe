import { describe, expect, it } from 'vitest';
import { toEventTimeMs } from '../../src/core/event-time.js';

describe('toEventTimeMs', () => {
  it('takes numbers as epoch ms and Dates as they are', () => {
    expect(toEventTimeMs(1431856803000)).toBe(1431856803000);
    expect(toEventTimeMs(new Date(Date.UTC(2015, 4, 17)))).toBe(Date.UTC(2015, 4, 17));
    expect(toEventTimeMs('1431856803000')).toBe(1431856803000);
  });
  it('parses ISO 8601 / RFC 3339, zone-less as UTC', () => {
    expect(toEventTimeMs('2017-08-27 00:05:34')).toBe(Date.UTC(2017, 7, 27, 0, 5, 34));
    expect(toEventTimeMs('2017-08-27T00:05:34Z')).toBe(Date.UTC(2017, 7, 27, 0, 5, 34));
    expect(toEventTimeMs('2017-08-27T00:05:34.123456+02:00')).toBe(Date.UTC(2017, 7, 26, 22, 5, 34, 123));
    expect(toEventTimeMs('2017-08-27T00:05:34,5-0130')).toBe(Date.UTC(2017, 7, 27, 1, 35, 34, 500));
    expect(toEventTimeMs('2017-08-27')).toBe(Date.UTC(2017, 7, 27));
  });
  it('parses the Apache/nginx access-log form with its offset', () => {
    expect(toEventTimeMs('10/Oct/2000:13:55:36 -0700')).toBe(Date.UTC(2000, 9, 10, 20, 55, 36));
    expect(toEventTimeMs('[17/May/2015:10:05:03 +0000]')).toBe(Date.UTC(2015, 4, 17, 10, 5, 3));
  });
  it('parses RFC 2822', () => {
    expect(toEventTimeMs('Tue, 1 Jul 2003 10:52:37 +0200')).toBe(Date.UTC(2003, 6, 1, 8, 52, 37));
    expect(toEventTimeMs('1 Jul 2003 10:52:37')).toBe(Date.UTC(2003, 6, 1, 10, 52, 37));
  });
  it('gives NaN for what is not a time', () => {
    for (const bad of ['yesterday', '2017-13-01', '2017-02-30 00:00:00', '31/Foo/2000:00:00:00 +0000', '', null, undefined, {}, NaN, Infinity]) {
      expect(toEventTimeMs(bad)).toBeNaN();
    }
  });
});

describe('toEventTimeMs fast paths agree with the calendar', () => {
  it('ISO and Apache forms of random instants parse to those instants', async () => {
    const fc = (await import('fast-check')).default;
    const MON = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
    const p2 = (n: number) => String(n).padStart(2, '0');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_102_444_799 }), (sec) => {
        const d = new Date(sec * 1000);
        const hms = `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`;
        const iso = `${d.getUTCFullYear()}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())}`;
        expect(toEventTimeMs(`${iso} ${hms}`)).toBe(sec * 1000);
        expect(toEventTimeMs(`${iso}T${hms}Z`)).toBe(sec * 1000);
        expect(toEventTimeMs(`${p2(d.getUTCDate())}/${MON[d.getUTCMonth()]}/${d.getUTCFullYear()}:${hms} +0000`)).toBe(sec * 1000);
      }),
    );
  });
});
