/**
 * Stage 1 of distributed mode: one input partition. Per batch:
 *
 * 1. plan — the offset range of the batch is logged before it is computed
 *    (write-ahead), so a new owner after a crash replays exactly that range;
 * 2. compute — the stateless operators and event time, per-record lateness
 *    against the partition's running maximum, and a map-side combine per
 *    (key, pane) (`MapSideCombiner`);
 * 3. commit — one Lua script, fenced by the lease epoch: one packed message
 *    (source, batch seq, watermark, eof, idle, partials) to every key
 *    partition, then the new offset.
 *
 * With an idle timeout, a partition that has had no input for that long
 * (processing time) commits an *idle* message, so that key partitions stop
 * waiting for its watermark; when it has input again, the plan records the
 * highest closed-window end of the key partitions as its lateness floor, so a
 * replay decides lateness the same way.
 */
import { formatDuration } from '../core/duration.js';
import type { Issue } from '../core/issues.js';
import { MapSideCombiner } from '../engine/map-side-combine.js';
import type { Stage1Commit, Stage1State } from './backend.js';
import { FencedError, type JobContext } from './job-context.js';
import { packByKeyPartition } from './partials.js';
import { RowCollector } from './rows.js';
import { StateCollector } from './state-stage.js';

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
/** Share of a batch's records late above which a worker warns (once). */
const LATE_WARN_FRACTION = 0.01;

/** Counter of stage-1 commits in this process (for fault injection). */
let commits = 0;

/** One input partition held by this worker. */
export class Stage1Unit {
  readonly unit: string;
  private state!: Stage1State;
  private combiner!: MapSideCombiner | RowCollector | StateCollector;
  private lastInputMs: number;
  private pending: Issue[] = [];
  private lastTrimMs = -Infinity;
  /** Largest distance (ms) of a late record of this batch behind the running maximum event time. */
  private lateBehindMs = 0;

  constructor(private readonly ctx: JobContext, readonly partition: number, readonly epoch: number) {
    this.unit = `s1:${partition}`;
    this.lastInputMs = ctx.now();
  }

  /** Loads the committed state. */
  async open(): Promise<void> {
    this.state = await this.ctx.log.stage1State(this.partition);
    const o = this.ctx.combiner;
    const u = this.ctx.updateState;
    this.combiner = this.ctx.stateless ? new RowCollector(o)
      : u ? new StateCollector(o, { label: u.label, batchLines: u.batchLines, inputPartitions: this.ctx.inputPartitions, partition: this.partition, keyPartitions: this.ctx.keyPartitions })
      : new MapSideCombiner({ ...o, lateness: o.lateness && { ...o.lateness } });
    this.combiner.issues.listen((i) => {
      this.pending.push(i);
      // How far behind the running maximum (which made it late) a late record was.
      if (i.kind === 'late' && i.eventTimeMs !== undefined) this.lateBehindMs = Math.max(this.lateBehindMs, this.combiner.maxEventTimeMs - i.eventTimeMs);
    });
    if (this.ctx.onWarning) this.combiner.issues.onWarning(this.ctx.onWarning);
  }

  /** True once the end-of-input marker is committed. */
  get done(): boolean {
    return this.state.eof;
  }

