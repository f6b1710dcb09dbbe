/**
 * The contract between a window scheduler (processing time or event time) and
 * the data kept for its panes. Open panes still receive records; sealing moves
 * them, oldest first, into the sliding structure that answers the window.
 */
import type { StreamNode } from '../engine/node.js';

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
  /** Keyed stores: the partials of pane `index` (open or sealed and still in the window), if any. */
  paneMap?(index: number): Map<unknown, unknown> | undefined;
  /** Keyed stores: indexes of every pane held (open or sealed), ascending. */
  paneIndexes?(): number[];
}

/** Open panes: pane index → partial data, created on first use. */
export class OpenPanes<P> {
  private readonly panes = new Map<number, P>();
  private lastIndex = NaN;
  private last: P | undefined;
  constructor(private readonly create: () => P) {}

  /** The open pane `index`, created if needed (the last one is cached: consecutive records share a pane). */
  get(index: number): P {
    if (index === this.lastIndex) return this.last!;
    let p = this.panes.get(index);
    if (p === undefined) {
      p = this.create();
      this.panes.set(index, p);
    }
    this.lastIndex = index;
    this.last = p;
    return p;
  }

  /** Removes and returns the open panes with index < `before`, in increasing index order. */
  takeBefore(before: number): [number, P][] {
    const taken: [number, P][] = [];
    for (const [i, p] of this.panes) if (i < before) taken.push([i, p]);
    if (taken.length === 0) return taken;
    for (const [i] of taken) this.panes.delete(i);
    if (this.lastIndex < before) {
      this.lastIndex = NaN;
      this.last = undefined;
    }
    return taken.sort((a, b) => a[0] - b[0]);
  }

  /** The open pane `index`, if any (without creating it). */
  peek(index: number): P | undefined {
    return this.panes.get(index);
  }

  /** Open indexes, unordered. */
  indexes(): IterableIterator<number> {
    return this.panes.keys();
  }

  /** Smallest open index, or `Infinity`. */
  first(): number {
    let m = Infinity;
    for (const i of this.panes.keys()) if (i < m) m = i;
    return m;
  }
}
