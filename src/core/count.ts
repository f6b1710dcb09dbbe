/**
 * Whole numbers given on the command line (counts, sizes, ports, years): one
 * grammar for every flag that takes one, checked before any input is read.
 *
 * Grammar: decimal digits only (`^[0-9]+$`): no sign, white space, fraction,
 * exponent (`1e3`), hex (`0x10`) or `_`; the value must be at most
 * `Number.MAX_SAFE_INTEGER` (2^53 − 1), above which a double no longer holds
 * every integer (`99999999999999999999` would be read as 1e20).
 */
import bytes from 'bytes';
import { ConfigError } from './errors.js';

const DIGITS = /^\d+$/;

/**
 * Reads a flag's whole-number value.
 * @param text the value as written (a string; anything else is refused).
 * @param flag how the message names it, e.g. `--top`.
 * @param min smallest accepted value (default 1).
 * @param max largest accepted value (default `Number.MAX_SAFE_INTEGER`).
 * @returns the number, `min ≤ n ≤ max`.
 * @throws ConfigError `--top: '1e3' is not a positive integer` (a value not
 *   in digits or below `min`; `a non-negative integer` when `min` is 0, and
 *   `a whole number from MIN to MAX` for a narrower range);
 *   `--top: '99999999999999999999' is too large: at most 9007199254740991`.
 */
export function parseCount(text: unknown, flag: string, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  const s = String(text);
  const n = typeof text === 'string' && DIGITS.test(s) ? Number(s) : NaN;
  const wide = max === Number.MAX_SAFE_INTEGER;
  if (!(n >= min) || (!wide && n > max)) {
    const what = !wide ? `a whole number from ${min} to ${max}` : min === 0 ? 'a non-negative integer' : min === 1 ? 'a positive integer' : `a whole number of at least ${min}`;
    throw new ConfigError(`${flag}: '${s}' is not ${what}`);
  }
  if (n > max) throw new ConfigError(`${flag}: '${s}' is too large: at most ${max}`);
  return n;
}

/** `bytes.parse` of a size with a unit, or NaN when it is not a whole number of bytes (`1.9b`, `1.1kb`: the package rounds down). */
function wholeBytes(s: string): number {
  const n = bytes.parse(s) ?? NaN;
  const [, num = '', unit = ''] = /^([\d.]+)\s*(\w+)$/.exec(s) ?? [];
  const exact = Number(num) * 1024 ** ['b', 'kb', 'mb', 'gb', 'tb', 'pb'].indexOf(unit.toLowerCase());
  return exact === n ? n : NaN;
}

/** A size with a unit: `64KB`, `1.5mb` (the units of the `bytes` package, 1 KB = 1024 bytes). */
const SIZE = /^\d+(\.\d+)?\s*(b|kb|mb|gb|tb|pb)$/i;

/**
 * Reads a size in bytes: digits (`65536`) or a number with a unit (`64KB`, `16MB`).
 * @returns a whole number of bytes, at least 1 and at most 2^53 − 1 (`1.9b`, `1.1kb`, not whole, are refused).
 * @throws ConfigError `--max-line-bytes: '1e3' is not a positive size (bytes, or with a unit: 64KB, 16MB)`.
 */
export function parseByteSize(text: unknown, flag: string): number {
  const s = String(text);
  const n = DIGITS.test(s) ? Number(s) : SIZE.test(s) ? wholeBytes(s) : NaN;
  if (n > Number.MAX_SAFE_INTEGER) throw new ConfigError(`${flag}: '${s}' is too large: at most ${Number.MAX_SAFE_INTEGER} bytes`);
  if (!(Number.isSafeInteger(n) && n >= 1)) throw new ConfigError(`${flag}: '${s}' is not a positive size (bytes, or with a unit: 64KB, 16MB)`);
  return n;
}
