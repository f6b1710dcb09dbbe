/**
 * tsv and csv write the key `1` and the key `"1"` as the same text `1`, `true` and `"true"` as `true`, and the
 * array `[1]` and the string `"[1]"` as `[1]`: read back (`--initial-state`, cli/initial-state.ts) they are one
 * key. `JsonTextKeys` finds the first such pair in an output; `FormatSink` says it once (as `null` and
 * `"null"`, `sameTextKey`) and drops it. Only object keys, numbers, booleans and strings that may read as a JSON number or boolean reach it (`mayReadAsJson`): plain string keys cost one character
 * test per row. Each distinct key is kept once: safe numbers in a Set of numbers, strings only when they are the
 * text of a number (`String(Number(s)) === s`), which is the only way one is written like a number. A Set that
 * reaches `MAX_KEYS` keys starts again (memory stays bounded when pairs stream by unaggregated): a pair further
 * apart than that in the output may go unsaid. Object keys' texts (format.ts `objectText`) are kept alike, and
 * strings that start as such a text does (`[`, `{`, `"`: `mayBeObjectText`).
 */
import { objectText } from './format.js';

const MAX_KEYS = 1 << 20;

export class JsonTextKeys {
  private readonly numbers = new Set<number>();
  private readonly strings = new Set<string>();
  /** Output so far: true, false, "true", "false". */
  private readonly bools = [false, false, false, false];
  /** The texts object keys are written as (format.ts `objectText`), and the strings that may be one (`mayBeObjectText`). */
  private readonly objectTexts = new Set<string>();
  private readonly textStrings = new Set<string>();

  /** Notes `key` as output; when a key of the same text was output before, says so (`bothWritten`). */
  said(key: number | boolean | string | object): string | undefined {
    if (typeof key === 'object') return this.saidObject(objectText(key));
    if (typeof key === 'string' && mayBeObjectText(key)) return this.saidText(key);
    const other = this.other(key);
    return other === undefined ? undefined : bothWritten(JSON.stringify(key), other, String(key));
  }

  /** An object key written as `text`: said when the string `text` was output before. */
  private saidObject(text: string): string | undefined {
    if (this.objectTexts.size >= MAX_KEYS) this.objectTexts.clear();
    this.objectTexts.add(text);
    return this.textStrings.has(text) ? bothWritten(text, JSON.stringify(text), text) : undefined;
  }

  /** A string key that may be an object key's text: said when an object key of that text was output before. */
  private saidText(key: string): string | undefined {
    if (this.textStrings.size >= MAX_KEYS) this.textStrings.clear();
    this.textStrings.add(key);
    return this.objectTexts.has(key) ? bothWritten(JSON.stringify(key), key, key) : undefined;
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

/** A string key that may be written as an object key's JSON text: one starting with `[`, `{` or `"` (a Date's text). */
export function mayBeObjectText(k: string): boolean {
  const c = k.charCodeAt(0);
  return c === 91 || c === 123 || c === 34;
}

/** A key that may be written as the text of a JSON number or boolean (cheap: a string's first character first). */
export function mayReadAsJson(k: unknown): k is number | boolean | string {
  if (typeof k !== 'string') return typeof k === 'number' || typeof k === 'boolean';
  const c = k.charCodeAt(0);
  return (c >= 48 && c <= 57) || c === 45 || k === 'true' || k === 'false';
}
