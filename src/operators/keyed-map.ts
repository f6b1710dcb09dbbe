/**
 * Hash aggregation of one batch, pane or group: `Map<key, partial aggregate>`.
 *
 * Keys are compared like `Map` keys (SameValueZero), except object keys
 * (arrays such as `[status, host]`): those are grouped by their JSON text (a Set
 * or Map as the array of its elements or entries, as output writes it) and
 * the first object seen is kept for output (`KeyCodec`). Long string keys are
 * copied on insert into long-lived maps so that a key never pins the whole
 * input chunk it was cut from (V8 sliced strings; see PERF-NOTES "Memory").
 */
import { compareKeys } from '../core/compare.js';
import { stringifyCollections } from '../core/json.js';
import { isPair } from '../core/types.js';
import { holdsObjects, mixedKinds } from './key-kinds.js';
import type { IssueLog } from '../core/issues.js';
import type { Aggregation } from './reducers.js';

/** The single key used by `reduce` and `count`. */
export const GLOBAL_KEY = Symbol('global');

/** `KeyedReducer.tryLift`'s answer for a value the reducer refused. */
export const NOT_LIFTED = Symbol('not lifted');

/** Marker prefix of encoded object keys. */
const OBJ = '\u0000obj:';

/**
 * Copies a string so it no longer references a larger parent string (a key
 * sliced from a line would keep the line's 64 KiB decoded piece alive: with
 * 40,000 keys, the whole input). Concatenation then slice makes V8 flatten a
 * copy of `s` alone; 2–3× cheaper than the JSON round trip it replaces.
 */
export function flatCopy(s: string): string {
  return s.length >= 13 ? (' ' + s).slice(1) : s;
}

/**
 * The identity of an object key (a local run's, and distributed stage 1's key partition and stage 2's
 * key table): the text output writes for it (`stringifyCollections`: `[NaN]` and `[null]` are one key,
 * a Set is its elements' array), or `String(key)` when JSON cannot write it (a cycle, a `toJSON` that throws
 * or returns undefined): all such keys whose text is `[object Object]` are one key, as output writes them.
 */
export function objectKeyText(key: object): string {
  let s: string | undefined;
  try {
    s = stringifyCollections(key);
  } catch {
    // a cycle or a throwing toJSON: its text below
  }
  return s ?? String(key);
}

/**
 * Map keys for arbitrary record keys: primitives are their own key; objects
 * are encoded as their JSON text (so `["a", 1]` groups with `["a", 1]`) and
 * decoded back to the first object seen.
 */
export class KeyCodec {
  private readonly objects = new Map<string, object>();
  /** The map keys whose first object holds objects (`[["x"], 1]`), which `mixedKinds` walks. */
  private readonly deep = new Set<string>();
  /**
   * Told once, then cleared, when a key meets one of another kind with the same text (a Set and an
   * array: key-kinds.ts), which it is grouped with: the whole line after the operator's name.
   */
  onMixed: ((message: string) => void) | undefined = undefined;
  /** The map key of `key`. */
  encode(key: unknown): unknown {
    if (typeof key !== 'object' || key === null) return key;
    const text = OBJ + objectKeyText(key);
    const first = this.objects.get(text);
    if (first === undefined) this.add(text, key);
    // One constructor test per record (`getPrototypeOf` cost 8 % of `--count-by-value` over `[n, "x"]` keys); a key with objects inside (`deep`) is walked (key-kinds.ts).
    else if (this.onMixed !== undefined && first !== key && (first.constructor !== key.constructor || (this.deep.size > 0 && this.deep.has(text)))) this.mixed(text, first, key);
    return text;
  }
  /** Keeps `key` as the first object of `text`. */
  private add(text: string, key: object): void {
    this.objects.set(text, key);
    if (holdsObjects(key)) this.deep.add(text);
  }
  /** Says (`onMixed`) that `first` and `other`, of the map key `text`, are of different kinds, if they are. */
  private mixed(text: string, first: object, other: object): void {
    const kinds = mixedKinds(first, other);
    if (kinds === undefined) return;
    const written = text.slice(OBJ.length);
    this.onMixed!(`the key ${written} ${kinds}: both are written ${written}, so they are one key, output as the first (said once)`);
    this.onMixed = undefined;
  }
  /** Plain-data copy of the object keys seen. */
  snapshot(): [string, unknown][] {
    return [...this.objects];
  }
  /** Takes back a `snapshot()`. */
  restore(data: [string, unknown][]): void {
    this.objects.clear();
    this.deep.clear();
    for (const [k, v] of data) this.add(k, v as object);
  }
  /**
   * The record key of a map key. A string key that merely starts like an encoded object (a line
   * beginning with NUL + `obj:`) is itself: only texts this codec encoded are objects. (A string equal
   * to the exact encoding of an object key also seen still groups with that object.)
   */
  decode(key: unknown): unknown {
    return typeof key === 'string' && key.startsWith(OBJ) ? (this.objects.get(key) ?? key) : key;
  }
  /**
   * The text output writes for the record key of map key `key` (unescaped): a string itself, an
   * object key its JSON text, anything else `String(key)` (`-0` is `0`).
   */
  text(key: unknown): string {
    if (typeof key !== 'string') return String(key);
    return key.startsWith(OBJ) && this.objects.has(key) ? key.slice(OBJ.length) : key;
  }
}

