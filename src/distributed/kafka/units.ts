/**
 * The units of work of a Kafka job, as the group protocol assigns them.
 *
 * Stage 1, one per input partition: reads a batch of records from the
 * committed offset, runs the stateless operators, event time, per-record
 * lateness against the partition's running maximum and a map-side combine
 * per (key, pane), and yields one repartition message per key partition
 * (`{s: input partition, o: last offset, w: watermark ms | null at the end,
 * e: end, d: packed partials}`) plus its state record for the changelog
 * (`{max, eof, lines, late}`).
 *
 * Stage 2, one per key partition: merges the partials of its repartition
 * partition into a `PaneTable`, closes every window the minimum watermark of
 * all input partitions has passed, and yields the closed rows and its state
 * record (progress per input partition, end of the last closed window, the
 * open panes) for the changelog — the open panes are rebuilt from it after a
 * hand-over.
 *
 * Both only compute: the worker writes what they yield in one transaction
 * with their offsets and adopts the result (`commit`) only when the
 * transaction committed.
 */
import { decodeState, encodeState } from '../../checkpoint/codec.js';
import type { Issue } from '../../core/issues.js';
import { MapSideCombiner } from '../../engine/map-side-combine.js';
import type { JobContext } from '../job-context.js';
import { PaneTable } from '../pane-table.js';
import { packByKeyPartition, unpackPartials } from '../partials.js';
import { formatDuration } from '../../core/duration.js';
import { minWatermark, topOf, type SourceProgress } from '../stage2.js';
import type { LogRecord } from './log.js';

/** A message to write in the step's transaction. */
export interface OutMessage {
  topic: string;
  partition: number;
  key: string | null;
  value: string;
}

/** The settings the units need (a subset of the Redis worker's context). */
export type UnitContext = Pick<JobContext, 'combiner' | 'mergeReducer' | 'spec' | 'top' | 'watermarkDelayMs' | 'allowedLatenessMs' | 'inputPartitions' | 'keyPartitions' | 'say' | 'onIssue' | 'onWarning' | 'updateState'>;

/** Stage 1's record in the changelog. */
export interface Stage1Record {
  /** The input offset this state goes with (the next to read); absent in records of older versions. */
  pos?: number;
  max: number | null;
  eof: boolean;
  /** Declared idle (`--idle-timeout`): key partitions leave it out of the minimum watermark until it has input again. */
  idle?: boolean;
  lines: number;
  late: number;
}

/** Stage 2's record in the changelog. */
export interface Stage2Record {
  /** The repartition offset this state goes with (the next to read); absent in records of older versions. */
  pos?: number;
  sources: Record<string, { seq: number; watermarkMs: number | null; eof: boolean; idle: boolean }>;
  sealedMs: number | null;
  rows: number;
  late: number;
  done: boolean;
  panes: unknown;
}

/** One input partition (stage 1). */
export class InputUnit {
  /** Next offset to read. */
  pos: number;
  state: Stage1Record;
  private readonly combiner: MapSideCombiner;
  private pending: Issue[] = [];
  /** Farthest (ms) a late record of the running batch was behind the running maximum event time. */
  private behindMs = 0;

  constructor(private readonly ctx: UnitContext, readonly partition: number, committed: number, state: Stage1Record | undefined, readonly end: number) {
    this.pos = committed;
    this.state = state ?? { max: null, eof: false, lines: 0, late: 0 };
    this.combiner = new MapSideCombiner({ ...ctx.combiner, lateness: ctx.combiner.lateness && { ...ctx.combiner.lateness } });
    this.combiner.issues.listen((i) => {
      this.pending.push(i);
      if (i.kind === 'late' && i.eventTimeMs !== undefined) this.behindMs = Math.max(this.behindMs, this.combiner.maxEventTimeMs - i.eventTimeMs);
    });
    if (ctx.onWarning) this.combiner.issues.onWarning(ctx.onWarning);
  }

  /** True when records up to the end (a `--once` job) are read and the end is sent. */
  get done(): boolean {
    return this.state.eof;
  }

  /** True when the end must be sent now (read up to it, not yet sent). */
  get endDue(): boolean {
    return !this.state.eof && this.pos >= this.end;
  }

