/**
 * Stage 1 of distributed mode: one input partition. Per batch:
 *
 * 1. plan — the offset range of the batch is logged before it is computed
 *    (write-ahead), so a new owner after a crash replays exactly that range;
 * 2. compute — the stateless operators and event time, per-record lateness
 *    against the partition's running maximum, and a map-side combine per
 *    (key, pane) (`InputRun`, ../input-run.ts: the same computation as a Kafka
 *    input partition's);
 * 3. commit — by the worker, with its other units' steps (`JobLog.commit`;
 *    Redis: one Lua script per unit, fenced by the lease epoch): one packed
 *    message (source, batch seq, watermark, eof, idle, partials) to every key
 *    partition, then the new offset; the unit adopts the batch once it is in.
 *
 * With an idle timeout, a partition that has had no input for that long
 * (processing time) commits an *idle* message, so that key partitions stop
 * waiting for its watermark; when it has input again, the plan records the
 * highest closed-window end of the key partitions as its lateness floor, so a
 * replay decides lateness the same way.
 */
import { plural } from '../../core/plural.js';
import type { Stage1Commit, Stage1State } from './types.js';
import { InputRun } from '../input-run.js';
import { committed, type JobContext, type RedisStep } from './context.js';

/** Longest stretch (ms) of computing before the event loop gets a turn (one entry, ≤ 64 KiB of lines, is the unit). */
const SLICE_MS = 50;

/** Start (performance.now() ms) of the current slice of computing. */
let sliceStartMs = 0;

/**
 * Gives the event loop a turn, then starts a new slice. `setImmediate`, not
 * `setTimeout(0)`: a chain of zero timeouts can run within one timers phase
 * (their start is the loop's cached time) and starve the heartbeat interval.
 */
async function nextSlice(): Promise<void> {
  await new Promise<void>((r) => setImmediate(r));
  sliceStartMs = performance.now();
}

/** One unit computes at a time, so a turn of the event loop runs one slice, not one per unit. */
let computing: Promise<void> = Promise.resolve();
async function exclusively<T>(fn: () => Promise<T>): Promise<T> {
  const before = computing;
  let done!: () => void;
  computing = new Promise<void>((r) => (done = r));
  await before;
  sliceStartMs = performance.now();
  try {
    return await fn();
  } finally {
    done();
  }
}

/** Processing time (ms) between two trims of an input partition by its owner. */
const TRIM_EVERY_MS = 1000;

/** Counter of stage-1 commits in this process (for fault injection). */
let commits = 0;

/** One input partition held by this worker. */
export class Stage1Unit {
  readonly unit: string;
  private state!: Stage1State;
  /** The operators over the partition's batches (shared with Kafka: input-run.ts). */
  private run!: InputRun;
  private lastInputMs: number;
  private lastTrimMs = -Infinity;

  constructor(private readonly ctx: JobContext, readonly partition: number, readonly epoch: number) {
    this.unit = `s1:${partition}`;
    this.lastInputMs = ctx.now();
  }

  /** Loads the committed state. */
  async open(): Promise<void> {
    this.state = await this.ctx.log.stage1State(this.partition);
    this.run = new InputRun(this.ctx, this.partition);
  }

  /** True once the end-of-input marker is committed. */
  get done(): boolean {
    return this.state.eof;
  }

