/** Numeric epochs: unit by magnitude, and the year 0000–9999 range of event times. */
import { describe, expect, it } from 'vitest';
import { MAX_EVENT_TIME_MS, MIN_EVENT_TIME_MS, epochToMs, toEventTimeMs } from '../../src/core/event-time.js';

describe('epoch unit by magnitude', () => {
  it('bands: < 1e8 ms, then s, ms, µs, ns; ≥ 1e20 not a time', () => {
    expect(epochToMs(99_999_999)).toBe(99_999_999);
    expect(epochToMs(100_000_000)).toBe(100_000_000_000);
    expect(epochToMs(99_999_999_999)).toBe(99_999_999_999_000);
    expect(epochToMs(100_000_000_000)).toBe(100_000_000_000);
    expect(epochToMs(1e14)).toBe(1e11);
    expect(epochToMs(1e17)).toBe(1e11);
    expect(epochToMs(-1503792334)).toBe(-1503792334000);
    expect(epochToMs(1e20)).toBeNaN();
    expect(epochToMs(1503792334123456789n)).toBe(1503792334123); // whole ms, floored
    expect(epochToMs(1503792334999999999n)).toBe(1503792334999); // not rounded up into the next second
    expect(epochToMs(-1503792334000000001n)).toBe(-1503792334001);
    expect(epochToMs(10n ** 20n)).toBeNaN();
  });

  it('one instant in four units, as numbers, BigInts and digit strings', () => {
    const t = Date.UTC(2017, 7, 27, 0, 5, 34);
    for (const v of [1503792334, 1503792334000, 1503792334000000, 1503792334000000000, 1503792334000000000n, '1503792334', '1503792334000000000', '-0']) {
      expect(toEventTimeMs(v), String(v)).toBe(v === '-0' ? -0 : t);
    }
    expect(toEventTimeMs(1503792334.5)).toBe(t + 500);
  });

  it('instants outside years 0000–9999 are not times', () => {
    expect(new Date(MIN_EVENT_TIME_MS).toISOString()).toBe('0000-01-01T00:00:00.000Z');
    expect(new Date(MAX_EVENT_TIME_MS).toISOString()).toBe('9999-12-31T23:59:59.999Z');
    expect(toEventTimeMs(new Date(MAX_EVENT_TIME_MS))).toBe(MAX_EVENT_TIME_MS);
    expect(toEventTimeMs(new Date(MAX_EVENT_TIME_MS + 1))).toBeNaN();
    expect(toEventTimeMs(new Date(MIN_EVENT_TIME_MS - 1))).toBeNaN();
    expect(toEventTimeMs('9999-12-31T23:59:59Z')).toBe(MAX_EVENT_TIME_MS - 999);
  });
});

describe('--event-time auto takes a BigInt epoch (a nanosecond time from --parse json)', () => {
  it('returns it for toEventTimeMs', async () => {
    const { autoEventTime, createParser } = await import('../../src/parsers/index.js');
    const json = createParser('json');
    const r = json.parse('{"ts":1503792334123456789}')!;
    expect(autoEventTime(r, json)).toBe(1503792334123456789n);
    expect(toEventTimeMs(autoEventTime(r, json))).toBe(1503792334123);
  });
});
