/**
 * Durations on the command line. A bare number is seconds (as in Spark's
 * `Seconds(60)` and the design card's `--window 3600 --slide 60`); otherwise a
 * number with a unit is parsed by the `ms` package (`500ms`, `10s`, `5m`,
 * `1h`, `1d`, also `1.5h`). Results are integer milliseconds.
 */
import ms from 'ms';
import { ConfigError } from './errors.js';
import type { Millis } from './types.js';

/**
 * Parses a duration flag value into milliseconds.
 * @param text e.g. `"60"` (seconds), `"500ms"`, `"5m"`.
 * @param flag the flag name, used in the error message.
 * @throws ConfigError when the text is not a positive duration or not a whole number of ms.
 */
export function parseDuration(text: string | number, flag: string): Millis {
  const s = String(text).trim();
  let value: number | undefined;
  if (/^\d+(\.\d+)?$/.test(s)) value = Number(s) * 1000;
  else {
    try {
      const v = ms(s as ms.StringValue);
      value = typeof v === 'number' ? v : undefined;
    } catch {
      value = undefined;
    }
  }
  if (value === undefined || !Number.isFinite(value)) {
    throw new ConfigError(`${flag}: '${s}' is not a duration; use a number of seconds or a unit: 500ms, 10s, 5m, 1h, 1d`);
  }
  if (value <= 0) throw new ConfigError(`${flag}: duration must be positive, got '${s}'`);
  if (!Number.isInteger(value)) throw new ConfigError(`${flag}: '${s}' is not a whole number of milliseconds`);
  return value;
}

/** Formats milliseconds for messages: `20s`, `5m`, `1500ms`, `1h` (the largest exact unit). */
export function formatDuration(msValue: Millis): string {
  const units: [number, string][] = [[86_400_000, 'd'], [3_600_000, 'h'], [60_000, 'm'], [1000, 's']];
  for (const [size, unit] of units) if (msValue % size === 0) return `${msValue / size}${unit}`;
  return `${msValue}ms`;
}