  /**
   * Computes one batch, if there is input (or an idle message, if due), for the worker to commit
   * (`JobLog.commit`); its planned offset range is logged first (write-ahead).
   * @returns the step, or null when there is nothing to commit.
   * @throws FencedError when the lease was lost.
   */
  async prepare(): Promise<RedisStep | null> {
    const { ctx, state, partition: p } = this;
    if (state.eof) return null;
    const seq = state.seq + 1;
    let entries;
    let floorMs: number;
    if (state.plan && state.plan.seq === seq) {
      entries = await ctx.backend.readInputRange(p, state.plan.from, state.plan.to);
      floorMs = state.plan.floorMs;
      ctx.say(`dstream: input partition ${p}: replaying batch ${seq} (${plural(entries.length, 'entry', 'entries')}) planned by its previous owner`);
    } else {
      entries = await ctx.backend.readInput(p, state.offset, ctx.batchEntries);
      if (entries.length === 0) return this.idleStep(seq);
      const r = await ctx.log.planStage1(ctx.worker, this.epoch, p, seq, entries[0]!.id, entries[entries.length - 1]!.id, ctx.keyPartitions);
      if (typeof r !== 'number') {
        await committed(r, this); // fenced: throws; stale: the state moved on, reloaded
        return null;
      }
      floorMs = r;
    }
    this.lastInputMs = ctx.now();
    const run = this.run;
    floorMs = Math.max(floorMs, state.floorMs);
    run.begin(state.lines, state.maxEventTimeMs, floorMs);
    let eof = false;
    let lines = 0;
    let offset = state.offset;
    const r1 = await exclusively(async () => {
      for (const e of entries) {
        offset = e.id;
        if (e.eof) {
          eof = true;
          break;
        }
        if (e.lines === null) continue;
        let start = 0;
        const text = e.lines;
        for (;;) {
          const nl = text.indexOf('\n', start);
          run.line(nl < 0 ? text.slice(start) : text.slice(start, nl));
          lines++;
          if (nl < 0) break;
          start = nl + 1;
          // Time slices shared by every unit of the worker: heartbeats run between them, so slow functions never cost a lease.
          if ((lines & 63) === 0 && performance.now() - sliceStartMs > SLICE_MS) await nextSlice();
        }
      }
      return run.finish(eof);
    });
    const max = r1.maxEventTimeMs;
    const commit: Stage1Commit = {
      partition: p, seq, offset, maxEventTimeMs: max, watermarkMs: r1.watermarkMs,
      eof, idle: false, floorMs, lines, late: r1.late, entries: entries.length, payloads: r1.out,
    };
    // A stateless job: the rows go to the output in this commit, tagged with how many lines are final.
    if (ctx.stateless) Object.assign(commit, { payloads: [], rows: { output: ctx.output, closed: eof ? Infinity : state.lines + lines, packs: r1.out } });
    ctx.beforeCommit?.(++commits);
    return {
      commit: { unit: this.unit, epoch: this.epoch, write: { stage1: commit } },
      adopt: async () => {
        Object.assign(state, { seq, offset, maxEventTimeMs: max, floorMs, eof, idle: false, plan: undefined });
        if (eof && (await ctx.backend.readInput(p, offset, 1)).length > 0) {
          ctx.say(`dstream: input partition ${p} has entries after its end-of-input marker; they are ignored (published after the input ended?)`);
        }
        state.lines += lines;
        const warning = run.lateWarning();
        if (warning) ctx.onWarning?.(warning, 'late-fraction');
        for (const i of run.issues.pending) ctx.onIssue(i);
        run.issues.begin();
        await this.trim();
      },
    };
  }

  /**
   * Retention: at most once per `TRIM_EVERY_MS`, drops the input entries every job of the topic has
   * committed. A failure is left for the next time (trimming is never needed for correctness).
   */
  private async trim(): Promise<void> {
    const now = this.ctx.now();
    if (now - this.lastTrimMs < TRIM_EVERY_MS && !this.state.eof) return;
    this.lastTrimMs = now;
    await this.ctx.backend.trimInput(this.partition).catch(() => undefined);
  }

  /** An idle message, when the partition has had no input for the idle timeout; else null. */
  private idleStep(seq: number): RedisStep | null {
    const { ctx, state } = this;
    if (ctx.idleTimeoutMs === null || state.idle || ctx.now() - this.lastInputMs < ctx.idleTimeoutMs) return null;
    const stage1: Stage1Commit = {
      partition: this.partition, seq, offset: state.offset, maxEventTimeMs: state.maxEventTimeMs,
      watermarkMs: state.maxEventTimeMs - ctx.watermarkDelayMs, eof: false, idle: true, floorMs: state.floorMs,
      lines: 0, late: 0, entries: 0, payloads: new Array<string>(ctx.keyPartitions).fill(''),
    };
    return {
      commit: { unit: this.unit, epoch: this.epoch, write: { stage1 } },
      adopt: async () => {
        state.seq = seq;
        state.idle = true;
        ctx.say(`dstream: input partition ${this.partition} idle for ${ctx.idleTimeoutMs} ms: windows no longer wait for it (--idle-timeout)`);
      },
    };
  }
}
