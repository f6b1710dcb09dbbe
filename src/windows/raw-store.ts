/**
 * Pane store of a plain `window()` (no aggregation): the window's records are
 * the concatenation of its panes' records, in pane order then arrival order.
 */
import type { StreamNode } from '../core/node.js';
import { OpenPanes, type PaneStore } from './pane-store.js';

interface RawPane {
  values: unknown[];
  times: number[];
}

/** Keeps every record of the window (memory grows with window length × rate). */
export class RawStore implements PaneStore {
  private readonly open = new OpenPanes<RawPane>(() => ({ values: [], times: [] }));
  private window: [number, RawPane][] = [];
  add(pane: number, record: unknown, tMs: number): void {
    const p = this.open.get(pane);
    p.values.push(record);
    p.times.push(tMs);
  }
  sealBefore(pane: number): void {
    for (const entry of this.open.takeBefore(pane)) this.window.push(entry);
  }
  evictBefore(pane: number): void {
    let i = 0;
    while (i < this.window.length && this.window[i]![0] < pane) i++;
    if (i > 0) this.window = this.window.slice(i);
  }
  windowEmpty(): boolean {
    return this.window.length === 0;
  }
  firstOpenPane(): number {
    return this.open.first();
  }
  paneIndexes(): number[] {
    return [...new Set([...this.window.map(([i]) => i), ...this.open.indexes()])].sort((a, b) => a - b);
  }
  snapshot(): unknown {
    return { open: this.open.entries(), window: this.window };
  }
  restore(data: unknown): void {
    const d = data as { open: [number, RawPane][]; window: [number, RawPane][] };
    for (const [i, p] of d.open) {
      const o = this.open.get(i);
      o.values.push(...p.values);
      o.times.push(...p.times);
    }
    this.window = d.window;
  }
  emit(out: StreamNode): void {
    for (const [, p] of this.window) for (let i = 0; i < p.values.length; i++) out.record(p.values[i], p.times[i]!);
  }
}
