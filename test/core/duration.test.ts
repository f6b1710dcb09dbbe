import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../src/core/duration.js';

describe('parseDuration', () => {
  it('reads a bare number as seconds', () => {
    expect(parseDuration('3600', '--window')).toBe(3_600_000);
    expect(parseDuration('60', '--slide')).toBe(60_000);
    expect(parseDuration('0.5', '--batch')).toBe(500);
  });
  it('reads units ms s m h d', () => {
    expect(parseDuration('500ms', '--batch')).toBe(500);
    expect(parseDuration('10s', '--batch')).toBe(10_000);
    expect(parseDuration('5m', '--window')).toBe(300_000);
    expect(parseDuration('1h', '--window')).toBe(3_600_000);
    expect(parseDuration('1d', '--window')).toBe(86_400_000);
  });
  it('rejects nonsense, zero and negative values with the flag name', () => {
    expect(() => parseDuration('soon', '--window')).toThrow("--window: 'soon' is not a duration");
    expect(() => parseDuration('0', '--batch')).toThrow('--batch: duration must be positive');
    expect(() => parseDuration('-5s', '--batch')).toThrow('--batch: duration must be positive');
    expect(() => parseDuration('0.5ms', '--batch')).toThrow('not a whole number of milliseconds');
  });
  it('formats with the largest exact unit', () => {
    expect(formatDuration(20_000)).toBe('20s');
    expect(formatDuration(300_000)).toBe('5m');
    expect(formatDuration(1500)).toBe('1500ms');
    expect(formatDuration(86_400_000)).toBe('1d');
  });
});
