/**
 * One key partition of an `--update-state-by-key` job on Redis (what a batch
 * is, and stage 1: ../state-stage.ts; the state itself: ../state-table.ts
 * `StateKeys`): reads its key stream through `JobLog`, and commits its rows,
 * progress and the keys' state in one fenced step.
 */
import { plural } from '../../core/plural.js';
import type { Stage2Commit } from './types.js';
import { compareOffsets, ORIGIN } from '../log-backend.js';
import { sourcesOf } from '../key-panes.js';
import { packRows } from '../partials.js';
import { StateKeys } from '../state-table.js';
import type { JobContext, RedisStep } from './context.js';
import { replayOnce } from './stage2.js';

/** One key partition of a state job held by this worker (see module doc; the state and its step: `StateKeys`). */
export class StateUnit {
  readonly unit: string;
  private offset = ORIGIN;
  private doneFlag = false;
  private keys: StateKeys;

  constructor(private readonly ctx: JobContext, readonly partition: number, readonly epoch: number) {
    this.unit = `s2:${partition}`;
    this.keys = new StateKeys(ctx.updateState!, ctx.inputPartitions);
  }

  get done(): boolean {
    return this.doneFlag;
  }

  /** Loads the committed progress and state, then replays the open batches' values. */
  async open(): Promise<void> {
    const { ctx } = this;
    const st = await ctx.log.stage2State(this.partition);
    this.offset = st.offset;
    this.doneFlag = st.done;
    this.keys = new StateKeys(ctx.updateState!, ctx.inputPartitions, sourcesOf(st.sources));
    const { table } = this.keys;
    if (st.handOver !== undefined) table.restore(st.handOver);
    if (st.rebuild !== ORIGIN && st.offset !== ORIGIN) {
      const n = await replayOnce(ctx.log, this.partition, st.rebuild, st.offset, (m) => table.apply(m.data, m.id));
      if (table.openBatches > 0) ctx.say(`dstream: rebuilt key partition ${this.partition}: ${plural(table.keys, "key's", "keys'")} state, ${plural(n, 'message')} replayed for ${plural(table.openBatches, 'open batch', 'open batches')}`);
    }
  }

  /** Stores the state for the next owner and frees the unit. */
  async handOver(): Promise<void> {
    await this.ctx.log.handOverStage2(this.ctx.worker, this.epoch, this.partition, this.offset, this.keys.table.snapshot());
  }

  /**
   * Applies new messages, closes the batches every input partition has passed; at the end, outputs the
   * table: the step for the worker to commit (`commitRound`), with the keys' state. The table moves on
   * at once: a step that is not committed is followed by `open` again (the worker's rule).
   * @returns the step, or null when there is nothing to commit.
   */
  async prepare(): Promise<RedisStep | null> {
    const { ctx } = this;
    if (this.doneFlag) return null;
    const msgs = await ctx.log.readStage2(this.partition, this.offset, 256);
    if (msgs.length === 0) return null;
    const { keys } = this;
    for (const m of msgs) keys.receive(m, m.id);
    // Live input: each closed batch's changed keys; bounded: the table once at the end, as a local run of the file prints it.
    const { done, windows } = keys.close();
    const rows = packRows(windows);
    const last = msgs[msgs.length - 1]!.id;
    const stage2: Stage2Commit = {
      prevOffset: this.offset, offset: last, rebuild: keys.table.replayPoint(compareOffsets) ?? last, sources: JSON.stringify(Object.fromEntries(keys.sources)),
      sealedMs: -Infinity, done, rowsAdded: rows.rows, lateAdded: 0, rowPacks: rows.packs, closedMs: ctx.updateState!.live === true ? keys.table.closed : -Infinity,
      state: keys.table.snapshot(),
    };
    return {
      commit: { unit: this.unit, epoch: this.epoch, write: { q: this.partition, stage2, output: ctx.output } },
      adopt: () => {
        this.offset = last;
        this.doneFlag = done;
      },
    };
  }
}
