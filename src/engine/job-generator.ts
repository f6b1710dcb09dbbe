/**
 * The job generator, as Spark Streaming's `JobGenerator`: it owns the batch
 * clock and the life cycle of a started job — when each batch runs, the
 * batch time after a restart, the last batch at end of input or on stop.
 *
 * Live input: batch times are the multiples of the batch interval
 * (epoch-aligned) and a timer on the injectable `Clock` runs the batch at `t`
 * with the records received in `(t − interval, t]`. When every receiver has
 * ended, the current batch runs at once as the last one.
 *
 * Batches cut by the input (bounded input, or `explicitBatches`): no timer; a
 * source's `cut()`/`batchEnd()`, a full batch of `maxRecordsPerBatch` records,
 * or end of input runs the batch being received, and batch times are
 * consecutive batch intervals (see context.ts).
 */
import type { Clock } from '../core/clock.js';
import { ConfigError } from '../core/errors.js';
import type { IssueLog } from '../core/issues.js';
import type { Millis } from '../core/types.js';
import { isReplayable } from '../sources/source.js';
import type { JobGraph, Receiver, SourceRoot } from './job-graph.js';
import { jobError, MicroBatchExecution, type BatchListener, type CheckpointOptions } from './micro-batch.js';
import { recover } from './recovery.js';

/** Life cycle states (Spark's `StreamingContextState`). */
export type ContextState = 'initialized' | 'active' | 'stopped';

/** How batches are cut. Durations in ms. */
export interface GeneratorOptions {
  batchIntervalMs: Millis;
  clock: Clock;
  /** Bounded input: batches cut by the input, logical batch times from the first batch interval. */
  bounded: boolean;
  /** Bounded input: at most this many records per batch. */
  maxRecordsPerBatch: number;
  /** Batches follow the input (`--batch-marker`); the time before the first batch is a multiple of `alignMs`. */
  explicitBatches?: { alignMs?: Millis };
}

/** What `start` is given: the graph built for the first batch time, and the job's checkpoint. */
export interface StartSpec {
  build: (firstBatchTimeMs: Millis) => JobGraph;
  /** Bounded input: the longest processing-time window length (ms, 0: none); the first logical batch is not before it. */
  longestWindowMs?: Millis;
  ckpt: CheckpointOptions | null;
  issues: IssueLog;
  listeners: readonly BatchListener[];
}

/** Drives the batches of one job (see module doc). */
export class JobGenerator {
  state: ContextState = 'initialized';
  /** Time (epoch ms) of the batch being received; `NaN` before `start()`. */
  batchTimeMs: Millis = NaN;
  /** Batches follow the input (bounded input or explicit batches): no batch timer. */
  readonly inputCut: boolean;
  private exec: MicroBatchExecution | null = null;
  private graph: JobGraph | null = null;
  private ckpt: CheckpointOptions | null = null;
  /** Bounded input: records received in the batch being received. */
  private pendingRecords = 0;
  /** Bounded input: the time of the first batch of a run from the start (see `start`). */
  private firstBoundedMs = NaN;
  private cancelTimer: () => void = () => {};
  private failed = false;
  private readonly termination: Promise<void>;
  private resolveTermination!: () => void;
  private rejectTermination!: (e: unknown) => void;

  /** @throws ConfigError when `maxRecordsPerBatch` is below 1. */
  constructor(private readonly o: GeneratorOptions) {
    if (!(o.maxRecordsPerBatch >= 1)) throw new ConfigError(`records per batch must be at least 1, got ${o.maxRecordsPerBatch}`);
    this.inputCut = o.bounded || o.explicitBatches !== undefined;
    this.termination = new Promise((res, rej) => {
      this.resolveTermination = res;
      this.rejectTermination = rej;
    });
    this.termination.catch(() => {});
  }

  /** Resolves when the job has stopped; rejects with the error that stopped it. */
  awaitTermination(): Promise<void> {
    return this.termination;
  }

  /** Starts the receivers, recovers from the checkpoint (if any) and schedules the first batch. */
  start(spec: StartSpec): void {
    const { batchIntervalMs, clock } = this.o;
    const alignMs = this.o.explicitBatches?.alignMs ?? batchIntervalMs;
    // Bounded input: the first logical batch is at one batch interval after the epoch, or at the longest
    // processing-time window length, so that no window starts before the epoch (it printed 1969 dates).
    this.firstBoundedMs = Math.max(batchIntervalMs, spec.longestWindowMs ?? 0);
    this.batchTimeMs = this.o.bounded ? this.firstBoundedMs : Math.floor(clock.now() / alignMs) * alignMs + batchIntervalMs;
    const graph = (this.graph = spec.build(this.batchTimeMs));
    const ckpt = (this.ckpt = spec.ckpt);
    const exec = (this.exec = new MicroBatchExecution({
      graph, clock, issues: spec.issues, bounded: this.o.bounded, inputCut: this.inputCut, ckpt, listeners: spec.listeners, fail: (e) => this.fail(e),
    }));
    this.state = 'active';
    // Sources only register here; their input arrives in later event-loop turns, so the
    // synchronous recovery below (which replays logged batches through them) sees none of it.
    if (ckpt) for (const s of graph.receivers) if (isReplayable(s.source)) s.source.beginReplayMode?.();
    for (const s of graph.receivers) {
      s.source.start({
        record: this.o.bounded ? (v) => this.boundedRecord(s.root, v) : (v) => s.root.record(v, NaN),
        lines: this.o.bounded ? (text, n) => this.boundedLines(s.root, text, n) : (text, n) => s.root.recordLines(text, n),
        cut: () => this.cut(),
        end: () => this.sourceEnded(s),
        fail: (e) => this.fail(e),
        batchEnd: () => this.cut(),
      });
    }
    if (ckpt) {
      let lastTime: Millis | null;
      try {
        lastTime = recover(graph, exec, ckpt, (t) => {
          this.batchTimeMs = t;
          this.pendingRecords = 0;
        });
      } catch (e) {
        this.fail(e);
        return;
      }
      if (lastTime === null) return;
      this.batchTimeMs = this.restartTimeMs(lastTime);
    }
    if (this.state === 'active' && !this.inputCut) this.scheduleNext();
  }

