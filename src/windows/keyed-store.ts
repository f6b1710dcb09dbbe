/**
 * Pane stores of keyed (and global) aggregations.
 *
 * - `TwoStacksStore`: any associative reduce function; per key, a `TwoStacks`
 *   of the key's pane partials, so a key disappears by itself when its last
 *   pane slides out (no zero counts kept, unlike Spark's inverse path without
 *   a filter). Cost per slide: O(keys in the new and the expired pane) plus the
 *   output.
 * - `InverseStore`: Spark's `reduceByKeyAndWindow` with an inverse function:
 *   window = previous window + new panes − expired panes, then keys failing the
 *   `keep` filter are evicted (ReducedWindowedDStream).
 */
import type { StreamNode } from '../core/node.js';
import type { KeyedReducer } from '../operators/keyed-map.js';
import { OpenPanes, type PaneStore } from './pane-store.js';
import { TwoStacks } from './two-stacks.js';

type PaneMap = Map<unknown, unknown>;

/** What a slot of `SealedQueue` holds once its pane has slid out. */
const EMPTY: [number, PaneMap] = [-Infinity, new Map()];

/** Sealed panes waiting to slide out: pane index and its map. */
class SealedQueue {
  private items: [number, PaneMap][] = [];
  private head = 0;
  push(index: number, map: PaneMap): void {
    this.items.push([index, map]);
  }
  /** The map of sealed pane `index`, if still held. */
  find(index: number): PaneMap | undefined {
    for (let i = this.head; i < this.items.length; i++) if (this.items[i]![0] === index) return this.items[i]![1];
    return undefined;
  }
  /** Plain-data copy of the panes held. */
  entries(): [number, PaneMap][] {
    return this.items.slice(this.head);
  }
  /** Indexes of the panes held, ascending. */
  indexes(): number[] {
    const out: number[] = [];
    for (let i = this.head; i < this.items.length; i++) out.push(this.items[i]![0]);
    return out;
  }
  /**
   * Removes and returns panes with index < `before`. The slots taken are
   * emptied at once (a pane map can hold a whole batch of keys: keeping up
   * to 1,024 of them until the next compaction grew memory by a pane per
   * slide), and the array is compacted when half of it is empty.
   */
  takeBefore(before: number): [number, PaneMap][] {
    const taken: [number, PaneMap][] = [];
    const items = this.items;
    while (this.head < items.length && items[this.head]![0] < before) {
      taken.push(items[this.head]!);
      items[this.head++] = EMPTY;
    }
    if (this.head > 16 && this.head * 2 > items.length) {
      this.items = items.slice(this.head);
      this.head = 0;
    }
    return taken;
  }
}

/** Keyed window with per-key two-stacks (see module doc). */
export class TwoStacksStore implements PaneStore {
  private readonly open = new OpenPanes<PaneMap>(() => new Map());
  private readonly sealed = new SealedQueue();
  private readonly perKey = new Map<unknown, TwoStacks>();
  /**
   * The keys of `perKey` in output order (`sortedKeys`), kept while no key enters or leaves
   * the window (with a 1 s slide the keys of consecutive windows are mostly the same); null:
   * sort again. The order is the one a fresh sort gives: the set and its insertion order are unchanged.
   */
  private sorted: unknown[] | null = null;
  private readonly combine: (a: unknown, b: unknown) => unknown;