  /**
   * Computes one batch of `records` (offsets from `pos` on; may be empty when only the end is due).
   * @returns the messages to write and what `commit` takes once they are committed.
   */
  compute(records: LogRecord[], next: number, repartition: string, idle = false): { messages: OutMessage[]; after: { pos: number; state: Stage1Record; issues: Issue[]; warning: string | null } } {
    const { ctx, combiner } = this;
    combiner.take();
    this.pending = [];
    this.behindMs = 0;
    combiner.resume(this.state.max ?? -Infinity, -Infinity);
    const lateBefore = combiner.issues.counts.late;
    for (const r of records) if (r.value !== null) combiner.line(r.value); // one record is one line, as --kafka reads them
    const payloads = packByKeyPartition(combiner.take(), ctx.keyPartitions);
    const eof = next >= this.end;
    const max = combiner.maxEventTimeMs;
    const watermark = eof ? null : max - ctx.watermarkDelayMs;
    const last = next - 1;
    const messages = payloads.map((d, q) => ({
      topic: repartition, partition: q, key: null,
      // −∞ (no event time yet) travels as −1e300, +∞ (the end) as null: JSON has neither.
      value: JSON.stringify({ s: this.partition, o: last, w: watermark === null ? null : Number.isFinite(watermark) ? watermark : -1e300, e: eof, i: idle, d }),
    }));
    const lines = records.reduce((n, r) => n + (r.value === null ? 0 : 1), 0);
    const state = { pos: next, max: Number.isFinite(max) ? max : null, eof, idle, lines: this.state.lines + lines, late: this.state.late + combiner.issues.counts.late - lateBefore };
    const warning = this.lateWarning(lines, this.pending.filter((i) => i.kind === 'late').length);
    return { messages, after: { pos: next, state, issues: this.pending, warning } };
  }

  /**
   * Over 1 % of a batch's `lines` records late: the warning line, with the `--watermark` that would
   * have kept them (the farthest a late record was behind the running maximum, up to a whole second).
   */
  private lateWarning(lines: number, late: number): string | null {
    const behindMs = this.behindMs;
    this.behindMs = 0;
    if (lines === 0 || late * 100 <= lines) return null;
    const needMs = Math.max(1000, Math.ceil((behindMs + 1) / 1000) * 1000);
    const delay = this.ctx.watermarkDelayMs === 0 ? '0' : formatDuration(this.ctx.watermarkDelayMs);
    return `input partition ${this.partition}: ${late} of ${lines} records of a batch were late (${((100 * late) / lines).toFixed(1)} %, dropped) with --watermark ${delay}, `
      + `where they were at most ${formatDuration(needMs)} behind the newest record of their partition; --watermark ${formatDuration(needMs)} would have kept them`;
  }

  /** Adopts a committed batch: its issues are reported, and too many late records said once per worker. */
  commit(after: { pos: number; state: Stage1Record; issues: Issue[]; warning: string | null }): void {
    this.pos = after.pos;
    this.state = after.state;
    if (after.warning) this.ctx.onWarning?.(after.warning, 'late-fraction');
    for (const i of after.issues) this.ctx.onIssue(i);
  }
}

interface Stage1Message {
  s: number;
  o: number;
  w: number | null;
  e: boolean;
  /** Idle marker: no input for `--idle-timeout`. */
  i?: boolean;
  d: string;
}

/** One key partition (stage 2). */
export class KeyUnit {
  pos: number;
  private table: PaneTable;
  private sources = new Map<number, SourceProgress>();
  rows = 0;
  late = 0;
  done = false;
  /** The last progress this unit wrote to the output topic (see `progressRecord`). */
  private closedMs = -Infinity;

  /**
   * @param batchTimeMs the batch time stored with each row for `dstream cat` (a `--once` job: the
   *   batch interval, as a local run of a file is one batch); null: the window end.
   */
  constructor(private readonly ctx: UnitContext, readonly partition: number, committed: number, rec: Stage2Record | undefined, private readonly batchTimeMs: number | null = null) {
    this.pos = committed;
    this.table = this.load(rec);
  }

