/**
 * The contract between a window scheduler (processing time or event time) and
 * the data kept for its panes. Open panes still receive records; sealing moves
 * them, oldest first, into the sliding structure that answers the window.
 */
import type { StreamNode } from '../core/node.js';

/** Storage of panes of one windowed operator. Pane indexes: `floor(t / paneMs)`. */
export interface PaneStore {
  /** Adds a record (with event time `tMs`, or `NaN`) to open pane `pane`. */
  add(pane: number, record: unknown, tMs: number): void;
  /** Seals every open pane with index < `pane`, in increasing order. */
  sealBefore(pane: number): void;
  /** Drops sealed panes with index < `pane` from the window. */
  evictBefore(pane: number): void;
  /** True when no sealed pane in the window holds data. */
  windowEmpty(): boolean;
  /** Smallest open pane index, or `Infinity` when none is open. */
  firstOpenPane(): number;
  /** Pushes the window's result records to `out`, with event time `tMs`. */
  emit(out: StreamNode, tMs: number): void;
  /** Keys in the window now (keyed stores) or records held (raw store). */
  size?(): number;
  /** Plain-data copy of every pane held (open and sealed). */
  snapshot(): unknown;
  /** Takes back a `snapshot()` into an empty store. */
  restore(data: unknown): void;
  /** Keyed stores: the partials of pane `index` (open or sealed and still in the window), if any. */
  paneMap?(index: number): Map<unknown, unknown> | undefined;
  /** Keyed stores: indexes of every pane held (open or sealed), ascending. */
  paneIndexes?(): number[];
}

/**
 * Open panes: pane index → partial data, created on first use, kept in two
 * arrays sorted by index (records almost always open panes in increasing
 * order, so an insert is an append), so that sealing the oldest panes and
 * finding the first one cost O(panes sealed), not O(panes open) — with 1 s
 * slides over an hour of late-tolerant input, thousands of panes are open at
 * once. A pane is found by binary search when it is not the last one used
 * (no index → pane Map: with 1 s panes it held ~86,000 entries a day and its
 * lookups cost more than the search, measured on bench/run.js's W1h/1s job).
 */
export class OpenPanes<P> {
  /** Open pane indexes, ascending, from `head` on; `items[i]` is the pane of `order[i]`. */
  private order: number[] = [];
  private items: (P | undefined)[] = [];
  private head = 0;
  private lastIndex = NaN;
  private last: P | undefined;
  constructor(private readonly create: () => P) {}

  /** The open pane `index`, created if needed (the last one is cached: consecutive records share a pane). */
  get(index: number): P {
    if (index === this.lastIndex) return this.last!;
    const order = this.order;
    const at = this.position(index);
    let p: P;
    if (at < order.length && order[at] === index) p = this.items[at]!;
    else {
      p = this.create();
      if (at === order.length) {
        order.push(index);
        this.items.push(p);
      } else {
        order.splice(at, 0, index);
        this.items.splice(at, 0, p);
      }
    }
    this.lastIndex = index;
    this.last = p;
    return p;
  }

  /** Where `index` is or would be inserted in `order` (the first position from `head` holding an index ≥ it). */
  private position(index: number): number {
    const order = this.order;
    if (order.length === this.head || order[order.length - 1]! < index) return order.length;
    let lo = this.head;
    let hi = order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (order[mid]! < index) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Removes and returns the open panes with index < `before`, in increasing index order. */
  takeBefore(before: number): [number, P][] {
    const taken: [number, P][] = [];
    const { order, items } = this;
    while (this.head < order.length && order[this.head]! < before) {
      taken.push([order[this.head]!, items[this.head]!]);
      items[this.head++] = undefined;
    }
    if (this.head > 1024 && this.head * 2 > order.length) {
      this.order = order.slice(this.head);
      this.items = items.slice(this.head);
      this.head = 0;
    }
    if (this.lastIndex < before) {
      this.lastIndex = NaN;
      this.last = undefined;
    }
    return taken;
  }

  /** The open pane `index`, if any (without creating it). */
  peek(index: number): P | undefined {
    const at = this.position(index);
    return at < this.order.length && this.order[at] === index ? this.items[at] : undefined;
  }

  /** Open indexes, ascending. */
  indexes(): number[] {
    return this.order.slice(this.head);
  }

  /** Plain-data copy: `[index, pane][]`, ascending. */
  entries(): [number, P][] {
    const out: [number, P][] = [];
    for (let i = this.head; i < this.order.length; i++) out.push([this.order[i]!, this.items[i]!]);
    return out;
  }

  /** Smallest open index, or `Infinity`. */
  first(): number {
    return this.head < this.order.length ? this.order[this.head]! : Infinity;
  }
}
