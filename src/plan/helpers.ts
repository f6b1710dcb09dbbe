/**
 * Helper functions available by name inside user functions
 * (`--flat-map 't => hashtags(t.text)'`).
 */
import { createRequire } from 'node:module';
import { toEventTimeMs } from '../core/event-time.js';
import { EXACT_JSON } from '../core/json.js';
import type { Millis } from '../core/types.js';
import { field, hashtags, words } from './text-scan.js';

export { field, hashtags, words };

const MONTH_NAMES = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const DAY_NAMES = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

/** What each strftime token matches (a regex source) and which part it sets. */
const TOKENS: Record<string, { re: string; part: string }> = {
  Y: { re: '(\\d{4})', part: 'year' },
  y: { re: '(\\d{2})', part: 'year2' },
  m: { re: '(\\d{1,2})', part: 'month' },
  d: { re: '(\\d{1,2})', part: 'day' },
  e: { re: ' ?(\\d{1,2})', part: 'day' },
  H: { re: '(\\d{1,2})', part: 'hour' },
  I: { re: '(\\d{1,2})', part: 'hour12' },
  p: { re: '([AaPp][Mm])', part: 'ampm' },
  M: { re: '(\\d{1,2})', part: 'minute' },
  S: { re: '(\\d{1,2})', part: 'second' },
  f: { re: '(\\d{1,9})', part: 'fraction' },
  b: { re: '([A-Za-z]{3})', part: 'monthName' },
  h: { re: '([A-Za-z]{3})', part: 'monthName' },
  B: { re: '([A-Za-z]{3,9})', part: 'monthName' },
  a: { re: '(?:[A-Za-z]{3})', part: '' },
  A: { re: '(?:[A-Za-z]{6,9})', part: '' },
  z: { re: '(Z|[+-]\\d{2}:?\\d{2})', part: 'zone' },
  Z: { re: '(UTC|GMT|Z)', part: 'zoneName' },
  s: { re: '(-?\\d{1,12})', part: 'epochSeconds' },
  T: { re: '(\\d{1,2}):(\\d{1,2}):(\\d{1,2})', part: 'hour,minute,second' },
  F: { re: '(\\d{4})-(\\d{1,2})-(\\d{1,2})', part: 'year,month,day' },
};

const compiled = new Map<string, { re: RegExp; parts: string[] }>();

function compileFormat(format: string): { re: RegExp; parts: string[] } {
  let src = '^';
  const parts: string[] = [];
  for (let i = 0; i < format.length; i++) {
    const ch = format[i]!;
    if (ch === '%') {
      const t = format[++i];
      if (t === '%') {
        src += '%';
        continue;
      }
      const token = t === undefined ? undefined : TOKENS[t];
      if (!token) throw new Error(`parseTime: unknown format token %${t ?? ''} in '${format}'; supported: %Y %y %m %d %e %H %I %p %M %S %f %b %h %B %a %A %z %Z %s %T %F %%`);
      src += token.re;
      if (token.part) parts.push(...token.part.split(','));
    } else if (/\s/.test(ch)) {
      src += '\\s+';
      while (i + 1 < format.length && /\s/.test(format[i + 1]!)) i++;
    } else {
      src += ch.replace(/[-/\\^$*+?.()|[\]{}]/g, '\\$&');
    }
  }
  return { re: new RegExp(src + '$'), parts };
}

/**
 * Parses a time to epoch milliseconds.
 *
 * Without `format`: `toEventTimeMs` (epoch ms as a number or digits, ISO 8601 /
 * RFC 3339, Apache's `10/Oct/2000:13:55:36 -0700`, RFC 2822; zone-less is UTC).
 *
 * With `format`, strftime-like (as strptime, but the whole trimmed string must
 * match): `%Y` 4-digit year, `%y` 2-digit year (69–99 → 19xx, else 20xx,
 * as POSIX), `%m` month 1–12, `%d` day, `%e` space-padded day, `%H` hour
 * 0–23, `%I` hour 1–12 with `%p` AM/PM, `%M` minute, `%S` second, `%f`
 * fraction of a second (1–9 digits, ms kept), `%b`/`%h` month abbreviation and
 * `%B` month name (any case), `%a`/`%A` weekday name (matched, ignored), `%z`
 * zone offset `+hhmm`, `+hh:mm` or `Z`, `%Z` `UTC`/`GMT`/`Z`, `%s` epoch
 * seconds, `%T` = `%H:%M:%S`, `%F` = `%Y-%m-%d`, `%%` a percent sign.
 * Whitespace matches any run of whitespace; other characters match
 * themselves. The time is UTC unless `%z` gives an offset. Missing parts
 * default to 1970, January, day 1, 00:00:00.000.
 *
 * Examples: `parseTime('17/May/2015:10:05:03 +0000', '%d/%b/%Y:%H:%M:%S %z')`,
 * `parseTime('Jun 14 15:16:01', '%b %d %H:%M:%S')` (→ 1970-06-14T15:16:01Z).
 *
 * @returns epoch ms, or `NaN` when `s` is not a string or number, does not
 *   match, or is not a valid date (Feb 30).
 * @throws Error when `format` has an unknown `%` token.
 */
