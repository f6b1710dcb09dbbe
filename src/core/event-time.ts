/**
 * Event-time values → epoch milliseconds.
 *
 * Accepted (see `--event-time` in the man page):
 * - a finite number: epoch milliseconds; a string of digits: epoch milliseconds;
 * - a `Date`;
 * - ISO 8601 / RFC 3339 strings: `2017-08-27T00:05:34Z`, `2017-08-27 00:05:34`,
 *   `2017-08-27T00:05:34.123456+02:00`, `2017-08-27` (fraction: first 3 digits kept);
 * - the Apache/nginx access-log form `10/Oct/2000:13:55:36 -0700` (optionally in `[...]`);
 * - RFC 2822: `Tue, 1 Jul 2003 10:52:37 +0200`.
 * Strings with no zone are UTC, or wall time in the zone given (`--timezone`).
 * Anything else is not a time (`NaN`).
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
  const t = Date.UTC(y, mo, d, h, mi, s, msPart);
  // Reject days past the end of the month (Date.UTC would roll 31 Apr into 1 May).
  if (new Date(t).getUTCDate() !== d && s < 60) return NaN;
  return t;
}

function parseString(text: string): Millis {
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
  if (/^\d{1,16}$/.test(s)) return Number(s);
  m = RFC2822.exec(s);
  if (m) {
    hadZone = m[1] !== undefined;
    const v = Date.parse(m[1] ? s : `${s} +0000`);
    return Number.isFinite(v) ? v : NaN;
  }
  return NaN;
}

/**
 * Converts an event-time value to epoch milliseconds.
 * @param value a number (epoch ms), a `Date`, or a string in one of the forms above.
 * @param zone where zone-less strings are wall time (default UTC).
 * @returns epoch ms, or `NaN` when the value is not a valid time (never throws).
 */
export function toEventTimeMs(value: unknown, zone?: TimeZone): Millis {
  if (typeof value === 'number') return Number.isFinite(value) ? value : NaN;
  if (typeof value === 'string') {
    if (value === lastText && zone === lastZone) return lastValue;
    let v = parseString(value);
    if (zone !== undefined && !hadZone && v === v) v = zone.fromWall(v);
    lastText = value;
    lastValue = v;
    lastZone = zone;
    return v;
  }
  if (value instanceof Date) return value.getTime();
  return NaN;
}
