/**
 * The output of a stateless Kafka job (`--filter`/`--map`/`--flat-map` and
 * `--event-time` alone: no key partitions, no repartition topic, no stage 2):
 * each input partition's unit (units.ts `InputUnit`, its operators a
 * `RowCollector` as on Redis: rows.ts) writes its rows to the output topic in
 * the same transaction as its input offset and its state record.
 *
 * Output records of such a job have the key `dstream-lines` and the value
 * `{p, c, r}`: input partition `p`, its lines final so far `c` (null: all,
 * the partition has ended), and `r`, up to `ROWS_PER_ENTRY` rows (`[ordinal,
 * record]` per line, joined by LF; '' for none). They go to output partition
 * p mod the output's partitions, in the partition's order, so `dstream cat`
 * merges them back into the order of the topic's lines (cat.ts `catLines`).
 */
import type { OutMessage, Stage1Record } from './input-partition.js';

/** Key of a stateless job's output records (see module doc). */
export const LINES_KEY = 'dstream-lines';

/**
 * A stateless job's output records for one batch of input partition `p` (see module doc): one per
 * pack of rows `packs` (one with '' when there are none), to output partition `partition`. Only the
 * last moves the partition's final lines from `before` on to `closed` (null: all, it has ended), so
 * a reader never releases a line whose rows it has not all read.
 */
export function linesMessages(output: string, partition: number, p: number, before: number, closed: number | null, packs: string[]): OutMessage[] {
  return (packs.length ? packs : ['']).map((r, i, all) => ({
    topic: output, partition, key: LINES_KEY,
    value: JSON.stringify({ p, c: i === all.length - 1 ? closed : before, r }),
  }));
}

/** True when every one of `inputPartitions` has written its end: its `s1:P` record in `table` (changelog partition 0) says so. */
export function allEnded(table: Map<string, string>, inputPartitions: number): boolean {
  for (let p = 0; p < inputPartitions; p++) {
    const rec = table.get(`s1:${p}`);
    if (!rec || !(JSON.parse(rec) as Stage1Record).eof) return false;
  }
  return true;
}
