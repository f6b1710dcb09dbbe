/**
 * Rendering of records for the output formats.
 *
 * - text: Spark's `DStream.print()`: strings as they are, pairs as `(key,value)`,
 *   objects and arrays as JSON;
 * - everywhere a BigInt (an integer beyond 2^53 − 1) is written exactly, as
 *   a JSON number inside JSON (`stringifyExact`);
 * - json: one object per record: `time`, `windowStart`/`windowEnd` on windowed
 *   results, then `key` and `value` for pairs or `value` otherwise;
 * - tsv: fields joined by tabs; `\`, tab, LF and CR inside a field escaped as
 *   `\\`, `\t`, `\n`, `\r` (the IANA text/tab-separated-values convention
 *   used by PostgreSQL's COPY);
 * - csv: RFC 4180: a field holding `,`, `"`, CR or LF is quoted, `"` doubled;
 *   lines end with LF.
 * - `undefined` (a key or value a function left out; JSON has none): `null` in
 *   json, an empty field in tsv/csv (as an absent field under `--header`),
 *   `undefined` in text, which shows values as JavaScript does; `null` is
 *   `null` everywhere.
 * - a Set is the JSON array of its elements and a Map the JSON array of its
 *   `[key, value]` entries (`[...set]`, `[...map]`: insertion order; keys of
 *   any type kept apart), at any depth and in every format, where JSON has `{}`.
 * In tsv/csv, windowed results start with the window start (ISO 8601 UTC).
 * A lone surrogate (a string a function built by halves) is U+FFFD in every
 * format, JSON included (`wellFormedJson`).
 */
import { stringifyCollections as outputJson } from '../core/json.js';
import { isPair, type Millis, type WindowBounds } from '../core/types.js';

/** The output formats. */
export type OutputFormat = 'text' | 'json' | 'tsv' | 'csv';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['text', 'json', 'tsv', 'csv'];

function safeString(x: unknown): string {
  try {
    return String(x);
  } catch {
    return '[unprintable value]';
  }
}

/** JSON.stringify's escape of a lone surrogate (`\udcff`), with the backslashes before it. */
const LONE_SURROGATE = /(\\+)ud[89a-f][0-9a-f]{2}/g;

/**
 * JSON text with each lone surrogate, which JSON.stringify writes as an escape (`\udcff`), as U+FFFD:
 * the character UTF-8 output gives it in every other format (and invalid UTF-8 input becomes). An
 * escape is one when an odd number of backslashes lead to it (`\\udcff` is a backslash, then text).
 */
export function wellFormedJson(s: string): string {
  if (!s.includes('\\ud')) return s;
  return s.replace(LONE_SURROGATE, (m, backslashes: string) => (backslashes.length % 2 === 1 ? backslashes.slice(1) + '\ufffd' : m));
}

/**
 * Output values JSON cannot write (a cycle, a `toJSON` that throws or returns undefined), written as their
 * text instead: counted, said at exit (cli/main.ts).
 */
export const unwritableValues = { count: 0 };

/**
 * The JSON text output writes for an object or array (or a bigint; `stringifyCollections`, lone surrogates as U+FFFD), or
 * undefined when JSON cannot write it (a cycle, a `toJSON` that throws or returns undefined). Never throws.
 */
export function objectJson(x: unknown): string | undefined {
  try {
    const s = outputJson(x);
    return s === undefined ? undefined : wellFormedJson(s);
  } catch {
    return undefined;
  }
}

/** The text tsv/csv write for an object key or value: its JSON (`objectJson`), or its text when JSON cannot write it. Not counted. */
export function objectText(x: object): string {
  return objectJson(x) ?? safeString(x);
}

/** JSON text of a value; a value JSON cannot hold (cyclic, symbol, function, throwing toJSON) becomes the JSON string of its text. */
function jsonText(x: unknown): string {
  const s = objectJson(x); // also a bigint (a JSON number), function or symbol (undefined)
  if (s !== undefined) return s;
  if (typeof x === 'object' && x !== null) unwritableValues.count++;
  return wellFormedJson(JSON.stringify(safeString(x)));
}

const ZEROS = '000000000';

/**
 * `String(x)` of a number, faster for integers beyond 2^31 in magnitude (byte
 * sums, epoch milliseconds): V8 formats such a double through its
 * shortest-digits algorithm (~400 ns), so it is written here as two small
 * integers of at most 9 digits each (~200 ns). Same text as `String(x)` for
 * every number (property-tested).
 */
export function numberText(x: number): string {
  if (x >= 2147483648 && x <= Number.MAX_SAFE_INTEGER && Number.isInteger(x)) {
    const hi = Math.floor(x / 1e9);
    const lo = '' + (x - hi * 1e9);
    return '' + hi + ZEROS.slice(lo.length) + lo;
  }
  if (x <= -2147483648 && x >= -Number.MAX_SAFE_INTEGER && Number.isInteger(x)) return '-' + numberText(-x);
  return '' + x;
}

