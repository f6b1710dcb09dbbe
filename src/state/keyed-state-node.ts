/**
 * What updateStateByKey and mapWithState share: a `KeyedStateStore` with LRU
 * eviction (reported as issues), the key codec for object keys, the initial
 * state (Spark's `initialRDD` / `StateSpec.initialState`) and their snapshot
 * for checkpoints.
 */
import type { IssueLog } from '../core/issues.js';
import { Emitter, type Checkpointable } from '../core/node.js';
import { KeyCodec } from '../operators/keyed-map.js';
import { KeyedStateStore } from './state-store.js';

/** The state a keyed-state node starts with. */
export interface InitialState {
  /** `[key, state]` pairs. */
  pairs: readonly (readonly [unknown, unknown])[];
  /** Update time of the initial states in processing time (ms); event time uses the first batch's watermark. */
  firstBatchTimeMs: number;
}

/**
 * A key of `--initial-state FILE.tsv` (or `.csv`) that is not a plain string: its text reads as JSON
 * (`200`, `true`, `1e3`, `[1]`, `{"k":"x"}`), and tsv writes the key `200` and the key `"200"` alike,
 * so the file cannot tell which it was. Loaded as `value`; the first key of the run that tsv writes as
 * `text` (the field, unescaped: the string `"1e3"`, or the number 1000 for `1000`) continues it
 * (`KeyedStateNode.claim`).
 */
export class TextKey {
  constructor(
    readonly value: unknown,
    readonly text: string = String(value),
  ) {}
}

/** Base of the keyed-state nodes (see module doc). */
export abstract class KeyedStateNode extends Emitter implements Checkpointable {
  readonly store: KeyedStateStore;
  protected readonly keys = new KeyCodec();
  /** Event time: keys of the initial state, given the first batch's watermark as update time by `settleInitial`. */
  private initialKeys: unknown[] | null = null;
  /** Loaded `TextKey`s (encoded) not yet met in the run, by their text; null when none (then `claim` is never called). */
  protected byText: Map<string, unknown> | null = null;

  /**
   * @param label operator label for eviction reports.
   * @param maxKeys most keys kept (`--max-keys`), unbounded when undefined.
   */
  constructor(label: string, issues: IssueLog, maxKeys: number | undefined) {
    super();
    this.store = new KeyedStateStore(maxKeys, (k) => issues.evictedKey(label, this.keys.decode(k), maxKeys!));
    this.keys.onMixed = (m) => issues.warn(label, m);
  }

  /**
   * Loads the initial state (before any record). In processing time its update
   * time is the first batch time (as Spark's); in event time it is the
   * watermark after the first batch (`settleInitial`).
   */
  protected seed(initial: InitialState | undefined, eventTime: boolean): void {
    if (!initial) return;
    const keys: unknown[] = [];
    for (const [pairKey, state] of initial.pairs) {
      const k = this.keys.encode(pairKey instanceof TextKey ? pairKey.value : pairKey);
      if (pairKey instanceof TextKey) (this.byText ??= new Map()).set(pairKey.text, k);
      this.store.set(k, state, eventTime ? -Infinity : initial.firstBatchTimeMs);
      keys.push(k);
    }
    if (eventTime) this.initialKeys = keys;
  }

  /**
   * The first time the run meets a key (encoded, `k`) that tsv writes as the text of a loaded `TextKey`:
   * when `k` is another key (the string `"200"` for the loaded `200`, the string `"[1]"` for the loaded
   * array), the loaded state moves to `k`, so the state file tsv wrote continues the same keys. Called
   * only while `byText` is not null.
   */
  protected claim(k: unknown): void {
    const byText = this.byText!;
    const text = this.keys.text(k);
    const loaded = byText.get(text);
    if (loaded === undefined) return;
    byText.delete(text);
    if (byText.size === 0) this.byText = null;
    if (loaded === k || this.store.get(k) !== undefined) return;
    const e = this.store.get(loaded);
    if (e === undefined) return;
    this.store.delete(loaded);
    this.store.set(k, e.state, e.lastUpdateMs);
    if (this.initialKeys) this.initialKeys.push(k);
  }

  /** Event time: initial states not updated in the first batch get `nowMs` (its watermark) as update time. */
  protected settleInitial(nowMs: number): void {
    if (!this.initialKeys) return;
    for (const k of this.initialKeys) {
      const e = this.store.get(k);
      if (e && e.lastUpdateMs === -Infinity) e.lastUpdateMs = nowMs;
    }
    this.initialKeys = null;
  }

  stateSize(): number {
    return this.store.size;
  }
  snapshot(): unknown {
    return { store: this.store.snapshot(), codec: this.keys.snapshot() };
  }
  restore(data: unknown): void {
    const d = data as { store: [unknown, unknown, number][]; codec: [string, unknown][] };
    this.keys.restore(d.codec);
    this.store.restore(d.store);
    this.initialKeys = null;
    this.byText = null;
  }
  beginGroup(): void {}
  endGroup(): void {}
}