  constructor(private readonly reducer: KeyedReducer) {
    this.combine = (a, b) => reducer.combine(a, b);
  }
  add(pane: number, record: unknown): void {
    this.reducer.add(this.open.get(pane), record);
  }
  sealBefore(pane: number): void {
    for (const [index, map] of this.open.takeBefore(pane)) {
      this.sealing = index;
      map.forEach(this.sealEntry);
      this.sealed.push(index, map);
    }
  }
  /** `sealBefore`: the pane being sealed, and the step for each of its keys (`Map.forEach` allocates no entry arrays). */
  private sealing = NaN;
  private readonly sealEntry = (v: unknown, k: unknown): void => {
    let s = this.perKey.get(k);
    if (s === undefined) {
      this.perKey.set(k, (s = new TwoStacks()));
      this.sorted = null;
    }
    s.push(this.sealing, v, this.combine);
  };
  evictBefore(pane: number): void {
    this.evicting = pane;
    for (const [, map] of this.sealed.takeBefore(pane)) map.forEach(this.evictEntry);
  }
  /** `evictBefore`: panes before this one leave, and the step for each key of a leaving pane. */
  private evicting = NaN;
  private readonly evictEntry = (_v: unknown, k: unknown): void => {
    const s = this.perKey.get(k);
    if (s === undefined) return;
    s.evictBefore(this.evicting, this.combine);
    if (s.size === 0) {
      this.perKey.delete(k);
      this.sorted = null;
    }
  };
  windowEmpty(): boolean {
    return this.perKey.size === 0;
  }
  size(): number {
    return this.perKey.size;
  }
  firstOpenPane(): number {
    return this.open.first();
  }
  snapshot(): unknown {
    return { open: this.open.entries(), sealed: this.sealed.entries(), codec: this.reducer.keys.snapshot() };
  }
  restore(data: unknown): void {
    const d = data as { open: [number, PaneMap][]; sealed: [number, PaneMap][]; codec: [string, unknown][] };
    this.reducer.keys.restore(d.codec);
    this.sorted = null;
    for (const [i, m] of d.open) for (const [k, v] of m) this.open.get(i).set(k, v);
    // Re-pushing the sealed panes in order rebuilds every key's two stacks exactly.
    for (const [index, map] of d.sealed) {
      this.sealing = index;
      map.forEach(this.sealEntry);
      this.sealed.push(index, map);
    }
  }
  paneMap(index: number): PaneMap | undefined {
    return this.open.peek(index) ?? this.sealed.find(index);
  }
  paneIndexes(): number[] {
    return [...new Set([...this.sealed.indexes(), ...this.open.indexes()])].sort((a, b) => a - b);
  }
  emit(out: StreamNode, tMs: number): void {
    const keys = (this.sorted ??= this.reducer.sortedKeys(this.perKey.keys()));
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      out.record(this.reducer.output(k, this.perKey.get(k)!.query(this.combine)), tMs);
    }
  }
}

/** Keyed window maintained with an inverse function (see module doc). */
export class InverseStore implements PaneStore {
  private readonly open = new OpenPanes<PaneMap>(() => new Map());
  private readonly sealed = new SealedQueue();
  private readonly running: PaneMap = new Map();

  constructor(
    private readonly reducer: KeyedReducer,
    private readonly inverse: (a: any, b: any) => unknown,
    private readonly keep: ((pair: [unknown, unknown]) => boolean) | undefined,
  ) {}
  add(pane: number, record: unknown): void {
    this.reducer.add(this.open.get(pane), record);
  }
  sealBefore(pane: number): void {
    for (const [index, map] of this.open.takeBefore(pane)) {
      this.reducer.mergeInto(this.running, map);
      this.sealed.push(index, map);
    }
  }
  evictBefore(pane: number): void {
    const expired = this.sealed.takeBefore(pane);
    if (expired.length === 0) return;
    for (const [, map] of expired) {
      for (const [k, v] of map) {
        if (this.running.has(k)) this.running.set(k, this.inverse(this.running.get(k), v));
      }
    }
    if (this.keep) {
      for (const [k, v] of this.running) if (!this.keep([k, v])) this.running.delete(k);
    }
  }
  windowEmpty(): boolean {
    return this.running.size === 0;
  }
  size(): number {
    return this.running.size;
  }
  firstOpenPane(): number {
    return this.open.first();
  }
  snapshot(): unknown {
    return { open: this.open.entries(), sealed: this.sealed.entries(), running: this.running, codec: this.reducer.keys.snapshot() };
  }
  restore(data: unknown): void {
    const d = data as { open: [number, PaneMap][]; sealed: [number, PaneMap][]; running: PaneMap; codec: [string, unknown][] };
    this.reducer.keys.restore(d.codec);
    for (const [i, m] of d.open) for (const [k, v] of m) this.open.get(i).set(k, v);
    for (const [index, map] of d.sealed) this.sealed.push(index, map);
    for (const [k, v] of d.running) this.running.set(k, v);
  }
  paneMap(index: number): PaneMap | undefined {
    return this.open.peek(index) ?? this.sealed.find(index);
  }
  paneIndexes(): number[] {
    return [...new Set([...this.sealed.indexes(), ...this.open.indexes()])].sort((a, b) => a - b);
  }
  emit(out: StreamNode, tMs: number): void {
    for (const k of this.reducer.sortedKeys(this.running.keys())) out.record(this.reducer.output(k, this.running.get(k)), tMs);
  }
}
