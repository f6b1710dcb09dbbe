/**
 * The units of work of a Kafka job, as the group protocol assigns them.
 *
 * Stage 1, one per input partition, one class for every kind of job: runs a
 * batch of records from the committed offset through `InputRun` (as a Redis
 * input partition does: operators, event time, per-record lateness against
 * the partition's running maximum, and a map-side combine per (key, pane), a
 * state job's tagged values, or a stateless job's rows), and yields one
 * repartition message per key partition (`{s: input partition, o: last
 * offset, w: watermark ms | null at the end, e: end, i: idle, d: packed
 * partials}`; a state job's `w` is its line frontier) or a stateless job's
 * output records (stateless-unit.ts), plus its state record for the
 * changelog (`{pos, max, eof, idle, lines, late}`).
 *
 * Stage 2, one per key partition: merges the partials of its repartition
 * partition and closes every window the minimum watermark of all input
 * partitions has passed (`KeyPanes`, as a Redis key partition does), and yields the closed rows and its state
 * record (progress per input partition, end of the last closed window, the
 * open panes) for the changelog — the open panes are rebuilt from it after a
 * hand-over.
 *
 * Both only compute: the worker writes what they yield in one transaction
 * with their offsets and adopts the result (stage 1: `commit`; stage 2:
 * held.ts `committed`, and `refused` puts it back) only when the transaction
 * committed.
 */
import { decodeState, encodeState } from '../../checkpoint/codec.js';
import { InputRun } from '../input-run.js';
import { KeyPanes, sourcesOf, type StoredSources } from '../key-panes.js';
import type { PaneTable } from '../pane-table.js';
import type { OutMessage, Stage1Batch, Stage1Record, UnitContext } from './input-partition.js';
import type { LogRecord } from './log.js';
import { linesMessages } from './stateless-unit.js';

export type { OutMessage, Stage1Record, UnitContext } from './input-partition.js'; // where the other units look for them

/** Stage 2's record in the changelog. */
export interface Stage2Record {
  /** The repartition offset this state goes with (the next to read); absent in records of older versions. */
  pos?: number;
  sources: StoredSources;
  sealedMs: number | null;
  rows: number;
  late: number;
  done: boolean;
  panes: unknown;
}

/** Where an input unit's messages go: the repartition topic, or a stateless job's output topic and its partition count. */
export type InputTarget = { repartition: string } | { output: string; outputPartitions: number };

/**
 * One input partition (stage 1), of every kind of job: the computation is `InputRun`, as on Redis
 * (windowed: partials; stateless: output rows; `--update-state-by-key`: tagged values); here its
 * messages and its state record. A windowed or state job's messages go to the repartition topic, one
 * per key partition; a stateless job's rows to the output topic (stateless-unit.ts `linesMessages`).
 */
export class InputUnit {
  /** Next offset to read. */
  pos: number;
  state: Stage1Record;
  private readonly run: InputRun;

  /**
   * @param end the end offset of a `--once` job; +∞ otherwise.
   * @param to where the messages go: the repartition topic (one partition per key partition), or a
   *   stateless job's output topic, whose partition `partition` mod `outputPartitions` takes them.
   */
  constructor(private readonly ctx: UnitContext, readonly partition: number, committed: number, state: Stage1Record | undefined, readonly end: number, private readonly to: InputTarget) {
    this.pos = committed;
    this.state = state ?? { max: null, eof: false, lines: 0, late: 0 };
    this.run = new InputRun('output' in to ? { ...ctx, stateless: true } : ctx, partition);
  }

  /** True when records up to the end (a `--once` job) are read and the end is written. */
  get done(): boolean {
    return this.state.eof;
  }

  /** True when the end must be written now (read up to it, not yet written). */
  get endDue(): boolean {
    return !this.state.eof && this.pos >= this.end;
  }

  /** True when the partition may be declared idle (`--idle-timeout`): a windowed job's. */
  get idleable(): boolean {
    return !('output' in this.to) && !this.ctx.updateState;
  }

