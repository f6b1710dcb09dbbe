/**
 * Property tests of the numeric grammar of the built-in reducers
 * (`core/numeric.ts`) against a reference: a regular expression for the
 * grammar, `Number` / `BigInt` for the value; and of exact sums against
 * `BigInt` arithmetic.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { addNumeric, parseDecimal, toNumeric, type Numeric } from '../../src/core/numeric.js';
import { builtinReducer } from '../../src/operators/reducers.js';

/** The grammar of the module doc, as a regular expression. */
const GRAMMAR = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** What `parseDecimal` must answer, computed independently. */
function reference(s: string): Numeric | undefined {
  if (!GRAMMAR.test(s)) return undefined;
  if (/^[+-]?[0-9]+$/.test(s)) {
    const b = BigInt(s);
    if (b > SAFE || b < -SAFE) return b;
  }
  const v = Number(s);
  if (v === 0 && /[1-9]/.test(s.split(/[eE]/)[0]!)) return undefined; // nonzero below the double range
  if (Number.isInteger(v) && !isIntegerText(s)) return undefined; // a fraction the double drops whole
  if (!Number.isFinite(v)) return undefined;
  if (Number.isInteger(v) && (v > Number.MAX_SAFE_INTEGER || v < -Number.MAX_SAFE_INTEGER)) return integerOfText(s);
  return v;
}

/** The integer a numeric string denotes, by BigInt arithmetic. */
function integerOfText(s: string): bigint {
  const negative = s.startsWith('-');
  const [significand, exponent = '0'] = s.replace(/^[+-]/, '').split(/[eE]/) as [string, string?];
  const [int, frac = ''] = significand.split('.') as [string, string?];
  const shift = Number(exponent) - frac.length;
  const b = shift >= 0 ? BigInt(int + frac) * 10n ** BigInt(shift) : BigInt(int + frac) / 10n ** BigInt(-shift);
  return negative ? -b : b;
}

/** Whether a numeric string denotes an integer, by BigInt arithmetic: digits × 10^(exponent − fraction digits). */
function isIntegerText(s: string): boolean {
  const [significand, exponent = '0'] = s.replace(/^[+-]/, '').split(/[eE]/) as [string, string?];
  const [int, frac = ''] = significand.split('.') as [string, string?];
  const shift = Number(exponent) - frac.length;
  if (shift >= 0 || /^0*$/.test(int + frac)) return true;
  return BigInt(int + frac) % 10n ** BigInt(-shift) === 0n;
}

/** Strings built from the characters that matter (and the words that tempt a lax parser). */
const tokens = fc.constantFrom('0', '1', '7', '8', '9', '00', '9007199254740993', '+', '-', '.', 'e', 'E', 'x', 'X', '_', ' ', '\t', 'a', 'b', 'NaN', 'Infinity', '0x', '0b', '0o', 'n', '999', 'e308', 'e999', 'e-400', 'e-324', '00000000000000005', '99999999999999999', '\u0660');
const candidates = fc.oneof(
  fc.array(tokens, { maxLength: 8 }).map((t) => t.join('')),
  fc.string({ maxLength: 12 }),
  fc.double().map(String),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
);

