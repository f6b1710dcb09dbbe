import { describe, expect, it } from 'vitest';
import { TimeZone } from '../../src/core/time-zone.js';
import { toEventTimeMs } from '../../src/core/event-time.js';
import { runBatches } from '../helpers/batches.js';

const NY = new TimeZone('America/New_York');
const iso = (t: number) => new Date(t).toISOString();
const win = (s: string, len: number) => NY.window(Date.parse(s), len).map(iso);

describe('local-time windows', () => {
  it('the repeated fall-back hour is two hourly windows', () => {
    expect(win('2026-11-01T05:30:00Z', 3_600_000)).toEqual(['2026-11-01T05:00:00.000Z', '2026-11-01T06:00:00.000Z']); // 01:30 EDT
    expect(win('2026-11-01T06:30:00Z', 3_600_000)).toEqual(['2026-11-01T06:00:00.000Z', '2026-11-01T07:00:00.000Z']); // 01:30 EST
  });
  it('the skipped spring-forward hour is no window', () => {
    expect(win('2026-03-08T06:59:59Z', 3_600_000)).toEqual(['2026-03-08T06:00:00.000Z', '2026-03-08T07:00:00.000Z']); // 01:xx EST
    expect(win('2026-03-08T07:00:00Z', 3_600_000)).toEqual(['2026-03-08T07:00:00.000Z', '2026-03-08T08:00:00.000Z']); // 03:00 EDT
  });
  it('daily windows run from local midnight to local midnight (25 h and 23 h across DST)', () => {
    expect(win('2026-11-01T12:00:00Z', 86_400_000)).toEqual(['2026-11-01T04:00:00.000Z', '2026-11-02T05:00:00.000Z']);
    expect(win('2026-03-08T12:00:00Z', 86_400_000)).toEqual(['2026-03-08T05:00:00.000Z', '2026-03-09T04:00:00.000Z']);
    expect(win('2026-06-01T03:59:59Z', 86_400_000)).toEqual(['2026-05-31T04:00:00.000Z', '2026-06-01T04:00:00.000Z']);
  });
  it('zone-less timestamps are read in the zone; explicit offsets win', () => {
    expect(iso(toEventTimeMs('2026-06-01 12:00:00', NY))).toBe('2026-06-01T16:00:00.000Z');
    expect(iso(toEventTimeMs('2026-06-01T12:00:00Z', NY))).toBe('2026-06-01T12:00:00.000Z');
    expect(iso(toEventTimeMs('2026-06-01 12:00:00'))).toBe('2026-06-01T12:00:00.000Z');
  });
  it('an unknown zone is a configuration error', () => {
    expect(() => new TimeZone('Mars/Olympus')).toThrow("--timezone: 'Mars/Olympus' is not an IANA time zone name");
  });
  it('event-time hourly counts across the fall-back night', () => {
    const times = ['2026-11-01T05:10:00Z', '2026-11-01T05:50:00Z', '2026-11-01T06:10:00Z', '2026-11-01T07:10:00Z'];
    const { outputs } = runBatches([times], (s) => s.eventTime((x: string) => x, { zone: NY }).countByWindow(3_600_000), { endInput: true });
    expect(outputs.map((o) => [iso(o.window!.startMs), o.records[0]])).toEqual([
      ['2026-11-01T05:00:00.000Z', 2],
      ['2026-11-01T06:00:00.000Z', 1],
      ['2026-11-01T07:00:00.000Z', 1],
    ]);
  });
});
