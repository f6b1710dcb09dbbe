/**
 * A value's text for the reducers that keep values in string-keyed structures (`distinct`'s set,
 * `approx-distinct`'s set and HyperLogLog, `topk:N`'s sketch), so that values the user tells apart
 * stay apart: `1` and `"1"`, `true` and `"true"`, `null` and `"null"`, and objects by their JSON
 * text (two records' `{x: 1}` are one value; `[1,2]` is not `"1,2"`).
 *
 * Shape: a string is its own text (as before, so state checkpointed by older versions still
 * matches); every other value is `"\0"` + a type tag + its text (`n` number or integer BigInt —
 * 1 and 1n are one value —, `o` boolean, `z` null, `u` undefined, `j` JSON of an object or array);
 * a string that itself starts with `"\0"` is escaped as `"\0s"` + the string. `valueFromText`
 * inverts it (objects come back as equal copies).
 */

const NUL = '\u0000';

/** The text of `v` (see module doc). JSON of objects writes a BigInt inside them as its decimal digits. */
export function valueText(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return v.length > 0 && v.charCodeAt(0) === 0 ? `${NUL}s${v}` : v;
    case 'number':
      return `${NUL}n${Object.is(v, -0) ? '0' : String(v)}`;
    case 'bigint':
      return `${NUL}n${v.toString()}`;
    case 'boolean':
      return `${NUL}o${v ? 'true' : 'false'}`;
    case 'undefined':
      return `${NUL}u`;
    default:
      if (v === null) return `${NUL}z`;
      if (typeof v === 'object') return `${NUL}j${JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x))}`;
      return `${NUL}j${String(v)}`; // a function or symbol: no JSON; its source text
  }
}

/** The value `valueText` gave `text` for (an integer beyond 2^53 as a BigInt). */
export function valueFromText(text: string): unknown {
  if (text.length === 0 || text.charCodeAt(0) !== 0) return text;
  const rest = text.slice(2);
  switch (text[1]) {
    case 's':
      return rest;
    case 'n': {
      const x = Number(rest);
      return /^-?\d+$/.test(rest) && !Number.isSafeInteger(x) ? BigInt(rest) : x;
    }
    case 'o':
      return rest === 'true';
    case 'z':
      return null;
    case 'u':
      return undefined;
    default:
      try {
        return JSON.parse(rest) as unknown;
      } catch {
        return rest;
      }
  }
}
