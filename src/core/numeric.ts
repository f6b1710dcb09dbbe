/**
 * Numbers for the built-in numeric reducers (`sum`, `min`, `max`, `avg`):
 * one strict decimal grammar for numeric strings, and exact integer sums
 * beyond 2^53.
 *
 * Grammar of a numeric string (nothing else, no surrounding white space):
 *
 *     [+-]? ( DIGITS [ "." DIGITS? ] | "." DIGITS ) ( [eE] [+-]? DIGITS )?      DIGITS = [0-9]+
 *
 * Leading zeros are base 10 (`007` is 7, `08` is 8); `-0` is zero. Refused:
 * the empty string, white space, hex/octal/binary (`0x10`), `1_000`, `NaN`,
 * `Infinity`, `12abc`, and a value out of the double range: beyond it
 * (`1e999`, which would be `Infinity`), or nonzero below it (`1e-400`, which
 * would be 0; `0e-400` is zero). Subnormals (`1e-310`) are read, as doubles.
 * So is a value whose fraction a double drops whole (`1.00000000000000005e15`,
 * `0.99999999999999999`: it would be read as an integer, and summed exactly
 * with integers beyond 2^53); a fraction a double keeps in part (`0.1`) is read.
 *
 * Integers: an integer of at most 2^53 − 1 in magnitude is a number; a
 * larger one is a `BigInt` (exact), however it is written (`9007199254740993`,
 * `9007199254740993.0`, `2e16`, `1.1e23`), so `2e16 + 1` is 20000000000000001
 * in any order.
 * Sums stay exact: two integers whose sum leaves the safe range add as
 * `BigInt`s, and a `BigInt` result back in the safe range is a number again.
 * A double beyond 2^53 − 1 (a number a function returned) adds as the integer
 * its JavaScript text denotes, so numbers sum as their strings do.
 * A value with a fraction makes the sum a double (as any floating-point sum),
 * except with an integer beyond 2^53 (refused: the fraction would be dropped).
 */

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
/** The grammar of the module doc (for messages only; `parseDecimal` is the fast reader). */
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const MAX_SAFE_BIG = BigInt(MAX_SAFE);

/** A number or an integer beyond 2^53 − 1 in magnitude. */
export type Numeric = number | bigint;

/**
 * Reads a numeric string under the grammar of the module doc.
 * @returns the number (a `BigInt` for an integer beyond 2^53 − 1), or
 *   `undefined` when `s` does not follow the grammar or overflows a double.
 */
export function parseDecimal(s: string): Numeric | undefined {
  const n = s.length;
  let i = 0;
  let c = s.charCodeAt(0);
  if (c === 43 || c === 45) c = s.charCodeAt(++i); // + -
  const intStart = i;
  while (c >= 48 && c <= 57) c = s.charCodeAt(++i);
  let digits = i - intStart;
  let integer = true;
  let fracStart = i;
  if (c === 46) { // .
    integer = false;
    fracStart = ++i;
    c = s.charCodeAt(i);
    while (c >= 48 && c <= 57) c = s.charCodeAt(++i);
    digits += i - fracStart;
  }
  const fracEnd = i;
  if (digits === 0) return undefined;
  if (c === 101 || c === 69) { // e E
    integer = false;
    c = s.charCodeAt(++i);
    if (c === 43 || c === 45) c = s.charCodeAt(++i);
    const expStart = i;
    while (c >= 48 && c <= 57) c = s.charCodeAt(++i);
    if (i === expStart) return undefined;
  }
  if (i !== n) return undefined;
  if (integer && digits >= 16) return exactInteger(BigInt(s));
  const v = Number(s);
  if (v === 0 && !integer && nonzeroDigits(s)) return undefined; // below the double range (`1e-400`): not 0
  // A fraction the double drops whole: without an exponent (`200.0`, the usual case) the digits after the point are all 0.
  if (!integer && Number.isInteger(v) && (fracEnd === n ? !zeros(s, fracStart, n) : !denotesInteger(s))) return undefined;
  if (v - v !== 0) return undefined; // not finite
  // An integer beyond 2^53 − 1 written with a point or an exponent (`2e16`, `9007199254740993.0`): exact, as in digits.
  return integer || safe(v) ? v : textInteger(s);
}

/** The exact value of numeric string `s` that denotes an integer (`denotesInteger`), as a BigInt. */
function textInteger(s: string): bigint {
  const e = s.search(/[eE]/);
  const significand = e < 0 ? s : s.slice(0, e);
  const point = significand.indexOf('.');
  const digits = point < 0 ? significand : significand.slice(0, point) + significand.slice(point + 1);
  const shift = (e < 0 ? 0 : Number(s.slice(e + 1))) - (point < 0 ? 0 : significand.length - point - 1);
  const b = BigInt(digits); // the sign comes with the digits
  return shift >= 0 ? b * 10n ** BigInt(shift) : b / 10n ** BigInt(-shift);
}

/** Whether `s[from .. to)` is all `0`s. */
function zeros(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (s.charCodeAt(i) !== 48) return false;
  return true;
}

/**
 * Whether numeric string `s` (of the grammar, with a point or an exponent) denotes an integer: every
 * digit from the point, moved by the exponent, on is 0 (`2.50e1`, `1e3` do; `1.00000000000000005e15` does not).
 */
