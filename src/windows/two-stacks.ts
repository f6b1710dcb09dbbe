/**
 * Sliding-window aggregation with two stacks: O(1) amortised `combine` calls
 * per pane inserted, for any associative reduce function (no inverse needed).
 * Algorithm: "two-stacks", as presented in Hirzel, Schneider, Tangwongsan,
 * "Sliding-Window Aggregation Algorithms: Tutorial", DEBS 2017.
 *
 * Elements are (pane index, partial aggregate), pushed in increasing pane
 * order. The front stack keeps, for each element, the aggregate from it to the
 * newest front element; the back stack keeps its running aggregate.
 */
import type { ReduceFn } from '../operators/reducers.js';

/** A FIFO of pane partials answering "aggregate of everything inside" in O(1). Plain data. */
export class TwoStacks {
  /** Front stack, oldest at the end: pane indexes and suffix aggregates. */
  private fp: number[] = [];
  private fa: unknown[] = [];
  /** Back stack, oldest first: pane indexes, values, and their running aggregate. */
  private bp: number[] = [];
  private bv: unknown[] = [];
  private bagg: unknown = undefined;

  /** Number of panes held. */
  get size(): number {
    return this.fp.length + this.bp.length;
  }

  /** Appends the partial of pane `pane` (must be newer than every pane held). */
  push(pane: number, value: unknown, combine: ReduceFn): void {
    this.bp.push(pane);
    this.bv.push(value);
    this.bagg = this.bv.length === 1 ? value : combine(this.bagg, value);
  }

  /** Removes every pane with index < `pane`. */
  evictBefore(pane: number, combine: ReduceFn): void {
    for (;;) {
      if (this.fp.length === 0) {
        if (this.bp.length === 0 || this.bp[0]! >= pane) return;
        this.flip(combine);
      }
      if (this.fp[this.fp.length - 1]! >= pane) return;
      this.fp.pop();
      this.fa.pop();
    }
  }

  /** The aggregate of all panes held (older combined on the left); `undefined` when empty. */
  query(combine: ReduceFn): unknown {
    if (this.fa.length === 0) return this.bagg;
    const front = this.fa[this.fa.length - 1];
    return this.bp.length === 0 ? front : combine(front, this.bagg);
  }

  private flip(combine: ReduceFn): void {
    const { bp, bv } = this;
    let acc: unknown;
    for (let i = bv.length - 1; i >= 0; i--) {
      acc = i === bv.length - 1 ? bv[i] : combine(bv[i], acc);
      this.fp.push(bp[i]!);
      this.fa.push(acc);
    }
    bp.length = 0;
    bv.length = 0;
    this.bagg = undefined;
  }
}
