/**
 * Stage 2's window algebra: partial aggregates per (pane, key) merged from
 * many sources, and windows closed in order when the watermark passes their
 * end — the same windows, rows and order as the single-process engine
 * (windowed-node.ts in append mode): windows `[k·slide, k·slide + length)`
 * made of panes of `gcd(length, slide)` ("No pane, no gain", Li et al., SIGMOD
 * Record 2005); each non-empty window is output once, rows in key order.
 *
 * Each pane remembers the id of the first message that contributed to it, so
 * the table knows from where its input must be replayed to rebuild it (its
 * input is its changelog).
 */
import type { Millis } from '../core/types.js';
import { GLOBAL_KEY, type KeyedReducer } from '../operators/keyed-map.js';
import { firstWindowEndContaining, type WindowSpec } from '../windows/spec.js';
import { compareOffsets } from './log-backend.js';

/** One closed window: bounds (epoch ms) and its output records (`[key, value]` pairs, or values for global aggregations). */
export interface ClosedWindow {
  startMs: Millis;
  endMs: Millis;
  records: unknown[];
}

interface Pane {
  first: string;
  rows: Map<unknown, unknown>;
}

/** Open panes of one key partition (see module doc). */
export class PaneTable {
  private panes = new Map<number, Pane>();
  /** End of the last closed window (epoch ms); −∞ before any. */
  sealedMs: Millis = -Infinity;

  /**
   * @param spec the event-time window.
   * @param reducer combine, key codec and output of the aggregation (keys arrive decoded and are encoded here).
   * @param allowedLatenessMs a window closes when watermark ≥ end + this.
   */
  constructor(private readonly spec: WindowSpec, private readonly reducer: KeyedReducer, private readonly allowedLatenessMs: Millis) {}

  /** Number of open panes. */
  get size(): number {
    return this.panes.size;
  }

  /** True when pane `pane` can still be part of a window to come. */
  isOpen(pane: number): boolean {
    return pane * this.spec.paneMs >= this.sealedMs + this.spec.slideMs - this.spec.lengthMs;
  }

  /**
   * Adds a partial for `key` (decoded; `GLOBAL_KEY` for global aggregations) to `pane`.
   * @param messageId id of the message it came in, `ms-seq`.
   * @returns false when every window of the pane is closed (the partial is late and dropped).
   */
  add(pane: number, key: unknown, partial: unknown, messageId: string): boolean {
    if (!this.isOpen(pane)) return false;
    let p = this.panes.get(pane);
    if (!p) this.panes.set(pane, (p = { first: messageId, rows: new Map() }));
    const k = key === GLOBAL_KEY ? key : this.reducer.keys.encode(key);
    const rows = p.rows;
    if (rows.has(k)) rows.set(k, this.reducer.combine(rows.get(k), partial));
    else rows.set(k, partial);
    return true;
  }

  /** Plain data of the open panes (keys decoded), for a hand-over: `[[pane, firstId, [[key, partial], ...]], ...]`. */
  snapshot(): [number, string, [unknown, unknown][]][] {
    const keys = this.reducer.keys;
    return [...this.panes].map(([p, { first, rows }]) => [p, first, [...rows].map(([k, v]) => [k === GLOBAL_KEY ? k : keys.decode(k), v] as [unknown, unknown])]);
  }

  /** Takes back a `snapshot()` (after `sealedMs` is set). */
  restore(data: [number, string, [unknown, unknown][]][]): void {
    this.panes.clear();
    for (const [p, first, rows] of data) for (const [k, v] of rows) this.add(p, k, v, first);
  }

  /** The id to replay from to rebuild the open panes: the smallest first id, or `fallback` when none is open. */
  rebuildPoint(fallback: string): string {
    let min: string | undefined;
    for (const p of this.panes.values()) if (min === undefined || compareOffsets(p.first, min) < 0) min = p.first;
    return min ?? fallback;
  }

  /**
   * Closes, in order, every window with `end + allowedLateness ≤ watermarkMs`
   * that holds data, and drops the panes no later window needs.
   */
  close(watermarkMs: Millis): ClosedWindow[] {
    const { lengthMs, slideMs, paneMs } = this.spec;
    const out: ClosedWindow[] = [];
    const panes = [...this.panes.keys()].sort((a, b) => a - b);
    let i = 0; // first pane that can be in the window being considered
    let end = -Infinity;
    while (i < panes.length) {
      const firstStart = panes[i]! * paneMs;
      end = Math.max(firstWindowEndContaining(this.spec, firstStart), this.sealedMs + slideMs);
      if (end + this.allowedLatenessMs > watermarkMs) break;
      const start = end - lengthMs;
      const merged = new Map<unknown, unknown>();
      for (let j = i; j < panes.length && panes[j]! * paneMs < end; j++) {
        if (panes[j]! * paneMs < start) continue;
        for (const [k, v] of this.panes.get(panes[j]!)!.rows) {
          if (merged.has(k)) merged.set(k, this.reducer.combine(merged.get(k), v));
          else merged.set(k, v);
        }
      }
      if (merged.size > 0) {
        const records = this.reducer.sortedKeys(merged.keys()).map((k) => this.reducer.output(k, merged.get(k)));
        out.push({ startMs: start, endMs: end, records });
      }
      this.sealedMs = end;
      // Panes that start before the next window's start are no longer needed.
      const nextStart = end + slideMs - lengthMs;
      while (i < panes.length && panes[i]! * paneMs < nextStart) {
        this.panes.delete(panes[i]!);
        i++;
      }
    }
    return out;
  }
}