describe('numeric grammar of sum/min/max/avg', () => {
  it('parseDecimal accepts exactly the strings of the grammar, with the reference value (also -0)', () => {
    fc.assert(
      fc.property(candidates, (s) => {
        const got = parseDecimal(s);
        const want = reference(s);
        if (typeof want === 'number' && typeof got === 'number') expect(Object.is(got, want)).toBe(true);
        else expect(got).toEqual(want);
      }),
      { numRuns: 20_000 },
    );
  });

  it('examples from the issue', () => {
    expect(['007', '08', '1e3', '+5', '-0'].map(parseDecimal)).toEqual([7, 8, 1000, 5, -0]);
    for (const bad of ['', ' 1', '1 ', '0x10', '1_000', 'NaN', 'Infinity', '-Infinity', '12abc', '1e999', '1e-400', '-2e-324', '.', 'e5', '1e', '+-1']) {
      expect(parseDecimal(bad), bad).toBeUndefined();
      expect(() => toNumeric(bad)).toThrow(TypeError);
    }
    expect(() => toNumeric(NaN)).toThrow('not a number: NaN');
    expect(() => toNumeric(true)).toThrow('not a number: true');
    expect(() => toNumeric({})).toThrow('not a number: an object');
    expect(() => toNumeric('1e-400')).toThrow('out of the double range: "1e-400"');
    expect(() => toNumeric('1.5e400')).toThrow('out of the double range: "1.5e400"');
    expect(['0e-400', '-0.000e-999', '1e-310', '3e-324'].map(parseDecimal)).toEqual([0, -0, 1e-310, 5e-324]);
    expect(['1.00000000000000005e15', '0.99999999999999999', '1.00000000000000005e16'].map(parseDecimal)).toEqual([undefined, undefined, undefined]);
    expect(() => toNumeric('0.99999999999999999')).toThrow('a fraction a double cannot hold: "0.99999999999999999" would be read as the integer 1');
    expect(['2.50e1', '1e3', '200.0', '1250e-1', '1.1e23', '2e16', '-9007199254740993.0'].map(parseDecimal)).toEqual([25, 1000, 200, 125, 110000000000000000000000n, 20000000000000000n, -9007199254740993n]);
    expect(parseDecimal('9007199254740993')).toBe(9007199254740993n);
    expect(parseDecimal('9007199254740991')).toBe(9007199254740991);
  });

  it('sums of integers (numbers, BigInts, strings) are exact beyond 2^53, and numbers again when back in range', () => {
    const int = fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n });
    const asInput = (b: bigint, how: number): unknown => (how === 0 ? String(b) : b > SAFE || b < -SAFE ? b : how === 1 ? Number(b) : String(b));
    fc.assert(
      fc.property(fc.array(fc.tuple(int, fc.nat(2)), { minLength: 1, maxLength: 30 }), (xs) => {
        const sum = builtinReducer('sum');
        let acc = sum.lift!(asInput(xs[0]![0], xs[0]![1]));
        for (const [b, how] of xs.slice(1)) acc = sum.accumulate!(acc, asInput(b, how));
        const exact = xs.reduce((s, [b]) => s + b, 0n);
        const got = sum.finish!(acc) as Numeric;
        expect(BigInt(got)).toBe(exact);
        expect(typeof got).toBe(exact > SAFE || exact < -SAFE ? 'bigint' : 'number');
      }),
      { numRuns: 2_000 },
    );
  });

  it('min and max compare numbers, numeric strings and BigInts numerically', () => {
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: -(2n ** 60n), max: 2n ** 60n }), { minLength: 1, maxLength: 20 }), (xs) => {
        for (const name of ['min', 'max'] as const) {
          const r = builtinReducer(name);
          let acc = r.lift!(String(xs[0]));
          for (const x of xs.slice(1)) acc = r.accumulate!(acc, String(x));
          const want = xs.reduce((a, b) => (name === 'min' ? (b < a ? b : a) : b > a ? b : a));
          expect(BigInt(r.finish!(acc) as Numeric)).toBe(want);
        }
      }),
    );
    expect(addNumeric(9007199254740991, 2)).toBe(9007199254740993n);
    expect(addNumeric(9007199254740993n, -2)).toBe(9007199254740991);
    expect(addNumeric(0.5, 9007199254740991)).toBe(9007199254740991.5); // a fraction makes a double
    expect(() => addNumeric(0.5, 9007199254740993n)).toThrow('sum cannot be exact: 0.5 + 9007199254740993 adds a fraction to an integer beyond 2^53');
    expect(() => addNumeric(9007199254740993n, -0.5)).toThrow(RangeError);
    // Doubles beyond 2^53 add as the integers they print as: exact, never Infinity.
    expect(addNumeric(1e308, 1e308)).toBe(2n * 10n ** 308n);
    expect(addNumeric(-1e308, -1e308)).toBe(-2n * 10n ** 308n);
    expect(addNumeric(2e16, 1)).toBe(20000000000000001n);
    expect(addNumeric(1, 1.1e23)).toBe(110000000000000000000001n);
    expect(addNumeric(9007199254740993n, 1.1e23)).toBe(110000009007199254740993n);
    expect(() => addNumeric(2e16, 0.5)).toThrow('sum cannot be exact: 20000000000000000 + 0.5 adds a fraction to an integer beyond 2^53');
    expect(() => addNumeric(-0.5, -2e16)).toThrow(RangeError);
    expect(addNumeric(1e308, -1e308)).toBe(0);
  });
});
