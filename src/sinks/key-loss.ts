/**
 * Keys that json, tsv and csv output cannot write so that they read back as themselves
 * (`--initial-state`, or any JSON reader with exact integers, core/json.ts `parseExact`): each
 * is written as another key's text. Object and array keys are grouped by their JSON text
 * (operators/keyed-map.ts `KeyCodec`), so those whose text is also another key's (NaN or
 * undefined inside: `[NaN, 1]` and `[null, 1]` are one key) are counted as one: said too, in
 * every output format.
 *
 * | key                         | json                     | tsv / csv                       | reads back as          |
 * |-----------------------------|--------------------------|---------------------------------|------------------------|
 * | `undefined`                 | `null`                   | an empty field                  | `null` / `""`          |
 * | `NaN`, `Infinity`, `-Infinity` | the string `"NaN"` …  | `NaN` …                         | the string             |
 * | a BigInt within ±(2^53 − 1) | the number (`10`)        | `10`                            | the number `10`        |
 * | a double from 2^53 to 1e21  | its digits               | its digits                      | a BigInt               |
 *
 * `-0` is not among them: dstream's keys compare as SameValueZero, so it is the key `0`.
 * `undefined` is (written as `null` in json, an empty field in tsv/csv), but `keyLoss` leaves it
 * out: such a key nearly always comes from a misspelt field, which the operator that returned it
 * already warns of (operators/stateless.ts), and a second line would only repeat it. In tsv/csv
 * it is the empty field of the key `""` too: `FormatSink` says so once when both are output.
 */
/**
 * What goes wrong when `key` is written in json, tsv or csv, in words (`NaN is written as the string "NaN"`),
 * or undefined when it reads back as itself. Strings (the common key) return at the first test.
 */
export function keyLoss(key: unknown): string | undefined {
  switch (typeof key) {
    case 'number':
      if (!Number.isFinite(key)) return `${key} is written as the string "${key}" (JSON has no ${key}): it reads back as that string`;
      // Written as String(key): in digits below 1e21 (a JSON integer literal, read back exactly), with an exponent from 1e21 (a double again).
      if (Math.abs(key) > Number.MAX_SAFE_INTEGER && Math.abs(key) < 1e21) return `the number ${key} (beyond 2^53, a double) is written in digits: it reads back as an exact integer (a BigInt), another key`;
      return undefined;
    case 'bigint':
      if (key >= -BigInt(Number.MAX_SAFE_INTEGER) && key <= BigInt(Number.MAX_SAFE_INTEGER)) return `the BigInt ${key}n is written as the number ${key}: it reads back as the number, another key`;
      return undefined;
    case 'object':
      return key === null ? undefined : nestedLoss(key, new Set());
    default:
      return undefined;
  }
}

/**
 * Why an object or array key's JSON text (by which dstream groups object keys, operators/keyed-map.ts
 * `KeyCodec`) is also that of other keys, or undefined when it is not: something inside that JSON
 * writes as something else. `seen` guards against cycles.
 */
function nestedLoss(v: object, seen: Set<object>): string | undefined {
  if (seen.has(v)) return 'it holds itself (a cycle), which JSON cannot write: its text is that of every such key';
  if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return toJsonLoss(v, seen.size === 0);
  seen.add(v);
  // A Set or Map is grouped and written as the array of its elements or entries (core/json.ts `stringifyCollections`).
  const array = Array.isArray(v) || v instanceof Set || v instanceof Map;
  for (const x of array ? [...(v as Iterable<unknown>)] : Object.values(v)) {
    switch (typeof x) {
      case 'number':
        if (!Number.isFinite(x)) return `${x} inside it is null in JSON`;
        break;
      case 'undefined':
        return array ? 'undefined inside it is null in JSON' : 'a field that is undefined is left out of JSON ({"x": undefined} is {})';
      case 'bigint':
        if (x >= -BigInt(Number.MAX_SAFE_INTEGER) && x <= BigInt(Number.MAX_SAFE_INTEGER)) return `the BigInt ${x}n inside it is the number ${x} in JSON`;
        break;
      case 'function': case 'symbol':
        return `a ${typeof x} inside it is left out of JSON`;
      case 'object': {
        if (x === null) break;
        const r = nestedLoss(x, seen);
        if (r !== undefined) return r;
      }
    }
  }
  seen.delete(v);
  return undefined;
}

/**
 * An object with a `toJSON` method is written as what it returns (a Date as its ISO text): nothing is lost
 * then, or it throws or returns undefined (a function, a symbol), and JSON cannot write the key at all: it is
 * grouped by `String(key)` (keyed-map.ts `objectKeyText`), like every such key. `top`: `v` is the key itself, not inside it.
 */
function toJsonLoss(v: object, top: boolean): string | undefined {
  let r: unknown;
  try {
    r = (v as { toJSON: (key: string) => unknown }).toJSON('');
  } catch (e) {
    return `${top ? 'its' : 'a'} toJSON ${top ? '' : 'inside it '}throws (${thrown(e)}), so JSON cannot write it: its text is that of every such key`;
  }
  if (r !== undefined && typeof r !== 'function' && typeof r !== 'symbol') return undefined;
  const what = r === undefined ? 'undefined' : `a ${typeof r}`;
  return top ? `its toJSON returns ${what}, so JSON cannot write it: its text is that of every such key` : `a toJSON inside it returns ${what}, which JSON writes as null or leaves out`;
}

/** What was thrown, for a message: `Error: boom`, or the thrown value's text. */
function thrown(e: unknown): string {
  try {
    return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  } catch {
    return 'a value with no text';
  }
}
