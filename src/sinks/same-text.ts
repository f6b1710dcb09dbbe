/**
 * tsv and csv write the key `1` and the key `"1"` as the same text `1`, and `true` and `"true"` as `true`: read
 * back (`--initial-state`, cli/initial-state.ts) they are one key. `JsonTextKeys` finds the first such pair in
 * an output; `FormatSink` says it once (as `null` and `"null"`, `sameTextKey`) and drops it. Only numbers, booleans and strings
 * that may read as a JSON number or boolean reach it (`mayReadAsJson`): plain string keys cost one character
 * test per row. Each distinct key is kept once: safe numbers in a Set of numbers, strings only when they are the
 * text of a number (`String(Number(s)) === s`), which is the only way one is written like a number. A Set that
 * reaches `MAX_KEYS` keys starts again (memory stays bounded when pairs stream by unaggregated): a pair further
 * apart than that in the output may go unsaid.
 */
const MAX_KEYS = 1 << 20;

export class JsonTextKeys {
  private readonly numbers = new Set<number>();
  private readonly strings = new Set<string>();
  /** Output so far: true, false, "true", "false". */
  private readonly bools = [false, false, false, false];

  /** Notes `key` as output; when a key of the same text was output before, says so (`bothWritten`). */
  said(key: number | boolean | string): string | undefined {
    const other = this.other(key);
    return other === undefined ? undefined : bothWritten(JSON.stringify(key), other, String(key));
  }

  /** Notes `key` as output; the name of the key of the same text output before (`1`, `"1"`, `true`, `"true"`), or undefined. */
  private other(key: number | boolean | string): string | undefined {
    if (typeof key === 'boolean') return this.bool(key ? 0 : 1, key);
    if (typeof key === 'number') {
      if (this.numbers.size >= MAX_KEYS) this.numbers.clear();
      this.numbers.add(key);
      if (this.strings.size === 0) return undefined;
      const text = String(key);
      return this.strings.has(text) ? JSON.stringify(text) : undefined;
    }
    if (key === 'true' || key === 'false') return this.bool(key === 'true' ? 2 : 3, key);
    const n = Number(key);
    if (String(n) !== key) return undefined;
    if (this.strings.size >= MAX_KEYS) this.strings.clear();
    this.strings.add(key);
    return this.numbers.has(n) ? key : undefined;
  }

  /** Booleans: slot `i` (0–3, see `bools`) is output; the name of the one of the same text (`i ^ 2`) if it was. */
  private bool(i: number, key: boolean | string): string | undefined {
    this.bools[i] = true;
    if (!this.bools[i ^ 2]) return undefined;
    return typeof key === 'string' ? key : JSON.stringify(String(key));
  }
}

/** The words after `has the key ` for two keys written as `text`. */
function bothWritten(name: string, other: string, text: string): string {
  return `${name}, an earlier record the key ${other}: both are written as ${text}, so they read back as one key (said once)`;
}

/**
 * Keys written as the same text, once per text when both were output (`told` keeps `key:NAME` and `same:TEXT`):
 * in json `undefined` and `null` (`null`), in tsv/csv `undefined` and `""` (an empty field), `null` and `"null"`
 * (`null`). The words after `has the key `, or undefined.
 */
export function sameTextKey(told: Set<string>, format: string, key: unknown): string | undefined {
  const name = key === undefined ? 'undefined' : key === null ? 'null' : JSON.stringify(key);
  let other: string;
  let text = 'null';
  if (format === 'json') {
    if (key !== undefined && key !== null) return undefined;
    other = key === undefined ? 'null' : 'undefined';
  } else if (key === undefined || key === '') {
    other = key === undefined ? '""' : 'undefined';
    text = 'an empty field';
  } else other = key === null ? '"null"' : 'null';
  if (told.has(`same:${text}`)) return undefined;
  told.add(`key:${name}`);
  if (!told.has(`key:${other}`)) return undefined;
  told.add(`same:${text}`);
  return bothWritten(name, other, text);
}

/** A key that may be written as the text of a JSON number or boolean (cheap: a string's first character first). */
export function mayReadAsJson(k: unknown): k is number | boolean | string {
  if (typeof k !== 'string') return typeof k === 'number' || typeof k === 'boolean';
  const c = k.charCodeAt(0);
  return (c >= 48 && c <= 57) || c === 45 || k === 'true' || k === 'false';
}
