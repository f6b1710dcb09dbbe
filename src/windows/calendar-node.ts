/**
 * Tumbling event-time windows aligned to local time (`--timezone`): each
 * window is `TimeZone.window(t, length)`, so its real duration can differ from
 * its length across DST changes (see `time-zone.ts`). Windows are closed and
 * output (append mode) by `closing.ts`'s rule (end + allowed lateness at or
 * before the watermark), in window order; records before the end of the last
 * closed window are late.
 */
import type { BatchInfo, Millis } from '../core/types.js';
import type { IssueLog } from '../core/issues.js';
import { Emitter, type Checkpointable, type StreamNode } from '../core/node.js';
import type { KeyedReducer } from '../operators/keyed-map.js';
import type { TimeZone } from '../core/time-zone.js';
import type { WatermarkTracker } from './watermark.js';
import { WindowClosing } from './closing.js';

/** Options of a `CalendarWindowNode`. */
export interface CalendarWindowOptions {
  reducer: KeyedReducer;
  zone: TimeZone;
  lengthMs: Millis;
  tracker: WatermarkTracker;
  issues: IssueLog;
  label: string;
  allowedLatenessMs?: Millis;
}

/** Node of zone-aligned tumbling windows (see module doc). */
export class CalendarWindowNode extends Emitter implements StreamNode, Checkpointable {
  /** Open windows by start instant. Plain data. */
  readonly windows = new Map<Millis, { endMs: Millis; partials: Map<unknown, unknown> }>();
  /** Which windows close at a watermark; the end of the last one closed (records before it are late). */
  readonly closing: WindowClosing;
  private last: { startMs: Millis; endMs: Millis; partials: Map<unknown, unknown> } | null = null;

  constructor(private readonly o: CalendarWindowOptions) {
    super();
    this.closing = new WindowClosing(o.allowedLatenessMs ?? 0, { issues: o.issues, label: o.label });
  }

  record(value: unknown, tMs: number): void {
    if (this.closing.dropLate(value, tMs)) return;
    let w = this.last;
    if (!w || tMs < w.startMs || tMs >= w.endMs) {
      const [startMs, endMs] = this.o.zone.window(tMs, this.o.lengthMs);
      let open = this.windows.get(startMs);
      if (!open) this.windows.set(startMs, (open = { endMs, partials: new Map() }));
      w = this.last = { startMs, endMs, partials: open.partials };
    }
    this.o.reducer.add(w.partials, value);
  }

  /** Calendar windows not closed yet (each holds data). */
  openWindows(): number {
    return this.windows.size;
  }
  stateSize(): number {
    let n = 0;
    for (const w of this.windows.values()) n += w.partials.size;
    return n;
  }
  snapshot(): unknown {
    // `sealedMs`: the checkpoint's name for the end of the last closed window.
    return { windows: this.windows, sealedMs: this.closing.lastClosedEndMs, codec: this.o.reducer.keys.snapshot() };
  }
  restore(data: unknown): void {
    const d = data as { windows: CalendarWindowNode['windows']; sealedMs: number; codec: [string, unknown][] };
    this.o.reducer.keys.restore(d.codec);
    for (const [k, v] of d.windows) this.windows.set(k, v);
    this.closing.lastClosedEndMs = d.sealedMs;
    this.last = null;
  }

  beginGroup(): void {}
  endGroup(): void {}

  endBatch(batch: BatchInfo): void {
    const watermarkMs = this.o.tracker.advance(batch);
    const due = [...this.windows].filter(([, w]) => this.closing.closes(w.endMs, watermarkMs)).sort((a, b) => a[0] - b[0]);
    for (const [startMs, w] of due) {
      this.windows.delete(startMs);
      this.out.beginGroup({ startMs, endMs: w.endMs, eventTime: true });
      for (const k of this.o.reducer.sortedKeys(w.partials.keys())) this.out.record(this.o.reducer.output(k, w.partials.get(k)), startMs);
      this.out.endGroup();
      this.closing.closed(w.endMs);
      if (this.last?.startMs === startMs) this.last = null;
    }
    this.out.endBatch(batch);
  }
}