function denotesInteger(s: string): boolean {
  let end = 0; // where the significand ends
  let point = -1; // digits before the point
  let digits = 0;
  for (; end < s.length; end++) {
    const c = s.charCodeAt(end);
    if (c === 46) point = digits;
    else if (c >= 48 && c <= 57) digits++;
    else if (c === 101 || c === 69) break;
  }
  const at = (point < 0 ? digits : point) + (end < s.length ? Number(s.slice(end + 1)) : 0);
  for (let i = 0, d = 0; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) continue;
    if (d++ >= at && c !== 48) return false;
  }
  return true;
}

/** Whether the significand of numeric string `s` (the digits before any exponent) has a digit other than 0. */
function nonzeroDigits(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 101 || c === 69) return false; // e E
    if (c >= 49 && c <= 57) return true; // 1-9
  }
  return false;
}

/** A BigInt as a number when it is within ±(2^53 − 1), else itself. */
export function exactInteger(b: bigint): Numeric {
  return b <= MAX_SAFE_BIG && b >= -MAX_SAFE_BIG ? Number(b) : b;
}

/**
 * The value of a reducer input: a finite number, a `BigInt`, or a string
 * under the grammar.
 * @throws TypeError naming the value for anything else (the record is then
 *   counted and reported as bad by the aggregation, and never added).
 */
export function toNumeric(v: unknown): Numeric {
  if (typeof v === 'number') {
    if (v - v === 0) return v;
  } else if (typeof v === 'string') {
    const x = parseDecimal(v);
    if (x !== undefined) return x;
    if (DECIMAL.test(v)) {
      const x = Number(v);
      if (x - x === 0 && x !== 0) throw new TypeError(`a fraction a double cannot hold: ${describe(v)} would be read as the integer ${x}`);
      throw new TypeError(`out of the double range: ${describe(v)} (a value beyond ±1.8e308 would be Infinity, a nonzero one below about 2.5e-324 would be 0)`);
    }
  } else if (typeof v === 'bigint') return exactInteger(v);
  throw new TypeError(`not a number: ${describe(v)} (sum, min, max and avg take numbers and decimal strings such as 12, -0.5, 1e3)`);
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (v === null || typeof v !== 'object' && typeof v !== 'function' && typeof v !== 'symbol') return String(v);
  return Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/**
 * The exact integer an integer double denotes: a safe one as itself, one beyond 2^53 − 1 (a number a
 * function returned, `Number("20000000000000000")`, `1.1e23`) as the integer its JavaScript text
 * denotes (`String(x)`, as every `--format` writes it): 20000000000000000, 110000000000000000000000,
 * as when written in digits.
 */
function integerOf(x: number): bigint {
  return x <= MAX_SAFE && x >= -MAX_SAFE ? BigInt(x) : textInteger(String(x));
}

/**
 * Exact sum of two `Numeric`s (see module doc): two integers add exactly, a double beyond 2^53 − 1
 * (always an integer) as the integer its text denotes (`integerOf`), so that `2e16` plus four 1s
 * is 20000000000000004 whether the values are numbers, `BigInt`s or strings, and in any order.
 * A sum is never `Infinity`: a double with a fraction is below 2^52, so only integers reach ±1.8e308.
 * @throws RangeError when the sum cannot be given right: an integer beyond 2^53 − 1 (a `BigInt`
 *   or a double) plus a value with a fraction (a double there has no fraction and
 *   drops integer digits). A reducer then reports the record as bad.
 */
export function addNumeric(a: Numeric, b: Numeric): Numeric {
  if (typeof a === 'number' && typeof b === 'number') {
    const s = a + b;
    if (s <= MAX_SAFE && s >= -MAX_SAFE) return s;
    if (Number.isInteger(a) && Number.isInteger(b)) return exactInteger(integerOf(a) + integerOf(b));
    // A fraction added to an integer beyond 2^53 (`2e16 + 0.5`) would be dropped; two fractions make a double.
    if (Number.isInteger(a) ? !safe(a) : Number.isInteger(b) && !safe(b)) throw fractionError(a, b);
    return s;
  }
  if (typeof a === 'bigint' && typeof b === 'bigint') return exactInteger(a + b);
  const big = (typeof a === 'bigint' ? a : b) as bigint;
  const num = (typeof a === 'bigint' ? b : a) as number;
  if (Number.isInteger(num)) return exactInteger(big + integerOf(num));
  throw fractionError(a, b);
}

/** Whether `x` is within ±(2^53 − 1). */
function safe(x: number): boolean {
  return x <= MAX_SAFE && x >= -MAX_SAFE;
}

/** The error of a fraction added to an integer beyond 2^53 − 1. */
function fractionError(a: Numeric, b: Numeric): RangeError {
  return new RangeError(`sum cannot be exact: ${a} + ${b} adds a fraction to an integer beyond 2^53 (sum integers alone, or decimals alone)`);
}

/** Zero for `-0` (so that `-0` prints `0`), the value otherwise. */
export function noNegativeZero(x: Numeric): Numeric {
  return x === 0 ? 0 : x;
}
