/**
 * Stage 1 of a stateless Kafka job (`--filter`/`--map`/`--flat-map` and
 * `--event-time` alone: no key partitions, no repartition topic, no stage 2):
 * one input partition whose records run through the operators
 * (`RowCollector`, as on Redis: rows.ts) and whose rows go to the output
 * topic in the same transaction as its input offset and its state record.
 *
 * Output records of such a job have the key `dstream-lines` and the value
 * `{p, c, r}`: input partition `p`, its lines final so far `c` (null: all,
 * the partition has ended), and `r`, up to `ROWS_PER_ENTRY` rows (`[ordinal,
 * record]` per line, joined by LF; '' for none). They go to output partition
 * p mod the output's partitions, in the partition's order, so `dstream cat`
 * merges them back into the order of the topic's lines (cat.ts `catLines`).
 */
import { InputRun } from '../input-run.js';
import { InputPartition, type Stage1Batch } from './input-partition.js';
import type { LogRecord } from './log.js';
import type { OutMessage, Stage1Record, UnitContext } from './units.js';

/** Key of a stateless job's output records (see module doc). */
export const LINES_KEY = 'dstream-lines';

/** One input partition of a stateless job (in the place of an `InputUnit`). */
export class LineUnit extends InputPartition {
  /** The operators (a `RowCollector`, as on Redis: input-run.ts). */
  private readonly run: InputRun;

  /**
   * @param output the output topic, and its partition count `outputPartitions`.
   * @param end the end offset of a `--once` job; +∞ otherwise.
   */
  constructor(ctx: UnitContext, partition: number, committed: number, state: Stage1Record | undefined, end: number,
    private readonly output: string, private readonly outputPartitions: number) {
    super(ctx, partition, committed, state, end);
    this.run = new InputRun({ ...ctx, stateless: true }, partition);
    this.batch = this.run.issues;
  }

  /**
   * Runs one batch of `records` (offsets from `pos` to `next`; may be empty when only the end is due).
   * @returns the output records to write (see module doc) and what `commit` takes once they are committed.
   */
  compute(records: LogRecord[], next: number): { messages: OutMessage[]; after: Stage1Batch } {
    const { run } = this;
    const before = this.state.lines;
    run.begin(before, this.state.max ?? -Infinity, -Infinity);
    for (const r of records) if (r.value !== null) run.line(r.value); // one record is one line, as --kafka reads them
    const eof = next >= this.end;
    const { out: packs, lines, maxEventTimeMs: max } = run.finish(eof);
    const closed = eof ? null : before + lines;
    const partition = this.partition % this.outputPartitions;
    // Only the last record of the batch moves the partition's final lines on: a reader never releases a line whose rows it has not all read.
    const messages = (packs.length ? packs : ['']).map((r, i, all) => ({
      topic: this.output, partition, key: LINES_KEY,
      value: JSON.stringify({ p: this.partition, c: i === all.length - 1 ? closed : before, r }),
    }));
    const state: Stage1Record = { pos: next, max: Number.isFinite(max) ? max : null, eof, lines: before + lines, late: this.state.late };
    return { messages, after: { pos: next, state, issues: this.pending, warning: null } };
  }
}

/** True when every one of `inputPartitions` has written its end: its `s1:P` record in `table` (changelog partition 0) says so. */
export function allEnded(table: Map<string, string>, inputPartitions: number): boolean {
  for (let p = 0; p < inputPartitions; p++) {
    const rec = table.get(`s1:${p}`);
    if (!rec || !(JSON.parse(rec) as Stage1Record).eof) return false;
  }
  return true;
}
