/**
 * Event-time values → epoch milliseconds.
 *
 * Accepted (see `--event-time` in the man page):
 * - a number, a BigInt or a string of digits (optionally signed): an epoch
 *   whose unit follows from its magnitude |v| (`epochToMs`):
 *
 *       |v| < 1e8            milliseconds (small values, 1970-01-01 .. 1970-01-02)
 *       1e8  ≤ |v| < 1e11    seconds       (1973-03-03 .. 5138)
 *       1e11 ≤ |v| < 1e14    milliseconds  (1973-03-03 .. 5138)
 *       1e14 ≤ |v| < 1e17    microseconds
 *       1e17 ≤ |v| < 1e20    nanoseconds
 *       |v| ≥ 1e20           not a time
 *
 *   so 1503792334, 1503792334000, 1503792334000000 and 1503792334000000000
 *   are one instant, and a microsecond epoch is never read as milliseconds
 *   (year 49623). Seconds may have a fraction;
 * - a `Date`;
 * - ISO 8601 / RFC 3339 strings: `2017-08-27T00:05:34Z`, `2017-08-27 00:05:34`,
 *   `2017-08-27T00:05:34.123456+02:00`, `2017-08-27` (fraction: first 3 digits kept);
 * - the Apache/nginx access-log form `10/Oct/2000:13:55:36 -0700` (optionally in `[...]`);
 * - RFC 2822: `Tue, 1 Jul 2003 10:52:37 +0200`.
 * Strings with no zone are UTC, or wall time in the zone given (`--timezone`).
 * Anything else is not a time (`NaN`), and so is any instant outside years
 * 0000 to 9999 (`MIN_EVENT_TIME_MS` … `MAX_EVENT_TIME_MS`): one such record
 * would otherwise move the watermark past every real record.
 *
 * The ISO and Apache forms are parsed by hand (the hot path of event-time
 * jobs); RFC 2822 is handed to `Date.parse`. The last string parsed is cached,
 * since consecutive log lines often share a timestamp.
 */