  /**
   * Computes one batch of `records` (offsets from `pos` up to `next`; may be empty when only the end,
   * or with `idle` the idle marker, is due).
   * @returns the messages to write and what `commit` takes once they are committed.
   */
  compute(records: LogRecord[], next: number, idle = false): { messages: OutMessage[]; after: Stage1Batch } {
    const { run } = this;
    const before = this.state.lines;
    run.begin(before, this.state.max ?? -Infinity, -Infinity);
    for (const r of records) if (r.value !== null) run.line(r.value); // one record is one line, as --kafka reads them
    const eof = next >= this.end;
    const b = run.finish(eof);
    const { to } = this;
    const messages = 'output' in to
      ? linesMessages(to.output, this.partition % to.outputPartitions, this.partition, before, eof ? null : before + b.lines, b.out)
      : b.out.map((d, q) => ({
        topic: to.repartition, partition: q, key: null,
        // −∞ (no event time yet) travels as −1e300, +∞ (the end) as null: JSON has neither. A state job's is its line frontier.
        value: JSON.stringify({ s: this.partition, o: next - 1, w: Number.isFinite(b.watermarkMs) ? b.watermarkMs : b.watermarkMs > 0 ? null : -1e300, e: eof, i: idle, d }),
      }));
    const max = b.maxEventTimeMs;
    const state = { pos: next, max: Number.isFinite(max) ? max : null, eof, idle, lines: before + b.lines, late: this.state.late + b.late };
    return { messages, after: { pos: next, state, issues: run.issues.pending, warning: run.lateWarning() } };
  }

  /** Adopts a committed batch: its issues are reported, and too many late records said (once per worker: the context's rule). */
  commit(after: Stage1Batch): void {
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

/** One key partition (stage 2): the window algebra is `KeyPanes`, as on Redis; here its state record and its messages. */
export class KeyUnit {
  pos: number;
  private readonly panes: KeyPanes;
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
    this.panes = new KeyPanes(ctx);
    if (!rec) return;
    this.panes.reset(rec.sealedMs ?? -Infinity, sourcesOf(rec.sources), decodeState(rec.panes) as ReturnType<PaneTable['snapshot']>);
    this.rows = rec.rows;
    this.late = rec.late;
    this.done = rec.done;
  }

  /** Open panes (for logs). */
  get openPanes(): number {
    return this.panes.size;
  }

  /**
   * Applies the repartition records read (offsets up to `next`), closes windows and returns what
   * to write: output rows (JSON `[startMs, endMs, record, batchTimeMs]`, one per message) and the state record.
   * The unit's state is already the new one: on a refused commit the worker puts it back (held.ts `refused`).
   */
  apply(records: LogRecord[], next: number, output: string, outputPartitions: number): { messages: OutMessage[]; state: Stage2Record; late: number } {
    const { panes } = this;
    let late = 0;
    for (const r of records) {
      if (r.value === null) continue;
      const m = JSON.parse(r.value) as Stage1Message;
      // A re-emission is skipped (cannot happen with transactions; kept as a guard).
      late += panes.receive({ source: m.s, seq: m.o, watermarkMs: m.w === null ? Infinity : m.w, eof: m.e, idle: m.i === true, data: m.d }, `${r.offset}-0`) ?? 0;
    }
    const { windows, watermarkMs, done } = panes.close();
    const messages: OutMessage[] = [];
    const target = this.partition % outputPartitions;
    for (const w of windows) {
      for (const rec of w.records) messages.push({ topic: output, partition: target, key: null, value: JSON.stringify([w.startMs, w.endMs, encodeState(rec), this.batchTimeMs ?? w.endMs]) });
    }
    const rows = messages.length;
    this.done = done;
    const closedMs = done ? Infinity : watermarkMs - this.ctx.allowedLatenessMs;
    if (closedMs > this.closedMs) {
      // After its rows, in their partition: `dstream cat` prints a window once every key partition has closed past its end.
      this.closedMs = closedMs;
      messages.push({ topic: output, partition: target, key: PROGRESS_KEY, value: JSON.stringify(progressRecord(this.partition, this.ctx.keyPartitions, closedMs)) });
    }
    this.rows += rows;
    this.late += late;
    this.pos = next;
    const sealedMs = panes.table.lastClosedEndMs;
    const state: Stage2Record = {
      pos: next,
      sources: panes.storedSources(), sealedMs: Number.isFinite(sealedMs) ? sealedMs : null, rows: this.rows, late: this.late, done,
      panes: encodeState(panes.table.snapshot()),
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
