/**
 * Keys that json, tsv and csv output cannot write so that they read back as themselves
 * (`--initial-state`, or any JSON reader with exact integers, core/json.ts `parseExact`): each
 * is written as another key's text. Object and array keys are not among them: dstream groups
 * them by their JSON text already, which is what is written.
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
 * already warns of (operators/stateless.ts), and a second line would only repeat it.
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
    default:
      return undefined;
  }
}
