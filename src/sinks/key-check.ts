/**
 * The stderr lines about output keys that do not read back as themselves, in one place for every writer
 * of formatted output: the local run's `FormatSink` and `dstream cat` (distributed/cat.ts), which prints a
 * distributed job's rows as the local run would, so it says the same lines with the same record numbers.
 * What is said: a key `json`/`tsv`/`csv` write as another's text (key-loss.ts, once per kind), an object key
 * grouped with others by its JSON text (in every format), and two keys output that are written as the same
 * text (same-text.ts, once per text).
 */
import { keyLoss } from './key-loss.js';
import { JsonTextKeys, mayBeObjectText, mayReadAsJson, sameTextKey } from './same-text.js';
import type { OutputFormat } from './format.js';

/** Checks the key of each output record (see module doc); one per output. */
export class KeyCheck {
  /** tsv/csv: keys written as the text of a JSON number or boolean, till a pair of the same text is said (same-text.ts). */
  private jsonText: JsonTextKeys | null;
  /** Kinds of keys already said not to survive being read back (`checkKey`). */
  private readonly toldKeys = new Set<string>();

  /** @param warn told each line, without the `dstream: ` prefix. */
  constructor(private readonly format: OutputFormat, private readonly warn: ((message: string) => void) | undefined) {
    this.jsonText = format === 'tsv' || format === 'csv' ? new JsonTextKeys() : null;
  }

  /**
   * Checks output record number `n` (from 1): a `[key, value]` pair's key. Object keys are checked on
   * every row (one may be reused and changed in place); strings and safe numbers skip the check but
   * tsv/csv's 1/"1", true/"true", [1]/"[1]" (same-text.ts).
   */
  record(value: unknown, n: number): void {
    if (!Array.isArray(value) || value.length !== 2) return;
    const k: unknown = value[0];
    if (typeof k === 'object') {
      if (k === null) {
        if (this.format !== 'text') this.sameText(k, n);
      } else {
        this.checkKey(k, n);
        if (this.jsonText !== null) this.jsonTextKey(k, n);
      }
    } else if (this.format !== 'text' && (k === '' || k === undefined || k === 'null' || (typeof k === 'number' ? !(Math.abs(k) <= Number.MAX_SAFE_INTEGER) : typeof k === 'bigint'))) this.checkKey(k, n);
    else if (this.jsonText !== null && (mayReadAsJson(k) || (typeof k === 'string' && mayBeObjectText(k)))) this.jsonTextKey(k, n);
  }

  /** Keys that do not read back as themselves (key-loss.ts): said once per kind of key. */
  private checkKey(key: unknown, n: number): void {
    if (key === '' || key === undefined || key === 'null') return this.sameText(key, n);
    const loss = keyLoss(key);
    if (loss === undefined) return;
    const kind = typeof key === 'number' ? (Number.isFinite(key) ? 'big' : String(key)) : typeof key === 'object' ? loss.replace(/[-\d.]+n?|Infinity|NaN/g, '#') : typeof key;
    if (this.toldKeys.has(kind)) return;
    this.toldKeys.add(kind);
    if (typeof key === 'object') {
      this.warn?.(`output record ${n} has a key grouped by its JSON text, which other keys share: ${loss}, so such keys are counted as one (said once)`);
      return;
    }
    this.warn?.(`--format ${this.format}: output record ${n} has a key that does not survive being read back: ${loss} (said once)`);
  }

  /** Keys written as the same text (same-text.ts): said once per text when both were output. */
  private sameText(key: unknown, n: number, said = sameTextKey(this.toldKeys, this.format, key)): void {
    if (said !== undefined) this.warn?.(`--format ${this.format}: output record ${n} has the key ${said}`);
  }

  /** tsv/csv: a key written as another's text (1 and "1", true and "true", [1] and "[1]"), said once for all such pairs. */
  private jsonTextKey(k: number | boolean | string | object, n: number): void {
    const said = this.jsonText!.said(k);
    if (said === undefined) return;
    this.jsonText = null;
    this.sameText(k, n, said);
  }
}
