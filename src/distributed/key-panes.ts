/**
 * Stage 2's computation for a windowed job, the same on every log: one key
 * partition's open panes (`PaneTable`) and the progress of each input
 * partition as this key partition has seen it. A stage-1 message's partials
 * are merged (`receive`), and every window the **minimum** watermark over the
 * input partitions has passed is closed (`close`; an input partition at its
 * end counts as +∞, an idle one is left out; `--top N` keeps a window's N best
 * rows).
 *
 * What is backend-specific stays in the backend's unit: where the messages
 * are read from, how the state is stored and how the rows are committed
 * (redis/stage2.ts: Redis, one Lua commit per unit; kafka/units.ts: one transaction
 * per stage, the state in a changelog).
 */
import type { Millis } from '../core/types.js';
import { TopN } from '../operators/top.js';
import type { Stage2Message } from './backend.js';
import type { UnitContext } from './job-context.js';
import { PaneTable, type ClosedWindow } from './pane-table.js';
import { unpackPartials } from './partials.js';

/** Progress of one input partition as seen by a key partition: the last message applied from it. */
export type SourceProgress = Pick<Stage2Message, 'seq' | 'watermarkMs' | 'eof' | 'idle'>;

/** `SourceProgress` as JSON keeps it: ±∞ watermarks as null (+∞ when the source has ended). */
export type StoredSources = Record<string, { seq: number; watermarkMs: number | null; eof: boolean; idle: boolean }>;

/** The per-source progress stored with a key partition (JSON text or its parse), as a map. */
export function sourcesOf(stored: string | StoredSources): Map<number, SourceProgress> {
  const o = typeof stored === 'string' ? (JSON.parse(stored) as StoredSources) : stored;
  return new Map(Object.entries(o).map(([k, v]) => [Number(k), {
    ...v, watermarkMs: v.watermarkMs === null ? (v.eof ? Infinity : -Infinity) : v.watermarkMs,
  }]));
}

/** The `n` best of `records` in rank order (`--top`: by value descending, ties by key). */
export function topOf(records: unknown[], n: number): unknown[] {
  const t = new TopN(n);
  for (const r of records) t.add(r);
  return t.items;
}

/**
 * The minimum watermark over input partitions `0 … n−1` (see module doc); −∞ while any has not
 * reported. When none is active: +∞ if any has ended, else (all idle) the largest idle watermark.
 */
export function minWatermark(sources: Map<number, SourceProgress>, n: number): number {
  let min = Infinity;
  let active = 0;
  for (let p = 0; p < n; p++) {
    const s = sources.get(p);
    if (!s) return -Infinity;
    if (s.eof) continue;
    if (s.idle) continue;
    active++;
    if (s.watermarkMs < min) min = s.watermarkMs;
  }
  if (active === 0) {
    // No active partition. Some at their end: +∞ (idle ones are left out). All idle: the largest
    // of their watermarks, as Flink's StatusWatermarkValve does when every input channel is idle.
    let anyEnded = false;
    let max = -Infinity;
    for (let p = 0; p < n; p++) {
      const s = sources.get(p)!;
      if (s.eof) anyEnded = true;
      else if (s.watermarkMs > max) max = s.watermarkMs;
    }
    return anyEnded ? Infinity : max;
  }
  return min;
}

/**
 * A stage-1 message as a key partition takes it (`Stage2Message` less its id): its source, `seq` (stage 1's
 * batch number on Redis, its last input offset on Kafka), watermark (ms; +∞ at the end) and packed partials.
 */
export type PartialsMessage = Omit<Stage2Message, 'id'>;

/** What `KeyPanes.close` gives: the windows closed, and where the key partition stands. */
export interface Closing {
  windows: ClosedWindow[];
  /** The minimum watermark over the input partitions (epoch ms). */
  watermarkMs: Millis;
  /** Every input partition has ended and every window is out. */
  done: boolean;
}

/** The settings a key partition's panes need. */
export type KeyPanesContext = Pick<UnitContext, 'spec' | 'mergeReducer' | 'allowedLatenessMs' | 'inputPartitions' | 'top'>;

/** One key partition's open panes and sources' progress (see module doc). */
export class KeyPanes {
  table: PaneTable;
  sources = new Map<number, SourceProgress>();

  constructor(private readonly ctx: KeyPanesContext) {
    this.table = this.fresh();
  }

  private fresh(): PaneTable {
    return new PaneTable(this.ctx.spec, this.ctx.mergeReducer(), this.ctx.allowedLatenessMs);
  }

  /** Starts again from a committed state: the end of the last closed window (ms), the sources' progress, the open panes if stored. */
  reset(sealedMs: Millis, sources: Map<number, SourceProgress>, panes?: ReturnType<PaneTable['snapshot']>): void {
    this.table = this.fresh();
    this.table.lastClosedEndMs = sealedMs;
    if (panes) this.table.restore(panes);
    this.sources = sources;
  }

  /** Open panes. */
  get size(): number {
    return this.table.size;
  }

  /**
   * Takes one stage-1 message (log offset `id`, `ms-seq` form): its source's progress and its partials.
   * A re-emission (not newer than the last applied of its source, same end and idle flags) is skipped.
   * A source back from idle starts again from its own watermark.
   * @returns partials that were late (every window they belong to was closed), or null for a skipped message.
   */
  receive(m: PartialsMessage, id: string): number | null {
    const s = this.sources.get(m.source);
    if (s && (m.seq < s.seq || (m.seq === s.seq && m.eof === s.eof && m.idle === s.idle))) return null;
    this.sources.set(m.source, {
      seq: m.seq, eof: m.eof, idle: m.idle,
      watermarkMs: Math.max(m.watermarkMs, s && !s.idle ? s.watermarkMs : -Infinity),
    });
    return this.merge(m.data, id);
  }

  /** Merges packed partials (log offset `id`); returns how many were late. */
  merge(data: string, id: string): number {
    let late = 0;
    for (const [pane, entries] of unpackPartials(data)) {
      for (const [k, v] of entries) if (!this.table.add(pane, k, v, id)) late++;
    }
    return late;
  }

  /** Closes every window the minimum watermark has passed (`--top` applied); see `Closing`. */
  close(): Closing {
    const { ctx } = this;
    const watermarkMs = minWatermark(this.sources, ctx.inputPartitions);
    const windows = this.table.close(watermarkMs);
    if (ctx.top !== undefined) for (const w of windows) w.records = topOf(w.records, ctx.top);
    let allEnded = this.sources.size === ctx.inputPartitions;
    for (const s of this.sources.values()) if (!s.eof) allEnded = false;
    return { windows, watermarkMs, done: allEnded && this.table.size === 0 };
  }

  /** The sources' progress as JSON keeps it (see `StoredSources`). */
  storedSources(): StoredSources {
    const out: StoredSources = {};
    for (const [k, v] of this.sources) out[k] = { ...v, watermarkMs: Number.isFinite(v.watermarkMs) ? v.watermarkMs : null };
    return out;
  }
}