/** Text of one value: strings raw, objects as JSON, everything else `String(x)`. */
export function valueText(x: unknown): string {
  if (typeof x === 'string') return x;
  if (x !== null && typeof x === 'object') {
    const s = objectJson(x);
    if (s !== undefined) return s;
    unwritableValues.count++; // cyclic or hostile: its text instead
  }
  return safeString(x);
}

/** A record as Spark's print shows it. */
export function textRecord(x: unknown): string {
  if (isPair(x)) return `(${valueText(x[0])},${valueText(x[1])})`;
  return valueText(x);
}

/** The 43-dash rule of Spark's print frame. */
export const RULE = '-------------------------------------------';

const PAD2 = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const PAD3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
export const DAY_MS = 86_400_000;
/** Year 10000: from there on toISOString writes a 6-digit year. */
export const ISO_END_MS = 253_402_300_800_000;
/** `YYYY-MM-DDT` of the day of the last instant formatted (consecutive windows share it). */
let isoDay = { day: NaN, text: '' };

/**
 * ISO 8601 UTC text of an instant (`Date.prototype.toISOString`), or `String(ms)`
 * when it is not a valid time. Integer instants from 1970 to 9999 are
 * formatted by arithmetic with the date part cached: one Date per day instead of
 * one per window (measured: 10 % of a 1 h window sliding every second).
 */
export function isoTime(ms: Millis): string {
  if (!Number.isInteger(ms) || ms < 0 || ms >= ISO_END_MS) {
    const d = new Date(ms);
    return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString();
  }
  const day = Math.floor(ms / DAY_MS);
  if (isoDay.day !== day) isoDay = { day, text: new Date(day * DAY_MS).toISOString().slice(0, 11) };
  const r = ms - day * DAY_MS;
  return `${isoDay.text}${PAD2[Math.floor(r / 3_600_000)]}:${PAD2[Math.floor(r / 60_000) % 60]}:${PAD2[Math.floor(r / 1000) % 60]}.${PAD3[r % 1000]}Z`;
}

/**
 * Header of a print frame: the rule, `Time: <batch time> ms`, for event-time
 * windows a `Window: [start, end)` line (ISO 8601 UTC), and the rule again.
 */
export function frameHeader(timeMs: Millis, window?: WindowBounds): string {
  const w = window?.eventTime ? `Window: [${isoTime(window.startMs)}, ${isoTime(window.endMs)})\n` : '';
  return `${RULE}\nTime: ${timeMs} ms\n${w}${RULE}\n`;
}

function jsonValue(x: unknown): string {
  // Fast paths (one per row: a 1 h window sliding every second writes ~800,000 rows): a finite
  // number's JSON text is String(x), a string's is JSON.stringify without the bigint replacer.
  if (typeof x === 'number') return Number.isFinite(x) ? numberText(x) : JSON.stringify(String(x));
  if (typeof x === 'string') return jsonPlain(x) ? '"' + x + '"' : wellFormedJson(JSON.stringify(x));
  if (x === undefined || x === null) return 'null';
  return jsonText(x);
}

/** Whether JSON writes `s` between quotes as it is: no control character, `"`, `\\` or surrogate (a lone one is escaped). */
function jsonPlain(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 32 || c === 34 || c === 92 || (c >= 0xd800 && c <= 0xdfff)) return false;
  }
  return true;
}

/** `{"time":T,"windowStart":S,"windowEnd":E,` of the last row, reused while time and window stay the same. */
let jsonHead = { timeMs: NaN, startMs: NaN, endMs: NaN, windowed: false, text: '' };

/** One JSON line (without the newline). */
export function jsonRecord(x: unknown, timeMs: Millis, window?: WindowBounds): string {
  const h = jsonHead;
  if (h.timeMs !== timeMs || h.windowed !== (window !== undefined) || (window && (h.startMs !== window.startMs || h.endMs !== window.endMs))) {
    const w = window ? `,"windowStart":${window.startMs},"windowEnd":${window.endMs}` : '';
    jsonHead = { timeMs, startMs: window?.startMs ?? NaN, endMs: window?.endMs ?? NaN, windowed: window !== undefined, text: `{"time":${timeMs}${w},` };
  }
  if (isPair(x)) return `${jsonHead.text}"key":${jsonValue(x[0])},"value":${jsonValue(x[1])}}`;
  return `${jsonHead.text}"value":${jsonValue(x)}}`;
}

/** Whether `s` has nothing a TSV field escapes (`\\`, tab, LF, CR): a loop, faster than a regex on short keys. */
function tsvPlain(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 92 || c === 9 || c === 10 || c === 13) return false;
  }
  return true;
}