  /** The time of the first batch after a restart whose last batch was at `lastTimeMs` (−∞: none). */
  private restartTimeMs(lastTimeMs: Millis): Millis {
    const { batchIntervalMs, clock } = this.o;
    if (this.o.bounded) return Number.isFinite(lastTimeMs) ? lastTimeMs + batchIntervalMs : this.firstBoundedMs;
    const now = clock.now();
    return Math.max(Math.floor(now / batchIntervalMs) * batchIntervalMs + batchIntervalMs, lastTimeMs + batchIntervalMs);
  }

  /** Runs the batch at `timeMs` (see MicroBatchExecution.run); a new batch starts receiving. */
  private runBatch(timeMs: Millis, flush: boolean, last = false): boolean {
    this.pendingRecords = 0;
    return this.exec!.run(timeMs, flush, undefined, false, last);
  }

  /** Bounded input: a record; a full batch is ended before the next record (if its source did not cut it). */
  private boundedRecord(root: SourceRoot, v: unknown): boolean {
    if (this.exec!.inBatch) {
      root.record(v, NaN);
      return false;
    }
    if (this.pendingRecords >= this.o.maxRecordsPerBatch) this.cut();
    root.record(v, NaN);
    return ++this.pendingRecords >= this.o.maxRecordsPerBatch;
  }

  /** Bounded input: `n` records at once (`SourceSink.lines`), unless the batch would fill within them. */
  private boundedLines(root: SourceRoot, text: string, n: number): boolean {
    if (this.exec!.inBatch) return root.recordLines(text, n);
    if (this.pendingRecords + n >= this.o.maxRecordsPerBatch || !root.recordLines(text, n)) return false;
    this.pendingRecords += n;
    return true;
  }

  /** Batches that follow the input (bounded input, `--batch-marker`): ends the batch being received now and starts the next one. */
  private cut(): void {
    if (!this.inputCut || this.exec!.inBatch || this.state !== 'active') return;
    const at = this.batchTimeMs;
    if (this.runBatch(at, false)) this.batchTimeMs = at + this.o.batchIntervalMs;
  }

  private scheduleNext(): void {
    const at = this.batchTimeMs;
    this.cancelTimer = this.o.clock.schedule(at, () => {
      if (this.state !== 'active') return;
      if (this.runBatch(at, false)) {
        this.batchTimeMs = at + this.o.batchIntervalMs;
        this.scheduleNext();
      }
    });
  }

  private sourceEnded(s: Receiver): void {
    s.ended = true;
    if (this.state !== 'active') return;
    if (this.graph!.receivers.every((x) => x.ended)) {
      this.finish(!this.ckpt?.keepOpenAtEnd);
      if (this.ckpt?.keepOpenAtEnd && !this.failed) this.tellOpenWindows();
    }
  }

  /** End of a `--once` run with a checkpoint: says how many windows it leaves open there, if any. */
  private tellOpenWindows(): void {
    let n = 0;
    for (const node of this.graph!.stateful) n += node.openWindows?.() ?? 0;
    if (n === 0) return;
    const windows = n === 1 ? '1 window stays' : `${n} windows stay`;
    const [its, it] = n === 1 ? ['its', 'it'] : ['their', 'them'];
    this.ckpt!.log?.(`dstream: ${windows} open in the checkpoint (the watermark has not passed ${its} end): the next run emits ${it} once the watermark passes ${its} end, or --drain at the end of a run`);
  }

  /**
   * Runs the current batch as the last one and stops. `flush`: end of input
   * (unless `keepOpenAtEnd`), or a stop without checkpoint or with `drain` —
   * open windows are emitted; otherwise (a stop with checkpoint, the end of a
   * `--once` run) they stay in the checkpoint.
   */
  private finish(flush = true): void {
    this.cancelTimer();
    this.state = 'stopped';
    for (const s of this.graph!.receivers) s.source.stop();
    const ok = this.runBatch(this.batchTimeMs, flush, true);
    this.ckpt?.store.close();
    if (ok) this.resolveTermination();
  }

  private fail(e: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.ckpt?.store.close();
    this.state = 'stopped';
    this.cancelTimer();
    for (const s of this.graph?.receivers ?? []) s.source.stop();
    this.rejectTermination(jobError(e));
  }

  /**
   * Stops the job. Graceful (default): receivers stop, the batch being
   * received runs as the last batch, outputs are flushed. Not graceful: stops
   * at once, dropping the current batch.
   */
  stop(graceful: boolean): void {
    if (this.state === 'initialized') {
      this.state = 'stopped';
      this.resolveTermination();
      return;
    }
    if (this.state !== 'active') return;
    if (graceful) {
      this.finish(!this.ckpt || (this.ckpt.drain ?? false));
      return;
    }
    this.cancelTimer();
    this.state = 'stopped';
    for (const s of this.graph!.receivers) s.source.stop();
    this.ckpt?.store.close();
    this.resolveTermination();
  }
}
