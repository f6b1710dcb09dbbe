/**
 * Window assignment at the boundaries, in the style of Flink's
 * SlidingEventTimeWindowsTest: the exact windows of an instant at t = 0,
 * length − 1 and length, for tumbling, sliding and calendar windows, and the
 * invalid parameters refused with their message.
 */
import { describe, expect, it } from 'vitest';
import { TimeZone } from '../../src/core/time-zone.js';
import { windowSpec, windowStartsContaining, firstWindowEndContaining, type WindowSpec } from '../../src/windows/spec.js';
import { runBatches } from '../helpers/batches.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Windows `[start, end)` of instant `t`. */
const windowsOf = (spec: WindowSpec, t: number) => windowStartsContaining(spec, t).map((s) => [s, s + spec.lengthMs]);

describe('tumbling windows (length 10)', () => {
  const spec = windowSpec(10, undefined, 1000, true);
  it('is one window per instant: t = 0, length − 1, length', () => {
    expect(spec).toEqual({ lengthMs: 10, slideMs: 10, paneMs: 10, eventTime: true });
    expect(windowsOf(spec, 0)).toEqual([[0, 10]]);
    expect(windowsOf(spec, 9)).toEqual([[0, 10]]);
    expect(windowsOf(spec, 10)).toEqual([[10, 20]]);
  });
  it('before the epoch too', () => {
    expect(windowsOf(spec, -1)).toEqual([[-10, 0]]);
    expect(windowsOf(spec, -10)).toEqual([[-10, 0]]);
  });
  it('the first window holding an instant ends after it', () => {
    expect(firstWindowEndContaining(spec, 0)).toBe(10);
    expect(firstWindowEndContaining(spec, 9)).toBe(10);
    expect(firstWindowEndContaining(spec, 10)).toBe(20);
  });
});

describe('sliding windows (length 10, slide 5)', () => {
  const spec = windowSpec(10, 5, 1000, true);
  it('is length / slide windows per instant: t = 0, length − 1, length', () => {
    expect(spec.paneMs).toBe(5);
    expect(windowsOf(spec, 0)).toEqual([[-5, 5], [0, 10]]);
    expect(windowsOf(spec, 9)).toEqual([[0, 10], [5, 15]]);
    expect(windowsOf(spec, 10)).toEqual([[5, 15], [10, 20]]);
  });
  it('a slide that does not divide the length: ⌈length / slide⌉ or ⌊length / slide⌋ windows (length 10, slide 4, pane 2)', () => {
    const odd = windowSpec(10, 4, 1000, true);
    expect(odd.paneMs).toBe(2);
    expect(windowsOf(odd, 0)).toEqual([[-8, 2], [-4, 6], [0, 10]]);
    expect(windowsOf(odd, 9)).toEqual([[0, 10], [4, 14], [8, 18]]);
    expect(windowsOf(odd, 10)).toEqual([[4, 14], [8, 18]]);
  });
  it('a slide longer than the length samples: instants between two windows are in none', () => {
    const sampling = windowSpec(5, 10, 1000, true);
    expect(windowsOf(sampling, 0)).toEqual([[0, 5]]);
    expect(windowsOf(sampling, 4)).toEqual([[0, 5]]);
    expect(windowsOf(sampling, 5)).toEqual([]);
    expect(windowsOf(sampling, 10)).toEqual([[10, 15]]);
  });
  it('records at t = 0, length − 1 and length land in exactly those windows', () => {
    const { outputs } = runBatches(
      [[0, 9, 10]],
      (s) => s.eventTime((t: number) => t).map((t) => [t, 1] as [number, number]).reduceByKeyAndWindow('sum', 10, 5),
      { endInput: true },
    );
    expect(outputs.map((o) => [o.window!.startMs, o.window!.endMs, o.records])).toEqual([
      [-5, 5, [[0, 1]]],
      [0, 10, [[0, 1], [9, 1]]],
      [5, 15, [[9, 1], [10, 1]]],
      [10, 20, [[10, 1]]],
    ]);
  });
});

