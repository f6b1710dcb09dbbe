/**
 * `--update-state-by-key` on Kafka, per key partition: the units of a job
 * whose pipeline ends with it (what a batch is: state-stage.ts).
 *
 * Stage 1 is the `InputUnit` of every job (units.ts), its operators a
 * `StateCollector` as on Redis: it sends each key partition one repartition
 * message per transaction (`{s, o, w, e, d}` as for windows), whose
 * watermark `w` is the partition's line frontier (its lines so far · n + p),
 * also at its end.
 *
 * Stage 2 (`StateKeyUnit`, one per key partition) adds the messages' values
 * to their open batches and closes the batches every input partition has
 * passed (`StateTable`, shared with Redis). Its changelog record, written in
 * the step's transaction with its repartition offset, holds the keys' state,
 * the batches closed and the replay point (the first repartition message of
 * the oldest open batch); a new owner restores the state from it and reads
 * the repartition topic again from the replay point to its committed offset
 * for the open batches' values. Once every input partition has ended, the
 * table is written to the output topic (in key order, `[b, b, record, b ·
 * batch]` with b the batches closed, as `dstream cat` expects of a state
 * job) followed by a progress record saying the key partition is done.
 *
 * On live input (a job created without `--once`, `UpdateStateSettings.live`)
 * no partition ends: each step that closes batches writes, in its
 * transaction, the keys each closed batch b changed, `[b+1, b+1, record,
 * (b+1) · batch]` in key order (Spark's state after every batch, as a local
 * `--output-mode update` prints it), then a progress record with the batches
 * closed, so `dstream cat` prints batch by batch and a key's last row is its
 * state after the last batch closed.
 */
import { plural } from '../../core/plural.js';
import { encodeState } from '../../checkpoint/codec.js';
import { StateKeys, type StateTable } from '../state-table.js';
import type { SourceProgress } from '../key-panes.js';
import type { KafkaLog, LogRecord } from './log.js';
import { PROGRESS_KEY, progressRecord, type OutMessage, type UnitContext } from './units.js';

/** Stage 2's record in the changelog (fields `job status` reads as for windows: `rows`, `late`, `done`, `sealedMs`). */
export interface StateKeyRecord {
  /** The repartition offset this state goes with (the next to read). */
  pos: number;
  sources: Record<string, SourceProgress>;
  /** `StateTable.snapshot()`: batches closed and the keys' state. */
  table: string;
  /** Where the open batches' values start in the repartition partition. */
  replay: number;
  rows: number;
  late: 0;
  done: boolean;
  sealedMs: null;
}

/** One key partition of a state job (in the place of a `KeyUnit`); its state and step: `StateKeys`, as on Redis. */
export class StateKeyUnit {
  pos: number;
  done = false;
  private rows = 0;
  private readonly keys: StateKeys;
  /** The committed offset at opening: `replay` reads the open batches' values up to it. */
  private readonly committed: number;
  private readonly replayFrom: number;

  constructor(private readonly ctx: UnitContext, readonly partition: number, committed: number, rec: StateKeyRecord | undefined) {
    this.pos = this.committed = committed;
    this.keys = new StateKeys(ctx.updateState!, ctx.inputPartitions);
    this.replayFrom = committed;
    if (!rec) return;
    this.table.restore(rec.table);
    for (const [k, v] of Object.entries(rec.sources)) this.keys.sources.set(Number(k), v);
    this.rows = rec.rows;
    this.done = rec.done;
    this.replayFrom = rec.replay;
  }

  /** The keys' state and open batches. */
  get table(): StateTable {
    return this.keys.table;
  }

  /**
   * Opens key partition `q` from its changelog record (JSON; undefined: none) and its committed offset,
   * then reads the open batches' values again (`replay`).
   */
  static async open(ctx: UnitContext, q: number, committed: number, rec: string | undefined, log: KafkaLog, repartition: string): Promise<StateKeyUnit> {
    const u = new StateKeyUnit(ctx, q, committed, rec === undefined ? undefined : (JSON.parse(rec) as StateKeyRecord));
    const n = await u.replay(log, repartition);
    if (u.table.openBatches > 0) ctx.say(`dstream: key partition ${q}: ${plural(u.table.keys, "key's", "keys'")} state restored from the changelog, ${plural(n, 'message')} read again for ${plural(u.table.openBatches, 'open batch', 'open batches')}`);
    return u;
  }

  /**
   * Reads the repartition partition again from the replay point to the committed offset: the values of
   * the batches open at the last commit (their sources' progress is already in the record).
   * @returns messages read.
   */
  async replay(log: KafkaLog, repartition: string): Promise<number> {
    let n = 0;
    for (let from = this.replayFrom; from < this.committed;) {
      const r = await log.read(repartition, this.partition, from, this.committed, 10_000);
      for (const rec of r.records) {
        if (rec.value === null) continue;
        this.table.apply((JSON.parse(rec.value) as { d: string }).d, String(rec.offset));
        n++;
      }
      if (r.next === from) throw new Error(`repartition partition ${this.partition}: offsets ${from}…${this.committed} could not be read again`);
      from = r.next;
    }
    return n;
  }

  /** Open panes restored, for the worker's log line: none (`open` says what it restored itself). */
  get openPanes(): number {
    return 0;
  }

  /**
   * Applies the repartition records read (offsets up to `next`), closes the batches due, and at the end
   * yields the table (see module doc) with a final progress record; the state record always.
   */
  apply(records: LogRecord[], next: number, output: string, outputPartitions: number): { messages: OutMessage[]; state: StateKeyRecord; late: number } {
    const { keys } = this;
    for (const r of records) {
      if (r.value === null) continue;
      const m = JSON.parse(r.value) as { s: number; o: number; w: number; e: boolean; d: string };
      keys.receive({ source: m.s, seq: m.o, eof: m.e, idle: false, watermarkMs: m.w, data: m.d }, String(r.offset));
    }
    const u = this.ctx.updateState!;
    const target = this.partition % outputPartitions;
    const before = this.table.closed;
    // Live input: each closed batch b's changed keys as [b+1, b+1, record, (b+1) · batch]; at the end the table as [b, b, record, b · batch].
    const { done, windows } = keys.close();
    const messages: OutMessage[] = [];
    if (!this.done) {
      for (const w of windows) for (const rec of w.records) messages.push({ topic: output, partition: target, key: null, value: JSON.stringify([w.startMs, w.endMs, encodeState(rec), w.endMs * u.batchIntervalMs]) });
    }
    this.rows += messages.length;
    const progress = (closed: number) => messages.push({ topic: output, partition: target, key: PROGRESS_KEY, value: JSON.stringify(progressRecord(this.partition, this.ctx.keyPartitions, closed)) });
    if (u.live && this.table.closed > before) progress(this.table.closed);
    if (done && !this.done) progress(Infinity);
    this.done = done;
    this.pos = next;
    const replay = Number(this.table.replayPoint((a, b) => Number(a) - Number(b)) ?? next);
    const state: StateKeyRecord = { pos: next, sources: Object.fromEntries(keys.sources), table: this.table.snapshot(), replay, rows: this.rows, late: 0, done, sealedMs: null };
    return { messages, state, late: 0 };
  }
}