/**
 * Adds records to maps of partial aggregates according to an `Aggregation`.
 * One instance per physical node; it owns the key codec.
 */
export class KeyedReducer {
  readonly keys = new KeyCodec();
  /**
   * Count by value (the record is the key, each adds 1 to its partial): `add` takes a shorter path,
   * and a holder of per-batch maps may count `valueKey`s in operators/value-counts.ts instead.
   */
  readonly countsValues: boolean;
  constructor(readonly agg: Aggregation, private readonly issues: IssueLog, readonly copyKeys: boolean) {
    this.countsValues = agg.keyMode === 'value' && agg.lift === undefined && agg.accumulate === undefined;
    this.keys.onMixed = (m) => issues.warn(agg.label, m);
  }

  /** Key (encoded) and value of the last record given to `extract`. */
  key: unknown = undefined;
  value: unknown = undefined;

  /**
   * Takes key and value from a record into `key`/`value` (no allocation).
   * @returns false for a bad record (reported and to be skipped).
   */
  extract(record: unknown): boolean {
    const agg = this.agg;
    switch (agg.keyMode) {
      case 'pair':
        if (!isPair(record)) {
          this.key = undefined;
          this.issues.badRecord('not-a-pair', agg.label, record, 'expected a [key, value] pair');
          return false;
        }
        this.key = record[0];
        this.value = record[1];
        break;
      case 'value':
        this.key = record;
        this.value = 1;
        break;
      case 'single':
        this.key = GLOBAL_KEY;
        this.value = record;
        break;
      case 'count':
        this.key = GLOBAL_KEY;
        this.value = 1;
        break;
    }
    if (typeof this.key === 'object' && this.key !== null) this.key = this.keys.encode(this.key);
    return true;
  }

  /** A fresh partial holding one value. */
  lift(value: unknown): unknown {
    return this.agg.lift !== undefined ? this.agg.lift(value) : value;
  }

  /**
   * A fresh partial holding the value of the last `extract`ed record, or
   * `NOT_LIFTED` when the reducer refused it (e.g. `sum` of `"0x10"`):
   * then the record was reported as bad.
   */
  tryLift(record: unknown): unknown {
    try {
      return this.lift(this.value);
    } catch (e) {
      this.issues.userError(this.agg.label, record, e);
      return NOT_LIFTED;
    }
  }

  /** Adds one value to a partial owned by the caller; a throwing user function keeps `acc` (reported). */
  accumulate(acc: unknown, value: unknown, record: unknown): unknown {
    const agg = this.agg;
    try {
      if (agg.accumulate !== undefined) return agg.accumulate(acc, value);
      return agg.combine(acc, agg.lift !== undefined ? agg.lift(value) : value);
    } catch (e) {
      this.issues.userError(agg.label, record, e);
      return acc;
    }
  }

  /** Adds one record to `map`. Bad records are reported and skipped. */
  add(map: Map<unknown, unknown>, record: unknown): void {
    if (this.countsValues) {
      // Count by value, the top-hashtags hot path: no extract, no lift; a count's combine does not throw.
      const key = typeof record === 'object' && record !== null ? this.keys.encode(record) : record;
      const old = map.get(key);
      if (old === undefined) map.set(typeof key === 'string' && this.copyKeys ? flatCopy(key) : key, 1);
      else map.set(key, this.agg.combine(old, 1));
      this.key = key;
      this.value = 1;
      return;
    }
    if (!this.extract(record)) return;
    const key = this.key;
    const old = map.get(key);
    if (old === undefined && !map.has(key)) {
      const first = this.tryLift(record);
      if (first !== NOT_LIFTED) map.set(typeof key === 'string' && this.copyKeys ? flatCopy(key) : key, first);
      return;
    }
    map.set(key, this.accumulate(old, this.value, record));
  }


  /** The map key of a record counted by value (`countsValues`): the record, an object encoded (`KeyCodec`). */
  valueKey(record: unknown): unknown {
    return typeof record === 'object' && record !== null ? this.keys.encode(record) : record;
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

  /**
   * Map keys in ascending order of their record keys (`compareKeys`): window
   * results are output in this order, so they do not depend on the history of
   * the state (batch cuts, restarts from a checkpoint).
   */
  sortedKeys(keys: Iterable<unknown>): unknown[] {
    const codec = this.keys;
    return [...keys].sort((a, b) => compareKeys(codec.decode(a), codec.decode(b)));
  }

  /** The output record for a key and its partial: the finished value alone for global aggregations, else `[key, value]`. */
  output(key: unknown, partial: unknown): unknown {
    const value = this.agg.finish !== undefined ? this.agg.finish(partial) : partial;
    if (key === GLOBAL_KEY) return value;
    return [this.keys.decode(key), value];
  }
}