/** A TSV field (see module doc); `undefined` is an empty field. */
export function tsvField(x: unknown): string {
  if (typeof x === 'number') return numberText(x);
  const s = typeof x === 'string' ? x : x === undefined ? '' : valueText(x);
  if (tsvPlain(s)) return s;
  return s.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

const CSV_SPECIAL = /[",\r\n]/;
/** A CSV field (RFC 4180); `undefined` is an empty field. */
export function csvField(x: unknown): string {
  if (typeof x === 'number') return numberText(x);
  const s = x === undefined ? '' : valueText(x);
  return CSV_SPECIAL.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The window start column of the last row (ISO text and separator), reused for every row of a window. */
let windowHead = { startMs: NaN, sep: '', text: '' };

/** One TSV or CSV line (without the newline). */
export function delimitedRecord(x: unknown, format: 'tsv' | 'csv', window?: WindowBounds): string {
  const sep = format === 'tsv' ? '\t' : ',';
  let head = '';
  if (window) {
    if (windowHead.startMs !== window.startMs || windowHead.sep !== sep) windowHead = { startMs: window.startMs, sep, text: isoTime(window.startMs) + sep };
    head = windowHead.text;
  }
  // Direct calls (not through a variable) so that V8 inlines the field functions: one call per row.
  if (format === 'tsv') return isPair(x) ? head + tsvField(x[0]) + '\t' + tsvField(x[1]) : head + tsvField(x);
  return isPair(x) ? head + csvField(x[0]) + ',' + csvField(x[1]) : head + csvField(x);
}

/**
 * Columns of tsv/csv output with `--header`, fixed by the first record:
 * `window_start`, `window_end` for windowed results, then `key`, `value` for
 * pairs, the field names of a plain object (its fields become columns), or
 * `value`.
 */
export interface Columns {
  windowed: boolean;
  /** Field names of object records, or null (pairs and other values). */
  fields: string[] | null;
  /** `fields` as a set: one lookup per field of a record in `fieldsOutside`, however many columns. */
  fieldSet: ReadonlySet<string> | null;
  names: string[];
}

function plainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== 'object' || Array.isArray(x)) return false;
  const proto = Object.getPrototypeOf(x) as unknown;
  return proto === Object.prototype || proto === null;
}

/** The columns for output whose first record is `x` (in window `window`, if any). */
export function columnsOf(x: unknown, window?: WindowBounds): Columns {
  const fields = plainObject(x) ? Object.keys(x) : null;
  const names = fields ?? (isPair(x) ? ['key', 'value'] : ['value']);
  return { windowed: window !== undefined, fields, fieldSet: fields && new Set(fields), names: window ? ['window_start', 'window_end', ...names] : names };
}

/** The header line (without the newline). */
export function headerLine(c: Columns, format: 'tsv' | 'csv'): string {
  const field = format === 'tsv' ? tsvField : csvField;
  return c.names.map(field).join(format === 'tsv' ? '\t' : ',');
}

/** The fields of object record `x` that are not columns of `c` (fields from the first record), or null when none are. */
export function fieldsOutside(x: unknown, c: Columns): string[] | null {
  const set = c.fieldSet;
  if (!set || !plainObject(x)) return null;
  let out: string[] | null = null;
  for (const k in x) if (x[k] !== undefined && !set.has(k)) (out ??= []).push(k);
  return out;
}

/**
 * Whether record `x` has the shape of the first record, which made columns `c`: a plain object
 * under its fields, a pair under `key`, `value`, anything else (an object as JSON) under `value`.
 */
export function fitsColumns(x: unknown, c: Columns): boolean {
  return c.fields ? plainObject(x) : isPair(x) === (c.names.length - (c.windowed ? 2 : 0) === 2);
}

/**
 * One row under `--header` (without the newline): window start and end, then the record's columns.
 * A record that does not fit them (`fitsColumns`) is written from the first column on, as one field
 * (a pair under `value`: its JSON) or a pair's two, the columns after it empty: every row has the header's width.
 */
export function columnsRecord(x: unknown, format: 'tsv' | 'csv', window: WindowBounds | undefined, c: Columns): string {
  const sep = format === 'tsv' ? '\t' : ',';
  const head = window ? isoTime(window.startMs) + sep + isoTime(window.endMs) + sep : '';
  const field = format === 'tsv' ? tsvField : csvField;
  if (c.fields && plainObject(x)) return head + c.fields.map((f) => (x[f] === undefined ? '' : field(x[f]))).join(sep);
  const width = c.names.length - (c.windowed ? 2 : 0);
  if (width === 1) return head + (isPair(x) ? field(x) : delimitedRecord(x, format));
  return head + delimitedRecord(x, format) + sep.repeat(Math.max(0, width - (isPair(x) ? 2 : 1)));
}