export function parseTime(s: unknown, format?: string): Millis {
  if (format === undefined) return toEventTimeMs(s);
  let c = compiled.get(format);
  if (!c) {
    c = compileFormat(format);
    compiled.set(format, c);
  }
  if (typeof s !== 'string') return NaN;
  const m = c.re.exec(s.trim());
  if (!m) return NaN;
  let year = 1970, month = 0, day = 1, hour = 0, minute = 0, second = 0, ms = 0, offsetMs = 0;
  let pm: boolean | undefined;
  let hour12: number | undefined;
  for (let k = 0; k < c.parts.length; k++) {
    const v = m[k + 1]!;
    switch (c.parts[k]) {
      case 'year': year = Number(v); break;
      case 'year2': year = Number(v) + (Number(v) >= 69 ? 1900 : 2000); break;
      case 'month': month = Number(v) - 1; break;
      case 'day': day = Number(v); break;
      case 'hour': hour = Number(v); break;
      case 'hour12': hour12 = Number(v); break;
      case 'ampm': pm = v.toLowerCase() === 'pm'; break;
      case 'minute': minute = Number(v); break;
      case 'second': second = Number(v); break;
      case 'fraction': ms = Number(v.padEnd(3, '0').slice(0, 3)); break;
      case 'monthName': {
        const lower = v.toLowerCase();
        month = MONTH_NAMES.findIndex((n) => (lower.length === 3 ? n.startsWith(lower) : n === lower));
        if (month < 0) return NaN;
        break;
      }
      case 'zone': {
        if (v === 'Z') break;
        const digits = v.slice(1).replace(':', '');
        const h = Number(digits.slice(0, 2));
        const mi = Number(digits.slice(2));
        if (h > 23 || mi > 59) return NaN;
        offsetMs = (v[0] === '-' ? -1 : 1) * (h * 60 + mi) * 60_000;
        break;
      }
      case 'epochSeconds': return Number(v) * 1000;
    }
  }
  if (hour12 !== undefined) {
    if (hour12 < 1 || hour12 > 12) return NaN;
    hour = (hour12 % 12) + (pm ? 12 : 0);
  }
  if (month < 0 || month > 11 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return NaN;
  const t = Date.UTC(year, month, day, hour, minute, second, ms);
  if (new Date(t).getUTCDate() !== day && second < 60) return NaN;
  return t - offsetMs;
}

/** node:net's isIPv6, loaded on first use (node:net is not needed at start-up otherwise). */
let netIsIPv6: ((s: string) => boolean) | undefined;
function isIPv6(s: string): boolean {
  netIsIPv6 ??= (createRequire(import.meta.url)('node:net') as typeof import('node:net')).isIPv6;
  return netIsIPv6(s);
}

const IPV4 = /(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?!\d|\.\d)/;
const IPV6_CANDIDATE = /(?<![\w.:])[0-9A-Fa-f]{0,4}:[0-9A-Fa-f:.]*/g;

/**
 * The first IPv4 or IPv6 address in a text (`'from 173.234.31.186 port 22'`
 * → `'173.234.31.186'`; `'listening on :: port 22'` → `'::'`).
 *
 * IPv4: four dotted decimal octets 0–255 without leading zeros, not part of a
 * longer dotted number (`1.2.3.4.5` is none). IPv6: RFC 4291 text forms
 * (`::1`, `fe80::1`, `::ffff:1.2.3.4`), checked with Node's `net.isIPv6`; a
 * trailing `:` or `.` (end of a sentence) is dropped; zone ids are not kept.
 * A MAC address or a time (`10:05:03`) is not an address.
 *
 * @returns the address as written, or `undefined` (also for non-strings).
 */
export function ip(s: unknown): string | undefined {
  if (typeof s !== 'string') return undefined;
  const v4 = IPV4.exec(s);
  const v4At = v4 ? v4.index : Infinity;
  if (s.indexOf(':') !== -1) {
    IPV6_CANDIDATE.lastIndex = 0;
    for (let m = IPV6_CANDIDATE.exec(s); m !== null && m.index < v4At; m = IPV6_CANDIDATE.exec(s)) {
      let cand = m[0];
      if (/[\w]/.test(s[m.index + cand.length] ?? '')) continue;
      while (cand.length > 2 && /[:.]$/.test(cand) && !cand.endsWith('::')) cand = cand.slice(0, -1);
      if (isIPv6(cand)) return cand;
    }
  }
  return v4 ? v4[0] : undefined;
}

/** The helpers, by the name they have inside user functions. */
export const HELPERS: Record<string, unknown> = { hashtags, words, field, parseTime, ip, JSON: EXACT_JSON };
