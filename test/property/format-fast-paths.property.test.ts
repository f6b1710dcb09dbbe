/**
 * Property tests of the row formatting fast paths (sinks/format.ts) against
 * the plain versions they replace: numberText against String(x) over the
 * whole safe-integer range and doubles; JSON string values against
 * JSON.stringify; TSV fields against the regex escaping.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { jsonRecord, numberText, tsvField } from '../../src/sinks/format.js';

const tsvRef = (s: string): string => s.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));

describe('numberText', () => {
  it('equals String(x) for safe integers, around 2^31 and 2^53, and doubles (fast-check)', () => {
    const edges = fc.constantFrom(2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1, 1e9, 1e9 - 1, 999_999_999_999, 1_000_000_000_000_000,
      Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2 ** 53, 2 ** 53 + 2, -0, 0, 0.1, 1e21, NaN, Infinity, -Infinity);
    fc.assert(fc.property(fc.oneof(fc.maxSafeInteger(), fc.integer(), fc.double(), edges, fc.integer({ min: 0, max: 2 ** 20 }).map((k) => k * 1e9 + 7)), (x) => {
      expect(numberText(x)).toBe(String(x));
    }), { numRuns: 20_000 });
  });
});

describe('row fields', () => {
  const text = fc.string({ unit: fc.oneof(fc.constantFrom('a', '"', '\\', '\t', '\n', '\r', '\u0000', '\u001f', 'é', '\u2028', '\ud800', '\udc00', '😀'), fc.string({ unit: 'binary', maxLength: 1 })), maxLength: 12 });
  it('JSON: a string key or value is written as JSON.stringify writes it, a lone surrogate as U+FFFD (fast-check)', () => {
    fc.assert(fc.property(text, fc.oneof(text, fc.maxSafeInteger(), fc.double()), (k, v) => {
      const row = jsonRecord([k, v], 5000);
      const wellFormed = (x: unknown) => (typeof x === 'string' ? x.toWellFormed() : x);
      expect(row).toBe(`{"time":5000,"key":${JSON.stringify(wellFormed(k))},"value":${JSON.stringify(wellFormed(typeof v === 'number' && !Number.isFinite(v) ? String(v) : v))}}`);
      expect(JSON.parse(row)).toEqual({ time: 5000, key: k.toWellFormed(), value: wellFormed(typeof v === 'number' && !Number.isFinite(v) ? String(v) : Object.is(v, -0) ? 0 : v) });
    }), { numRuns: 5000 });
  });
  it('TSV: a field is escaped as by the regex (fast-check)', () => {
    fc.assert(fc.property(text, (s) => {
      expect(tsvField(s)).toBe(tsvRef(s));
    }), { numRuns: 5000 });
  });
});
