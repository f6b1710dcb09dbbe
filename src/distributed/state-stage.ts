/**
 * `--update-state-by-key` in distributed mode, per key partition.
 *
 * **What a batch is.** Distributed input has no processing-time batches
 * common to all input partitions, so a batch is a run of the topic's *lines*:
 * line k of input partition p (of n) is line g = k·n + p of the topic (the
 * order `dstream publish` spread the input round-robin), and batch b holds
 * lines [b·N, (b+1)·N) with N = `--max-records-per-batch` (without it, the
 * whole input is one batch) — the batches a local run of the published file
 * makes with the same flag. Batch b's time is (b+1)·`--batch` (logical time,
 * as locally).
 *
 * **Stage 1** (`StateCollector`) runs the stateless operators and sends each
 * `[key, value]` record, tagged `[g, i, value]` (i: its place among the
 * line's records), to the key's partition, grouped by batch (the "pane" of
 * the message). Its watermark is its line frontier k·n + p: every line of
 * the partition before it is committed.
 *
 * **Stage 2** (Redis: redis/state-unit.ts `StateUnit`; Kafka: kafka/state-unit.ts
 * `StateKeyUnit`) gathers the values of open batches and closes
 * batch b once the minimum line frontier over the input partitions has
 * passed (b+1)·N (or every partition has ended): for each key with values,
 * in topic order, and each key with state, `state = fn(values, state,
 * batchTime)` (`undefined` removes it). The keys' states are written with
 * every stage-2 commit (the same atomic step as its offset and rows) and
 * restored by a new owner, which replays its input from the first message
 * of the oldest open batch for the rest. As a local run of a file, the
 * table is output once, at the end: every key with its final state, in key
 * order (`dstream cat` merges the key partitions). On live input (a topic not
 * published from a file, `UpdateStateSettings.live`) each commit that closes
 * batches writes, atomically with its offset and state, the keys each closed
 * batch b changed (rows of "window" [b+1, b+1]) and the batches closed as its
 * progress (`closedMs`), so `dstream cat` prints them batch by batch.
 */
import { isPair } from '../core/types.js';
import type { PrefixOptions } from '../engine/prefix-chain.js';
import type { PanePartials } from '../engine/map-side-combine.js';
import { packByKeyPartition } from './partials.js';
import { LineCollector } from './rows.js';
import { keyId, type Tagged } from './state-table.js';

/** Stage 1 of a state job (see module doc). */
export class StateCollector extends LineCollector {
  private batches = new Map<number, Map<string, [unknown, Tagged[]]>>();
  /** Place of the next record among its line's. */
  private index = 0;
  private lastLine = -1;

  /**
   * @param s.inputPartitions n, s.partition p: line k of p is line k·n + p of the topic.
   * @throws ConfigError for an invalid function or parser.
   */
  constructor(o: PrefixOptions, private readonly s: { label: string; batchLines: number; inputPartitions: number; partition: number; keyPartitions: number }) {
    super(o);
  }

  protected collect(value: unknown): void {
    if (!isPair(value)) {
      this.issues.badRecord('not-a-pair', this.s.label, value, 'expected a [key, value] pair');
      return;
    }
    const g = this.ordinal * this.s.inputPartitions + this.s.partition;
    if (g !== this.lastLine) {
      this.lastLine = g;
      this.index = 0;
    }
    const b = Number.isFinite(this.s.batchLines) ? Math.floor(g / this.s.batchLines) : 0;
    let keys = this.batches.get(b);
    if (!keys) this.batches.set(b, (keys = new Map()));
    const id = keyId(value[0]);
    const e = keys.get(id);
    const v: Tagged = [g, this.index++, value[1]];
    if (e) e[1].push(v);
    else keys.set(id, [value[0], [v]]);
  }

  protected clear(): void {
    this.batches = new Map();
    // A batch starts at a line boundary: a batch run again from the same line (after a refused commit) numbers its records from 0 again.
    this.lastLine = -1;
    this.index = 0;
  }

  /** The tagged values since `begin`, one payload per key partition (batches as panes). */
  take(): string[] {
    this.endBatch();
    const parts: PanePartials[] = [...this.batches].sort((a, b) => a[0] - b[0]).map(([b, keys]) => [b, [...keys.values()]]);
    this.batches = new Map();
    return packByKeyPartition(parts, this.s.keyPartitions);
  }

  /** The line frontier after the lines so far: every line of the topic in this partition before it is committed. */
  frontier(): number {
    return this.ordinal * this.s.inputPartitions + this.s.partition;
  }
}