  /**
   * One batch, if there is input (or an idle message, if due).
   * @returns true when something was committed.
   * @throws FencedError when the lease was lost.
   */
  async step(): Promise<boolean> {
    const { ctx, state, partition: p } = this;
    if (state.eof) return false;
    const seq = state.seq + 1;
    let entries;
    let floorMs: number;
    if (state.plan && state.plan.seq === seq) {
      entries = await ctx.backend.readInputRange(p, state.plan.from, state.plan.to);
      floorMs = state.plan.floorMs;
      ctx.say(`dstream: input partition ${p}: replaying batch ${seq} (${entries.length} entries) planned by its previous owner`);
    } else {
      entries = await ctx.backend.readInput(p, state.offset, ctx.batchEntries);
      if (entries.length === 0) return this.maybeIdle(seq);
      const r = await ctx.log.planStage1(ctx.worker, this.epoch, p, seq, entries[0]!.id, entries[entries.length - 1]!.id, ctx.keyPartitions);
      if (r === 'fenced') throw new FencedError(this.unit, this.epoch);
      if (r === 'stale') {
        await this.open();
        return false;
      }
      floorMs = r;
    }
    this.lastInputMs = ctx.now();
    const combiner = this.combiner;
    floorMs = Math.max(floorMs, state.floorMs);
    combiner.take();
    this.pending = [];
    this.lateBehindMs = 0;
    if (!(combiner instanceof MapSideCombiner)) combiner.begin(state.lines, state.maxEventTimeMs);
    else combiner.resume(state.maxEventTimeMs, floorMs);
    const lateBefore = combiner.issues.counts.late;
    let eof = false;
    let lines = 0;
    let offset = state.offset;
    const payloads = await exclusively(async () => {
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
          const line = nl < 0 ? text.slice(start) : text.slice(start, nl);
          combiner.line(line);
          lines++;
          if (nl < 0) break;
          start = nl + 1;
          // Time slices shared by every unit of the worker: heartbeats run between them, so slow functions never cost a lease.
          if ((lines & 63) === 0 && performance.now() - sliceStartMs > SLICE_MS) await nextSlice();
        }
      }
      return combiner instanceof MapSideCombiner ? packByKeyPartition(combiner.take(), ctx.keyPartitions) : combiner.take();
    });
    const max = combiner.maxEventTimeMs;
    const commit: Stage1Commit = {
      partition: p, seq, offset, maxEventTimeMs: max, watermarkMs: eof ? Infinity : max - ctx.watermarkDelayMs,
      eof, idle: false, floorMs, lines, late: combiner.issues.counts.late - lateBefore, entries: entries.length, payloads,
    };
    // A stateless job: the rows go to the output in this commit, tagged with how many lines are final.
    // A state job: the watermark is the line frontier (state-stage.ts), also at the end (stage 2 counts the lines by it).
    if (combiner instanceof StateCollector) commit.watermarkMs = combiner.frontier();
    if (ctx.stateless) Object.assign(commit, { payloads: [], rows: { output: ctx.output, closed: eof ? Infinity : state.lines + lines, packs: payloads } });
    ctx.beforeCommit?.(++commits);
    const r = await ctx.log.commitStage1(ctx.worker, this.epoch, commit);
    if (r === 'fenced') throw new FencedError(this.unit, this.epoch);
    if (r === 'stale') {
      await this.open();
      return false;
    }
    Object.assign(state, { seq, offset, maxEventTimeMs: max, floorMs, eof, idle: false, plan: undefined });
    if (eof && (await ctx.backend.readInput(p, offset, 1)).length > 0) {
      ctx.say(`dstream: input partition ${p} has entries after its end-of-input marker; they are ignored (published after the input ended?)`);
    }
    state.lines += lines;
    this.warnIfLate(lines);
    for (const i of this.pending) ctx.onIssue(i);
    this.pending = [];
    await this.trim();
    return true;
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

  /**
   * More than `LATE_WARN_FRACTION` of a batch's records late: says so once per worker, with the
   * `--watermark` that would have kept them: the largest distance of a late record's event time
   * behind the running maximum that made it late, rounded up to a second (with a watermark delay
   * that long, every window such a record belongs to is still open when it arrives).
   */
  private warnIfLate(lines: number): void {
    const behindMs = this.lateBehindMs;
    this.lateBehindMs = 0;
    const late = this.pending.filter((i) => i.kind === 'late').length;
    if (lines === 0 || late <= lines * LATE_WARN_FRACTION || !this.ctx.onWarning) return;
    const needMs = Math.max(1000, Math.ceil((behindMs + 1) / 1000) * 1000);
    const pct = ((100 * late) / lines).toFixed(1);
    const now = this.ctx.watermarkDelayMs === 0 ? '0' : formatDuration(this.ctx.watermarkDelayMs);
    this.ctx.onWarning(`input partition ${this.partition}: ${late} of ${lines} records of a batch were late (${pct} %, dropped) with --watermark ${now}, ` +
      `where they were at most ${formatDuration(needMs)} behind the newest record of their partition; --watermark ${formatDuration(needMs)} would have kept them`, 'late-fraction');
  }

  /** Commits an idle message when the partition has had no input for the idle timeout. */
  private async maybeIdle(seq: number): Promise<boolean> {
    const { ctx, state } = this;
    if (ctx.idleTimeoutMs === null || state.idle || ctx.now() - this.lastInputMs < ctx.idleTimeoutMs) return false;
    const r = await ctx.log.commitStage1(ctx.worker, this.epoch, {
      partition: this.partition, seq, offset: state.offset, maxEventTimeMs: state.maxEventTimeMs,
      watermarkMs: state.maxEventTimeMs - ctx.watermarkDelayMs, eof: false, idle: true, floorMs: state.floorMs,
      lines: 0, late: 0, entries: 0, payloads: new Array<string>(ctx.keyPartitions).fill(''),
    });
    if (r === 'fenced') throw new FencedError(this.unit, this.epoch);
    if (r === 'stale') {
      await this.open();
      return false;
    }
    state.seq = seq;
    state.idle = true;
    ctx.say(`dstream: input partition ${this.partition} idle for ${ctx.idleTimeoutMs} ms: windows no longer wait for it (--idle-timeout)`);
    return true;
  }
}