  private load(rec: Stage2Record | undefined): PaneTable {
    const table = new PaneTable(this.ctx.spec, this.ctx.mergeReducer(), this.ctx.allowedLatenessMs);
    this.sources = new Map();
    if (!rec) return table;
    table.lastClosedEndMs = rec.sealedMs ?? -Infinity;
    table.restore(decodeState(rec.panes) as ReturnType<PaneTable['snapshot']>);
    for (const [k, v] of Object.entries(rec.sources)) {
      this.sources.set(Number(k), { ...v, watermarkMs: v.watermarkMs === null ? (v.eof ? Infinity : -Infinity) : v.watermarkMs });
    }
    this.rows = rec.rows;
    this.late = rec.late;
    this.done = rec.done;
    return table;
  }

  /** Open panes (for logs). */
  get openPanes(): number {
    return this.table.size;
  }

  /**
   * Applies the repartition records read (offsets up to `next`), closes windows and returns what
   * to write: output rows (JSON `[startMs, endMs, record, batchTimeMs]`, one per message) and the state record.
   * The unit's state is already the new one: on a failed commit the worker drops the unit and
   * opens it again from the changelog.
   */
  apply(records: LogRecord[], next: number, output: string, outputPartitions: number): { messages: OutMessage[]; state: Stage2Record; late: number } {
    let late = 0;
    for (const r of records) {
      if (r.value === null) continue;
      const m = JSON.parse(r.value) as Stage1Message;
      const s = this.sources.get(m.s);
      if (s && m.o <= s.seq && !m.e && !m.i && !s.idle) continue; // already applied (cannot happen with transactions; kept as a guard)
      const wm = m.w === null ? Infinity : m.w;
      this.sources.set(m.s, { seq: m.o, eof: m.e, idle: m.i === true, watermarkMs: Math.max(wm, s ? s.watermarkMs : -Infinity) });
      for (const [pane, entries] of unpackPartials(m.d)) {
        for (const [k, v] of entries) if (!this.table.add(pane, k, v, `${r.offset}-0`)) late++;
      }
    }
    const watermarkMs = minWatermark(this.sources, this.ctx.inputPartitions);
    const closed = this.table.close(watermarkMs);
    const { top } = this.ctx;
    if (top !== undefined) for (const w of closed) w.records = topOf(w.records, top);
    const messages: OutMessage[] = [];
    const target = this.partition % outputPartitions;
    for (const w of closed) {
      for (const rec of w.records) messages.push({ topic: output, partition: target, key: null, value: JSON.stringify([w.startMs, w.endMs, encodeState(rec), this.batchTimeMs ?? w.endMs]) });
    }
    const rows = messages.length;
    let allEnded = this.sources.size === this.ctx.inputPartitions;
    for (const s of this.sources.values()) if (!s.eof) allEnded = false;
    this.done = allEnded && this.table.size === 0;
    const closedMs = this.done ? Infinity : watermarkMs - this.ctx.allowedLatenessMs;
    if (closedMs > this.closedMs) {
      // After its rows, in their partition: `dstream cat` prints a window once every key partition has closed past its end.
      this.closedMs = closedMs;
      messages.push({ topic: output, partition: target, key: PROGRESS_KEY, value: JSON.stringify(progressRecord(this.partition, this.ctx.keyPartitions, closedMs)) });
    }
    this.rows += rows;
    this.late += late;
    this.pos = next;
    const sources: Stage2Record['sources'] = {};
    for (const [k, v] of this.sources) sources[k] = { ...v, watermarkMs: Number.isFinite(v.watermarkMs) ? v.watermarkMs : null };
    const state: Stage2Record = {
      pos: next,
      sources, sealedMs: Number.isFinite(this.table.lastClosedEndMs) ? this.table.lastClosedEndMs : null, rows: this.rows, late: this.late, done: this.done,
      panes: encodeState(this.table.snapshot()),
    };
    return { messages, state, late };
  }
}

/** Key of a progress record in an output topic (rows have no key). */
export const PROGRESS_KEY = 'dstream-progress';

/**
 * A progress record of an output topic: key partition `q` of `n` has closed every window ending at or
 * before `closedMs` (`c`: null for +∞, the key partition is done).
 */
export function progressRecord(q: number, n: number, closedMs: number): { q: number; n: number; c: number | null } {
  return { q, n, c: Number.isFinite(closedMs) ? closedMs : null };
}
