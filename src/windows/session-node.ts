/**
 * Session windows over event time (Structured Streaming's `session_window`):
 * per key, events closer than the gap to each other form one session
 * `[first event, last event + gap)`; an event that falls within the gap of two
 * sessions merges them. A session is emitted once, when it closes by
 * `closing.ts`'s rule: end (last event + gap) + allowed lateness ≤ watermark,
 * as one window group.
 *
 * Late: an event before the watermark of the previous batch − allowed lateness
 * could belong to a session already emitted, so it is dropped and counted; an
 * event not later than the watermark delay is never late, so the sessions do
 * not depend on how the input is cut into batches.
 *
 * Output modes: `append` (default) emits each session once, final; `update`
 * emits, every batch, the current value of each session that got events in it.
 */
import { compareKeys } from '../core/compare.js';
import type { BatchInfo, Millis } from '../core/types.js';
import type { IssueLog } from '../core/issues.js';
import { Emitter, type Checkpointable, type StreamNode } from '../core/node.js';
import { NOT_LIFTED, type KeyedReducer } from '../operators/keyed-map.js';
import type { WatermarkTracker } from './watermark.js';
import { WindowClosing } from './closing.js';

interface Session {
  startMs: Millis;
  lastMs: Millis;
  acc: unknown;
  touched: boolean;
}

/** Options of a `SessionNode`. */
export interface SessionNodeOptions {
  reducer: KeyedReducer;
  gapMs: Millis;
  tracker: WatermarkTracker;
  issues: IssueLog;
  label: string;
  mode: 'append' | 'update';
  /** How long (ms, default 0) after the watermark passes its end a session stays open. */
  allowedLatenessMs?: Millis;
}

/** Node of `--session-window GAP` (see module doc). */
export class SessionNode extends Emitter implements StreamNode, Checkpointable {
  /** Open sessions per (encoded) key, sorted by start. Plain data. */
  readonly sessions = new Map<unknown, Session[]>();
  /**
   * Which sessions close at a watermark. Its last closed end is the watermark of the previous
   * batch − allowed lateness: every session ending before it has closed, so earlier events are late.
   */
  readonly closing: WindowClosing;

  constructor(private readonly o: SessionNodeOptions) {
    super();
    this.closing = new WindowClosing(o.allowedLatenessMs ?? 0, { issues: o.issues, label: o.label });
  }

  record(value: unknown, tMs: number): void {
    const { reducer, gapMs } = this.o;
    if (this.closing.dropLate(value, tMs)) return;
    if (!reducer.extract(value)) return;
    const key = reducer.key;
    // A value the reducer refuses (reported) neither starts nor extends a session.
    const lifted = reducer.tryLift(value);
    if (lifted === NOT_LIFTED) return;
    let list = this.sessions.get(key);
    if (list === undefined) this.sessions.set(key, (list = []));
    // Sessions this event joins: within the gap of their span.
    let first = -1;
    let last = -1;
    for (let i = 0; i < list.length; i++) {
      const s = list[i]!;
      if (tMs > s.startMs - gapMs && tMs < s.lastMs + gapMs) {
        if (first === -1) first = i;
        last = i;
      } else if (s.startMs - gapMs >= tMs) break;
    }
    if (first === -1) {
      const s: Session = { startMs: tMs, lastMs: tMs, acc: lifted, touched: true };
      let i = 0;
      while (i < list.length && list[i]!.startMs < tMs) i++;
      list.splice(i, 0, s);
      return;
    }
    const merged = list[first]!;
    for (let i = first + 1; i <= last; i++) {
      const s = list[i]!;
      merged.acc = reducer.combine(merged.acc, s.acc);
      merged.lastMs = Math.max(merged.lastMs, s.lastMs);
    }
    if (last > first) list.splice(first + 1, last - first);
    merged.acc = reducer.combine(merged.acc, lifted);
    merged.startMs = Math.min(merged.startMs, tMs);
    merged.lastMs = Math.max(merged.lastMs, tMs);
    merged.touched = true;
  }

  stateSize(): number {
    return this.sessions.size;
  }
  /** Sessions not closed yet, over every key. */
  openWindows(): number {
    let n = 0;
    for (const list of this.sessions.values()) n += list.length;
    return n;
  }
  snapshot(): unknown {
    // `closedMs`: the checkpoint's name for the last closed end.
    return { sessions: this.sessions, closedMs: this.closing.lastClosedEndMs, codec: this.o.reducer.keys.snapshot() };
  }
  restore(data: unknown): void {
    const d = data as { sessions: Map<unknown, Session[]>; closedMs: number; codec: [string, unknown][] };
    this.o.reducer.keys.restore(d.codec);
    for (const [k, v] of d.sessions) this.sessions.set(k, v);
    this.closing.lastClosedEndMs = d.closedMs;
  }

  beginGroup(): void {}
  endGroup(): void {}

  endBatch(batch: BatchInfo): void {
    const watermark = this.o.tracker.advance(batch);
    const { gapMs, reducer } = this.o;
    const rows: { startMs: Millis; endMs: Millis; key: unknown; acc: unknown }[] = [];
    for (const [key, list] of this.sessions) {
      for (let i = 0; i < list.length; i++) {
        const s = list[i]!;
        const endMs = s.lastMs + gapMs;
        const closing = this.closing.closes(endMs, watermark);
        if (closing ? this.o.mode === 'append' || s.touched : this.o.mode === 'update' && s.touched) {
          rows.push({ startMs: s.startMs, endMs, key, acc: s.acc });
        }
        s.touched = false;
        if (closing) list.splice(i--, 1);
      }
      if (list.length === 0) this.sessions.delete(key);
    }
    rows.sort((a, b) => a.startMs - b.startMs || a.endMs - b.endMs || compareKeys(reducer.keys.decode(a.key), reducer.keys.decode(b.key)));
    let open: { startMs: Millis; endMs: Millis } | null = null;
    for (const r of rows) {
      if (!open || open.startMs !== r.startMs || open.endMs !== r.endMs) {
        if (open) this.out.endGroup();
        open = { startMs: r.startMs, endMs: r.endMs };
        this.out.beginGroup({ startMs: r.startMs, endMs: r.endMs, eventTime: true });
      }
      this.out.record(reducer.output(r.key, r.acc), r.startMs);
    }
    if (open) this.out.endGroup();
    // End of input emits every session (watermark +∞) but keeps the real watermark as the
    // lateness bound, so a later run (a checkpoint) can still take later events.
    this.closing.closed((batch.final ? this.o.tracker.watermarkMs : watermark) - this.closing.allowedLatenessMs);
    this.out.endBatch(batch);
  }
}

