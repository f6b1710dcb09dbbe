/**
 * `top(n)`: per batch, or per window on windowed results, the `n` records with
 * the largest value, in descending order; the value of a pair is its second
 * element, of anything else the record itself; ties are broken by key (first
 * element of a pair, else the record) ascending, so output is deterministic.
 * Order of values and keys: `compareKeys` (numbers numerically, else by text).
 * Selection keeps a sorted array of at most `n` records: O(log n) per record
 * that enters, O(1) for one that does not.
 */
import { compareKeys } from '../core/compare.js';
import { isPair, type BatchInfo, type WindowBounds } from '../core/types.js';
import { Emitter, type StreamNode } from '../core/node.js';

/** Ranks two records: negative when `a` comes first in the top list. */
export function rankCompare(a: unknown, b: unknown): number {
  const pa = isPair(a);
  const pb = isPair(b);
  const c = compareKeys(pb ? b[1] : b, pa ? a[1] : a);
  if (c !== 0) return c;
  return compareKeys(pa ? a[0] : a, pb ? b[0] : b);
}

/** Bounded top-n selection. */
export class TopN {
  readonly items: unknown[] = [];
  constructor(private readonly n: number) {}
  add(x: unknown): void {
    const items = this.items;
    if (items.length === this.n && rankCompare(x, items[items.length - 1]) >= 0) return;
    let lo = 0;
    let hi = items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (rankCompare(items[mid], x) <= 0) lo = mid + 1;
      else hi = mid;
    }
    items.splice(lo, 0, x);
    if (items.length > this.n) items.pop();
  }
}

/** Node of `--top N`. */
export class TopNode extends Emitter implements StreamNode {
  private batchTop: TopN;
  private groupTop: TopN | null = null;
  private group: WindowBounds | null = null;
  constructor(private readonly n: number) {
    super();
    this.batchTop = new TopN(n);
  }
  record(value: unknown): void {
    (this.groupTop ?? this.batchTop).add(value);
  }
  beginGroup(bounds: WindowBounds): void {
    this.group = bounds;
    this.groupTop = new TopN(this.n);
  }
  endGroup(): void {
    const g = this.group!;
    this.out.beginGroup(g);
    for (const x of this.groupTop!.items) this.out.record(x, g.eventTime ? g.startMs : NaN);
    this.out.endGroup();
    this.groupTop = null;
    this.group = null;
  }
  endBatch(batch: BatchInfo): void {
    for (const x of this.batchTop.items) this.out.record(x, NaN);
    this.batchTop = new TopN(this.n);
    this.out.endBatch(batch);
  }
}