import type { Millis } from './types.js';
import type { TimeZone } from './time-zone.js';

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$/;
const APACHE = /^\[?(\d{1,2})\/([A-Za-z]{3})\/(\d{4}):(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:\s*([+-]\d{4}|Z))?\]?$/;
const RFC2822 = /^(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d{2}:\d{2}(?::\d{2})?(\s+(?:[+-]\d{4}|[A-Za-z]{1,5}))?$/;
const MONTHS: Record<string, number> = {
  jan: 0, feb: 1, mar: 2, apr: 3, may: 4, jun: 5, jul: 6, aug: 7, sep: 8, oct: 9, nov: 10, dec: 11,
};

let lastText = '';
let lastValue: Millis = NaN;
let lastZone: TimeZone | undefined;
/** Set by `parseString`: whether the text carried its own zone or offset. */
let hadZone = false;

function zoneOffsetMs(zone: string | undefined): number {
  hadZone = zone !== undefined;
  if (!zone || zone === 'Z' || zone === 'z' || zone === 'UTC' || zone === 'GMT') return 0;
  const sign = zone[0] === '-' ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const h = Number(digits.slice(0, 2));
  const m = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
  if (h > 23 || m > 59) return NaN;
  return sign * (h * 60 + m) * 60_000;
}

function utc(y: number, mo: number, d: number, h: number, mi: number, s: number, frac: string | undefined): Millis {
  if (mo < 0 || mo > 11 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return NaN;
  const msPart = frac ? Number((frac + '00').slice(0, 3)) : 0;
  // Date.UTC reads years 0–99 as 1900–1999: compute 400 years later (one Gregorian cycle) and go back.
  const t = y < 100 ? Date.UTC(y + 400, mo, d, h, mi, s, msPart) - 12_622_780_800_000 : Date.UTC(y, mo, d, h, mi, s, msPart);
  // Reject days past the end of the month (Date.UTC would roll 31 Apr into 1 May).
  if (new Date(t).getUTCDate() !== d && s < 60) return NaN;
  return t;
}

/** Day (epoch ms at 00:00 UTC) of a date prefix, cached: log lines share few distinct dates. */
const dayCache = new Map<string, number>();

function d2(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : NaN;
}

/**
 * Fast path for the two most common shapes, without regular expressions:
 * `YYYY-MM-DDTHH:MM:SS[Z]` / `YYYY-MM-DD HH:MM:SS` and the Apache
 * `DD/Mon/YYYY:HH:MM:SS +0000`. Returns `undefined` for anything else (the
 * general parser then decides). Measured: the event-time step of an access-log
 * job spent 9 % of its time in the regex parser (bench/RESULTS.md profile).
 */
function parseFast(s: string): Millis | undefined {
  const n = s.length;
  let dayKey: string;
  let t: number;
  let zoned: boolean;
  if (n >= 19 && s.charCodeAt(4) === 45 && s.charCodeAt(7) === 45 && s.charCodeAt(13) === 58 && s.charCodeAt(16) === 58) {
    if (n !== 19 && !(n === 20 && s.charCodeAt(19) === 90)) return undefined;
    const sep = s.charCodeAt(10);
    if (sep !== 84 && sep !== 32) return undefined;
    dayKey = s.slice(0, 10);
    t = d2(s, 11) * 3_600_000 + d2(s, 14) * 60_000 + d2(s, 17) * 1000;
    if (!(d2(s, 11) < 24 && d2(s, 14) < 60 && d2(s, 17) < 60)) return undefined;
    zoned = n === 20;
  } else if (n === 26 && s.charCodeAt(2) === 47 && s.charCodeAt(6) === 47 && s.charCodeAt(11) === 58 && s.charCodeAt(20) === 32) {
    if (s.charCodeAt(21) !== 43 || s.slice(22) !== '0000') return undefined; // offsets other than +0000: general path
    dayKey = s.slice(0, 11);
    t = d2(s, 12) * 3_600_000 + d2(s, 15) * 60_000 + d2(s, 18) * 1000;
    if (!(d2(s, 12) < 24 && d2(s, 15) < 60 && d2(s, 18) < 60)) return undefined;
    zoned = true;
  } else return undefined;
  let day = dayCache.get(dayKey);
  if (day === undefined) {
    day = dayKey.length === 10 ? parseGeneral(dayKey) : parseGeneral(`${dayKey}:00:00:00 +0000`);
    if (dayCache.size > 10_000) dayCache.clear();
    dayCache.set(dayKey, day);
  }
  hadZone = zoned;
  return day + t;
}

function parseString(text: string): Millis {
  const fast = parseFast(text);
  return fast !== undefined ? fast : parseGeneral(text);
}

function parseGeneral(text: string): Millis {
  const s = text.trim();
  let m = ISO.exec(s);
  if (m) {
    const t = utc(+m[1]!, +m[2]! - 1, +m[3]!, m[4] ? +m[4] : 0, m[5] ? +m[5] : 0, m[6] ? +m[6] : 0, m[7]);
    return t - zoneOffsetMs(m[8]);
  }
  m = APACHE.exec(s);
  if (m) {
    const mo = MONTHS[m[2]!.toLowerCase()];
    if (mo === undefined) return NaN;
    const t = utc(+m[3]!, mo, +m[1]!, +m[4]!, +m[5]!, +m[6]!, m[7]);
    return t - zoneOffsetMs(m[8]);
  }
  hadZone = true;
  if (/^[+-]?\d{1,20}$/.test(s)) return epochToMs(s.length >= 16 ? BigInt(s) : Number(s));
  m = RFC2822.exec(s);
  if (m) {
    hadZone = m[1] !== undefined;
    const v = Date.parse(m[1] ? s : `${s} +0000`);
    return Number.isFinite(v) ? v : NaN;
  }
  return NaN;
}

/** 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z (epoch ms): event times outside are bad records. */
export const MIN_EVENT_TIME_MS = -62_167_219_200_000;
export const MAX_EVENT_TIME_MS = 253_402_300_799_999;

/**
 * Epoch milliseconds of a numeric epoch, its unit taken from its magnitude
 * (table in the module doc).
 * @returns epoch ms (fractional for µs and numeric ns; whole for BigInt ns), or `NaN` for |v| ≥ 1e20 or a non-finite number.
 */
export function epochToMs(v: number | bigint): Millis {
  if (typeof v === 'bigint') {
    const a = v < 0n ? -v : v;
    if (a >= 100_000_000_000_000_000_000n) return NaN;
    // Nanoseconds: whole milliseconds, floored. A fraction added to ~1.5e12 ms can round up to the
    // next millisecond (1503792334999999999 ns would land in the next second's window).
    if (a >= 100_000_000_000_000_000n) return Number(v / 1_000_000n - (v % 1_000_000n < 0n ? 1n : 0n));
    return epochToMs(Number(v));
  }
  const a = v < 0 ? -v : v;
  if (a < 1e8) return v;
  if (a < 1e11) return v * 1000;
  if (a < 1e14) return v;
  if (a < 1e17) return v / 1000;
  if (a < 1e20) return v / 1e6;
  return NaN;
}

/**
 * Converts an event-time value to epoch milliseconds.
 * @param value a number or BigInt (an epoch, unit by magnitude), a `Date`, or a string in one of the forms above.
 * @param zone where zone-less strings are wall time (default UTC).
 * @returns epoch ms, or `NaN` when the value is not a valid time or not within
 *   years 0000–9999 (never throws).
 */
export function toEventTimeMs(value: unknown, zone?: TimeZone): Millis {
  if (typeof value === 'number' || typeof value === 'bigint') return inRange(epochToMs(value));
  if (typeof value === 'string') {
    if (value === lastText && zone === lastZone) return lastValue;
    let v = inRange(parseString(value));
    if (zone !== undefined && !hadZone && v === v) v = zone.fromWall(v);
    lastText = value;
    lastValue = v;
    lastZone = zone;
    return v;
  }
  if (value instanceof Date) return inRange(value.getTime());
  return NaN;
}

/** The instant, or NaN when outside years 0000–9999. */
function inRange(t: Millis): Millis {
  return t >= MIN_EVENT_TIME_MS && t <= MAX_EVENT_TIME_MS ? t : NaN;
}
