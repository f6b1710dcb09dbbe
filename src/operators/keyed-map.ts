/**
 * Hash aggregation of one batch, pane or group: `Map<key, partial aggregate>`.
 *
 * Keys are compared like `Map` keys (SameValueZero), except object keys
 * (arrays such as `[status, host]`): those are grouped by their JSON text and
 * the first object seen is kept for output. Long string keys are copied on
 * insert so that a key never pins the whole input chunk it was cut from
 * (V8 sliced strings; see PERF-NOTES "Memory").
 */
import { isPair } from '../core/types.js';
import type { IssueLog } from '../engine/issues.js';
import type { Aggregation } from './reducers.js';

/** The single key used by `reduce` and `count`. */
export const GLOBAL_KEY = Symbol('global');

/** Marker prefix of normalised object keys. */
const OBJ = '\u0000obj:';

/** Copies a string so it no longer references a larger parent string. */
export function flatCopy(s: string): string {
  return s.length >= 13 ? (JSON.parse(JSON.stringify(s)) as string) : s;
}

/**
 * Adds records to maps of partial aggregates according to an `Aggregation`.
 * One instance per physical node; it owns the object-key table.
 */
export class KeyedReducer {
  /** Normalised object key → the original key object. */
  private readonly objectKeys = new Map<string, unknown>();
  constructor(readonly agg: Aggregation, private readonly issues: IssueLog, private readonly copyKeys: boolean) {}

  /** Adds one record to `map`. Bad records are reported and skipped. */
  add(map: Map<unknown, unknown>, record: unknown): void {
    const agg = this.agg;
    let key: unknown;
    let value: unknown;
    switch (agg.keyMode) {
      case 'pair':
        if (!isPair(record)) {
          this.issues.badRecord('not-a-pair', agg.label, record, 'expected a [key, value] pair');
          return;
        }
        key = record[0];
        value = record[1];
        break;
      case 'value':
        key = record;
        value = 1;
        break;
      case 'single':
        key = GLOBAL_KEY;
        value = record;
        break;
      case 'count':
        key = GLOBAL_KEY;
        value = 1;
        break;
    }
    if (agg.lift !== undefined) value = agg.lift(value);
    if (typeof key === 'object' && key !== null) key = this.normaliseObjectKey(key);
    const old = map.get(key);
    if (old === undefined && !map.has(key)) {
      map.set(typeof key === 'string' && this.copyKeys ? flatCopy(key) : key, value);
      return;
    }
    let r: unknown;
    try {
      r = agg.combine(old, value);
    } catch (e) {
      this.issues.userError(agg.label, record, e);
      return;
    }
    map.set(key, r);
  }

  /** Combines two partial aggregates; a throwing user function keeps `a` (reported). */
  combine(a: unknown, b: unknown): unknown {
    try {
      return this.agg.combine(a, b);
    } catch (e) {
      this.issues.userError(this.agg.label, [a, b], e);
      return a;
    }
  }

  /** Merges `from` into `into` (entries of `from` are newer). */
  mergeInto(into: Map<unknown, unknown>, from: Map<unknown, unknown>): void {
    for (const [k, v] of from) {
      if (into.has(k)) into.set(k, this.combine(into.get(k), v));
      else into.set(k, v);
    }
  }

  /** The output record for a key and its aggregate: the value alone for global aggregations, else `[key, value]`. */
  output(key: unknown, value: unknown): unknown {
    if (key === GLOBAL_KEY) return value;
    if (typeof key === 'string' && key.startsWith(OBJ)) return [this.objectKeys.get(key), value];
    return [key, value];
  }

  private normaliseObjectKey(key: object): string {
    let text: string;
    try {
      text = OBJ + JSON.stringify(key);
    } catch {
      text = OBJ + String(key);
    }
    if (!this.objectKeys.has(text)) this.objectKeys.set(text, key);
    return text;
  }
}
