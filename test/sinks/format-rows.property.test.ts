/**
 * Property test: the row formatters with their fast paths (numbers and strings
 * without the generic JSON path, the window start and the JSON head reused
 * between rows) write exactly what the plain versions they replace wrote, for
 * random values and random sequences of windows and batch times.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { delimitedRecord, isoTime, jsonRecord, valueText } from '../../src/sinks/format.js';
import type { WindowBounds } from '../../src/core/types.js';

// The formatters as they were before the fast paths: the reference.
function jsonTextRef(x: unknown): string {
  const safe = (): string => {
    try {
      return String(x);
    } catch {
      return '[unprintable value]';
    }
  };
  try {
    // BigInts (exact integers beyond 2^53) are written as plain JSON numbers.
    const s = JSON.stringify(x, (_k, v) => (typeof v === 'bigint' ? `\u0000BIG${v}\u0000` : v))
      ?.replace(/"\\u0000BIG(-?\d+)\\u0000"/g, '$1');
    return s === undefined ? JSON.stringify(safe()) : s;
  } catch {
    return JSON.stringify(safe());
  }
}
function jsonValueRef(x: unknown): string {
  if (x === undefined) return 'null';
  const s = jsonTextRef(x);
  return typeof x === 'number' && !Number.isFinite(x) ? JSON.stringify(String(x)) : s;
}
const isPairRef = (x: unknown): x is [unknown, unknown] => Array.isArray(x) && x.length === 2;
function jsonRecordRef(x: unknown, timeMs: number, window?: WindowBounds): string {
  const w = window ? `,"windowStart":${window.startMs},"windowEnd":${window.endMs}` : '';
  if (isPairRef(x)) return `{"time":${timeMs}${w},"key":${jsonValueRef(x[0])},"value":${jsonValueRef(x[1])}}`;
  return `{"time":${timeMs}${w},"value":${jsonValueRef(x)}}`;
}
function delimitedRecordRef(x: unknown, format: 'tsv' | 'csv', window?: WindowBounds): string {
  // `undefined` is an empty field (format.ts module doc).
  const text = (v: unknown): string => (v === undefined ? '' : valueText(v));
  const tsv = (v: unknown): string => text(v).replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
  const csv = (v: unknown): string => {
    const s = text(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const field = format === 'tsv' ? tsv : csv;
  const sep = format === 'tsv' ? '\t' : ',';
  const head = window ? isoTime(window.startMs) + sep : '';
  if (isPairRef(x)) return head + field(x[0]) + sep + field(x[1]);
  return head + field(x);
}

const scalar = fc.oneof(
  fc.double(), fc.integer(), fc.constantFrom(0, -0, NaN, Infinity, -Infinity, 1e21, 5e-324),
  fc.string(), fc.constantFrom('a\tb', 'x\\y', 'l1\nl2', 'r\r', 'q"uote', 'c,d', 'é😀', ''),
  fc.boolean(), fc.constant(null), fc.constant(undefined), fc.bigInt(),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.oneof(fc.integer(), fc.string({ maxLength: 3 })), { maxKeys: 2 }),
);
const record = fc.oneof(scalar, fc.tuple(scalar, scalar), fc.array(scalar, { maxLength: 3 }));
const windowArb = fc.option(
  fc.integer({ min: 0, max: 5 }).map((k): WindowBounds => ({ startMs: 1431820800000 + k * 1000, endMs: 1431820800000 + k * 1000 + 3600000, eventTime: true })),
  { nil: undefined },
);
const rows = fc.array(fc.record({ x: record, window: windowArb, timeMs: fc.constantFrom(1431820800000, 1431820801000) }), { maxLength: 30 });

describe('row formatters', () => {
  it('json rows equal the plain formatter, row after row', () => {
    fc.assert(fc.property(rows, (rs) => {
      for (const r of rs) expect(jsonRecord(r.x, r.timeMs, r.window)).toBe(jsonRecordRef(r.x, r.timeMs, r.window));
    }), { numRuns: 500 });
  });
  it('tsv and csv rows equal the plain formatter, row after row', () => {
    fc.assert(fc.property(rows, fc.constantFrom('tsv' as const, 'csv' as const), (rs, format) => {
      for (const r of rs) expect(delimitedRecord(r.x, format, r.window)).toBe(delimitedRecordRef(r.x, format, r.window));
    }), { numRuns: 500 });
  });
  it('isoTime equals Date.prototype.toISOString (String(ms) for an invalid time)', () => {
    const instant = fc.oneof(
      fc.integer({ min: -1e13, max: 253402300800000 + 1e10 }), fc.double({ noNaN: false }),
      fc.constantFrom(0, -1, 999, 86399999, 86400000, 253402300799999, 253402300800000, 8.64e15, 8.64e15 + 1, NaN, Infinity),
    );
    fc.assert(fc.property(fc.array(instant, { maxLength: 20 }), (ms) => {
      for (const t of ms) {
        const d = new Date(t);
        expect(isoTime(t)).toBe(Number.isNaN(d.getTime()) ? String(t) : d.toISOString());
      }
    }), { numRuns: 1000 });
  });
  it('examples', () => {
    const w: WindowBounds = { startMs: 0, endMs: 3600000, eventTime: true };
    expect(jsonRecord(['404', 12], 1000, w)).toBe('{"time":1000,"windowStart":0,"windowEnd":3600000,"key":"404","value":12}');
    expect(jsonRecord(NaN, 1000)).toBe('{"time":1000,"value":"NaN"}');
    expect(delimitedRecord(['a\tb', -0], 'tsv', w)).toBe('1970-01-01T00:00:00.000Z\ta\\tb\t0');
    expect(delimitedRecord(['a,b', 2], 'csv', w)).toBe('1970-01-01T00:00:00.000Z,"a,b",2');
  });
});