describe('calendar windows (--timezone, tumbling in local time)', () => {
  const UTC = new TimeZone('UTC');
  const BERLIN = new TimeZone('Europe/Berlin');
  it('UTC hours: t = 0, length − 1, length', () => {
    expect(UTC.window(0, HOUR)).toEqual([0, HOUR]);
    expect(UTC.window(HOUR - 1, HOUR)).toEqual([0, HOUR]);
    expect(UTC.window(HOUR, HOUR)).toEqual([HOUR, 2 * HOUR]);
  });
  it('local days: midnight, one ms before the next midnight, the next midnight (Berlin, 23 h on the spring-forward day)', () => {
    const midnight = Date.parse('2026-03-28T23:00:00Z'); // 2026-03-29 00:00 CET
    const next = Date.parse('2026-03-29T22:00:00Z'); // 2026-03-30 00:00 CEST
    expect(BERLIN.window(midnight, DAY)).toEqual([midnight, next]);
    expect(BERLIN.window(next - 1, DAY)).toEqual([midnight, next]);
    expect(BERLIN.window(next, DAY)).toEqual([next, next + DAY]);
    expect(next - midnight).toBe(23 * HOUR);
  });
  it('records at t = 0, length − 1 and length: two windows', () => {
    const { outputs } = runBatches([[0, HOUR - 1, HOUR]], (s) => s.eventTime((t: number) => t, { zone: UTC }).countByWindow(HOUR), { endInput: true });
    expect(outputs.map((o) => [o.window!.startMs, o.window!.endMs, o.records])).toEqual([
      [0, HOUR, [2]],
      [HOUR, 2 * HOUR, [1]],
    ]);
  });
});

describe('invalid parameters are refused with the fix', () => {
  it('length and slide must be positive whole numbers of ms', () => {
    expect(() => windowSpec(0, undefined, 1000, true)).toThrow('window length must be a positive whole number of ms, got 0');
    expect(() => windowSpec(-10, undefined, 1000, true)).toThrow('window length must be a positive whole number of ms, got -10');
    expect(() => windowSpec(1.5, undefined, 1000, true)).toThrow('window length must be a positive whole number of ms, got 1.5');
    expect(() => windowSpec(10, 0, 1000, true)).toThrow('slide interval must be a positive whole number of ms, got 0');
    expect(() => windowSpec(10, -5, 1000, true)).toThrow('slide interval must be a positive whole number of ms, got -5');
  });
  it('processing time: length and slide are multiples of the batch interval', () => {
    expect(() => windowSpec(25_000, undefined, 10_000, false)).toThrow('window length 25s is not a multiple of the batch interval 10s; use 20s or 30s');
    expect(() => windowSpec(20_000, 15_000, 10_000, false)).toThrow('slide interval 15s is not a multiple of the batch interval 10s; use 10s or 20s');
    expect(() => windowSpec(20_000, 5_000, 10_000, false)).toThrow('slide interval 5s is not a multiple of the batch interval 10s; use 10s');
  });
  it('calendar windows: tumbling only, a length that divides a day, a known zone', () => {
    const UTC = new TimeZone('UTC');
    const build = (lengthMs: number, slideMs?: number) => () =>
      runBatches([[]], (s) => s.eventTime((t: number) => t, { zone: UTC }).countByWindow(lengthMs, slideMs));
    expect(build(HOUR, HOUR / 2)).toThrow('--timezone aligns tumbling windows only: drop --slide 30m or use a window shorter than 1h');
    expect(build(5 * HOUR)).toThrow('--timezone: window length 5h does not divide a day; use 1h, 2h, 3h, 4h, 6h, 8h, 12h or 1d');
    expect(build(2 * DAY)).toThrow('--timezone: window length 2d does not divide a day');
    expect(() => new TimeZone('Mars/Olympus')).toThrow("--timezone: 'Mars/Olympus' is not an IANA time zone name (e.g. UTC, Europe/Berlin, America/New_York)");
  });
});
