/**
 * `StreamingContext`: the driver of a job, as Spark's — it owns the batch
 * interval, the clock, the receivers and the output operations, and runs one
 * micro-batch per batch interval.
 *
 * Batch times are the multiples of the batch interval (epoch-aligned); the
 * batch at time `t` holds the records received in `(t − interval, t]`.
 * Records are pushed through the operators as they arrive; at `t` every node
 * finishes the batch (aggregations emit, sinks flush). When every source has
 * ended, the current batch runs at once as the final batch (no waiting for the
 * clock): event-time windows are all emitted (watermark +∞) and the context
 * stops. Spark's JobGenerator is the model, with an injectable `Clock`.
 *
 * Bounded input (`bounded`: a file, or `--once`; Structured Streaming's
 * `Trigger.AvailableNow`) is batched by the input, not the clock: all of it is
 * one batch, or batches of `maxRecordsPerBatch` records, or what a source cuts
 * (`SourceSink.cut`, e.g. `--max-files-per-batch`). Batch times are then
 * logical — consecutive multiples of the batch interval from the epoch (or
 * after the checkpoint's last batch) — so the same input gives the same output
 * on every run, whatever the machine's load.
 */
import { SystemClock, type Clock } from '../core/clock.js';
import { ConfigError, DStreamError } from '../core/errors.js';
import type { BatchInfo, Millis } from '../core/types.js';
import { FormatSink } from '../sinks/format-sink.js';
import { StreamOutput, type Output } from '../sinks/output.js';
import { QueueSource } from '../sources/queue-source.js';
import { ReadableLineSource, type ReadableLineSourceOptions } from '../sources/readable-source.js';
import type { Source } from '../sources/source.js';
import type { CheckpointStore, OffsetEntry } from '../checkpoint/checkpoint-store.js';
import type { DurableOutput } from '../sinks/durable-output.js';
import { sinkLogOf, type Sink } from '../sinks/sink.js';
import { isReplayable, type Replayable } from '../sources/replayable.js';
import type { WatermarkTracker } from '../windows/watermark.js';
import { DStream } from './dstream.js';
import { IssueLog, type ErrorPolicy } from '../core/issues.js';
import { Emitter, isCheckpointable, type Checkpointable, type StreamNode } from '../core/node.js';
import { createNode, type NodeEnv } from './physical.js';

/** Options of a `StreamingContext`. */
export interface StreamingContextOptions {
  /** Batch interval in ms (Spark's `batchDuration`). */
  batchIntervalMs: Millis;
  /** Processing-time clock; default the system clock. Tests pass a `ManualClock`. */
  clock?: Clock;
  /** What a throwing user function does: skip the record (default) or fail the job. */
  onError?: ErrorPolicy;
  /** Where `print()` writes; default stdout. */
  output?: Output;
  /**
   * Batches follow the input, not the clock (`--batch-marker`, Spark's
   * `queueStream`): a source's `SourceSink.batchEnd()` runs the batch being
   * received at once, and end of input runs the last one. Batch times are
   * consecutive batch intervals; the time before the first batch is a multiple
   * of `alignMs` (default the batch interval), at or before the start, so that
   * processing-time windows fall on the same batches in every run.
   */
  explicitBatches?: { alignMs?: Millis };
  /** Bounded input: batches cut by the input, logical batch times (see module doc). */
  bounded?: boolean;
  /** Bounded input: at most this many records per batch (`--max-records-per-batch`); default all in one batch. */
  maxRecordsPerBatch?: number;
}

/** Checkpointing of a context (Spark's `ssc.checkpoint(dir)` with the offset/commit logs of Structured Streaming). */
export interface CheckpointOptions {
  store: CheckpointStore;
  /** Full state snapshots at least this often (ms of batch time); every batch when a source is not replayable. */
  intervalMs: Millis;
  /** Outputs whose durable position is recorded per batch. */
  outputs: DurableOutput[];
  /**
   * Sinks that are not durable (stdout): given the logs too, so a restart does not
   * print batches committed before again (only the batch in flight may repeat).
   */
  replayMuted?: Sink[];
  /** Graceful stop emits open windows (`--drain`) instead of keeping them in the checkpoint. */
  drain?: boolean;
  /**
   * End of input keeps the windows the watermark has not passed in the
   * checkpoint, as a stop does (`--once` without `--drain`: the next cron run
   * continues them), instead of emitting them.
   */
  keepOpenAtEnd?: boolean;
  /** Told about recovery (replayed batches, skipped corrupt files). */
  log?: (message: string) => void;
  /** Fault injection for crash tests: called at each step of the batch protocol. */
  fault?: (point: 'after-offsets' | 'after-output' | 'after-snapshot', batchId: number) => void;
}

/** What happened in one batch (Spark's BatchInfo / StreamingQueryProgress fields). Durations in ms. */
export interface BatchMetrics {
  /** Records received from all sources in the batch. */
  recordsIn: number;
  /** Time spent running the batch (its end: aggregation output, sinks, checkpoint). */
  processingMs: Millis;
  /** How late the batch started after its batch time. */
  schedulingDelayMs: Millis;
  /** Keys held by stateful operators after the batch. */
  stateKeys: number;
  /** Watermark of the first event-time stream after the batch (epoch ms), if any. */
  watermarkMs?: Millis;
  /** The batch was re-run by recovery. */
  replayed: boolean;
}

/** Life cycle states (Spark's `StreamingContextState`). */
export type ContextState = 'initialized' | 'active' | 'stopped';

class SourceRoot extends Emitter implements StreamNode {
  /** Records pushed in the batch being received. */
  count = 0;
  record(value: unknown, tMs: number): void {
    this.count++;
    this.out.record(value, tMs);
  }
  beginGroup(): void {}
  endGroup(): void {}
  endBatch(batch: BatchInfo): void {
    this.out.endBatch(batch);
  }
}

/** The driver of a streaming job (see module doc). */
export class StreamingContext {
  readonly batchIntervalMs: Millis;
  readonly clock: Clock;
  /** Counters and listeners of bad input. */
  readonly issues: IssueLog;
  readonly output: Output;
  /** Bounded input: batches cut by the input (see module doc). */
  readonly bounded: boolean;
  private readonly maxRecordsPerBatch: number;
  /** Bounded input: records received in the batch being received. */
  private pendingRecords = 0;
  /** A batch is being run (records pushed now belong to it: no cut). */
  private inBatch = false;
  private readonly sources: { source: Source; root: SourceRoot; ended: boolean }[] = [];
  private readonly outputs: DStream<unknown>[] = [];
  private stateValue: ContextState = 'initialized';
  private batchIndex = 0;
  private batchTimeMs = NaN;
  private cancelTimer: () => void = () => {};
  private termination: Promise<void>;
  private resolveTermination!: () => void;
  private rejectTermination!: (e: unknown) => void;
  private ckpt: CheckpointOptions | null = null;
  private stateful: Checkpointable[] = [];
  private trackers: WatermarkTracker[] = [];
  private lastSnapshotTimeMs = -Infinity;
  private stopping = false;
  private failed = false;
  private readonly explicitBatches: { alignMs?: Millis } | undefined;
  /** Batches follow the input (bounded input or explicit batches): no batch timer. */
  private readonly inputCut: boolean;
  /** Listeners called after every batch (the CLI's progress and stats). */
  readonly batchListeners: ((batch: BatchInfo, metrics: BatchMetrics) => void)[] = [];

  /** @throws ConfigError when the batch interval is not a positive whole number of ms. */
  constructor(options: StreamingContextOptions) {
    if (!(options.batchIntervalMs > 0) || !Number.isInteger(options.batchIntervalMs)) {
      throw new ConfigError(`batch interval must be a positive whole number of ms, got ${options.batchIntervalMs}`);
    }
    this.batchIntervalMs = options.batchIntervalMs;
    this.clock = options.clock ?? new SystemClock();
    this.issues = new IssueLog(options.onError ?? 'skip');
    this.output = options.output ?? new StreamOutput(process.stdout);
    this.explicitBatches = options.explicitBatches;
    this.bounded = options.bounded ?? false;
    this.maxRecordsPerBatch = options.maxRecordsPerBatch ?? Infinity;
    if (!(this.maxRecordsPerBatch >= 1)) throw new ConfigError(`records per batch must be at least 1, got ${options.maxRecordsPerBatch}`);
    this.inputCut = this.bounded || this.explicitBatches !== undefined;
    this.termination = new Promise((res, rej) => {
      this.resolveTermination = res;
      this.rejectTermination = rej;
    });
    this.termination.catch(() => {});
  }

  /** Current state. */
  get state(): ContextState {
    return this.stateValue;
  }

  /** Time (epoch ms) of the batch now being received; `NaN` before `start()`. */
  get currentBatchTimeMs(): Millis {
    return this.batchTimeMs;
  }

  /**
   * Makes the job recoverable: state, source offsets and output positions are
   * written to the checkpoint directory every batch (see checkpoint-store.ts);
   * `start()` first recovers what a previous run left.
   */
  checkpoint(options: CheckpointOptions): void {
    if (this.stateValue !== 'initialized') throw new ConfigError('checkpoint() must be called before start()');
    this.ckpt = options;
  }

  /** A stream from any receiver. */
  receiverStream<T = string>(source: Source): DStream<T> {
    if (this.stateValue !== 'initialized') throw new ConfigError('cannot add a source after start()');
    const root = new SourceRoot();
    this.sources.push({ source, root, ended: false });
    return new DStream<T>(this, { kind: 'source', source }, [], null, false);
  }

  /** Lines of a readable byte stream (Spark's `socketTextStream` reads lines the same way). */
  textStream(stream: NodeJS.ReadableStream, name = 'stream', options?: ReadableLineSourceOptions): DStream<string> {
    return this.receiverStream<string>(new ReadableLineSource(name, stream, this.issues, options));
  }

  /** Lines of standard input. */
  stdinStream(options?: ReadableLineSourceOptions): DStream<string> {
    return this.textStream(process.stdin, 'stdin', options);
  }

  /** Spark's `queueStream`: one array of records per batch. */
  queueStream<T>(queue: T[][], endWhenEmpty = false): DStream<T> {
    return this.receiverStream<T>(new QueueSource(queue, endWhenEmpty));
  }

  /** Spark's `union`: one stream with the records of all. */
  union<T>(...streams: DStream<T>[]): DStream<T> {
    if (streams.length === 0) throw new ConfigError('union needs at least one stream');
    const tracker = streams[0]!.eventTimeTracker;
    if (streams.some((s) => s.eventTimeTracker !== tracker || s.windowed !== streams[0]!.windowed)) {
      throw new ConfigError('union: all streams must share event time and windowing');
    }
    return new DStream<T>(this, { kind: 'union' }, streams as DStream<unknown>[], tracker, streams[0]!.windowed);
  }

  /** @internal Registers an output operation. */
  registerOutput(ds: DStream<unknown>): void {
    if (this.stateValue !== 'initialized') throw new ConfigError('cannot add an output operation after start()');
    this.outputs.push(ds);
  }

  /** @internal A text print sink on `output`. */
  printSink(num: number, everyBatch: boolean): StreamNode {
    return new FormatSink(this.output, { format: 'text', printLimit: num, everyBatch, currentBatchTimeMs: () => this.batchTimeMs });
  }

  private instantiate(): void {
    const nodes = new Map<DStream<unknown>, StreamNode>();
    const env: NodeEnv = {
      issues: this.issues,
      batchIntervalMs: this.batchIntervalMs,
      firstBatchTimeMs: this.batchTimeMs,
      currentBatchTimeMs: () => this.batchTimeMs,
      sourceNode: (ds) => this.sources.find((s) => ds.op.kind === 'source' && s.source === ds.op.source)!.root,
      stateless: [],
    };
    const build = (ds: DStream<unknown>): StreamNode => {
      const known = nodes.get(ds);
      if (known) return known;
      const node = createNode(ds, env);
      nodes.set(ds, node);
      if (isCheckpointable(node)) this.stateful.push(node);
      if (ds.eventTimeTracker && !this.trackers.includes(ds.eventTimeTracker)) this.trackers.push(ds.eventTimeTracker);
      for (const p of ds.parents) (build(p) as unknown as Emitter).connect(node);
      return node;
    };
    for (const o of this.outputs) build(o);
    for (const s of env.stateless) s.prepare();
  }

  /**
   * Starts receiving and running batches.
   * @throws ConfigError when there is no output operation or the context was started before.
   */
  start(): void {
    if (this.stateValue !== 'initialized') throw new ConfigError(`cannot start a context that is ${this.stateValue}`);
    if (this.outputs.length === 0) throw new ConfigError('no output operation registered: add print(), foreachBatch() or output()');
    const now = this.clock.now();
    const alignMs = this.explicitBatches?.alignMs ?? this.batchIntervalMs;
    this.batchTimeMs = this.bounded ? this.batchIntervalMs : Math.floor(now / alignMs) * alignMs + this.batchIntervalMs;
    this.instantiate();
    this.stateValue = 'active';
    // Sources only register here; their input arrives in later event-loop turns, so the
    // synchronous recovery below (which replays logged batches through them) sees none of it.
    if (this.ckpt) for (const s of this.sources) if (isReplayable(s.source)) s.source.beginReplayMode?.();
    for (const s of this.sources) {
      s.source.start({
        record: this.bounded ? (v) => this.boundedRecord(s.root, v) : (v) => s.root.record(v, NaN),
        cut: () => this.cut(),
        end: () => this.sourceEnded(s),
        fail: (e) => this.fail(e),
        batchEnd: () => this.cut(),
      });
    }
    if (this.ckpt && !this.recover()) return;
    if (this.stateValue === 'active' && !this.inputCut) this.scheduleNext();
  }

  /** Bounded input: a record; a full batch is ended before the next record (if its source did not cut it). */
  private boundedRecord(root: SourceRoot, v: unknown): boolean {
    if (this.inBatch) {
      root.record(v, NaN);
      return false;
    }
    if (this.pendingRecords >= this.maxRecordsPerBatch) this.cut();
    root.record(v, NaN);
    return ++this.pendingRecords >= this.maxRecordsPerBatch;
  }

  /** Batches that follow the input (bounded input, `--batch-marker`): ends the batch being received now and starts the next one. */
  private cut(): void {
    if (!this.inputCut || this.inBatch || this.stateValue !== 'active') return;
    const at = this.batchTimeMs;
    if (this.runBatch(at, false)) this.batchTimeMs = at + this.batchIntervalMs;
  }

  private scheduleNext(): void {
    const at = this.batchTimeMs;
    this.cancelTimer = this.clock.schedule(at, () => {
      if (this.stateValue !== 'active') return;
      if (this.runBatch(at, false)) {
        this.batchTimeMs = at + this.batchIntervalMs;
        this.scheduleNext();
      }
    });
  }

  /**
   * Runs one batch; returns false when it failed (the context is then stopped).
   * With a checkpoint: the batch's offsets and the outputs' positions are
   * logged durably first (unless `logged` is given: recovery), replayable
   * sources push exactly those offsets, outputs are made durable, state is
   * snapshotted when due, and the batch is committed.
   * @param flush end of input: the watermark goes to +∞ (open windows are emitted).
   */
  private runBatch(timeMs: Millis, flush: boolean, logged?: OffsetEntry, committed = false, last = false): boolean {
    const started = this.clock.now();
    const id = this.batchIndex++;
    const info: BatchInfo = { timeMs, index: id, final: flush, last, bounded: this.bounded };
    this.inBatch = true;
    this.pendingRecords = 0;
    try {
      const ck = this.ckpt;
      if (ck) {
        const offsets: Record<string, unknown> = logged?.sources ?? {};
        if (!logged) {
          for (const s of this.sources) if (isReplayable(s.source)) offsets[s.source.name] = s.source.planBatch(timeMs);
          const outputs = Object.fromEntries(ck.outputs.map((o) => [o.name, o.position()]));
          ck.store.writeOffsets({ id, timeMs, sources: offsets, outputs });
          ck.fault?.('after-offsets', id);
        }
        for (const s of this.sources) if (isReplayable(s.source)) s.source.replayBatch(offsets[s.source.name]);
      }
      for (const s of this.sources) if ((!s.ended || flush) && !(ck && isReplayable(s.source))) s.source.onBatch?.(timeMs);
      for (const s of this.sources) s.root.endBatch(info);
      if (ck && !committed) this.commit(ck, id, timeMs, flush);
    } catch (e) {
      this.fail(e);
      return false;
    } finally {
      this.inBatch = false;
    }
    // Structured Streaming's `Source.commit`: the batch is output, the input it held may be cleaned up.
    for (const s of this.sources) s.source.commit?.(info);
    if (this.batchListeners.length) {
      let recordsIn = 0;
      for (const s of this.sources) {
        recordsIn += s.root.count;
        s.root.count = 0;
      }
      let stateKeys = 0;
      for (const n of this.stateful) stateKeys += n.stateSize?.() ?? 0;
      const w = this.trackers[0]?.watermarkMs;
      const metrics: BatchMetrics = {
        recordsIn, processingMs: this.clock.now() - started, schedulingDelayMs: this.inputCut ? 0 : Math.max(0, started - timeMs),
        stateKeys, watermarkMs: w !== undefined && Number.isFinite(w) ? w : undefined, replayed: logged !== undefined,
      };
      for (const l of this.batchListeners) l(info, metrics);
    }
    return true;
  }

  private commit(ck: CheckpointOptions, id: number, timeMs: Millis, last: boolean): void {
    ck.fault?.('after-output', id); // the sinks made the batch durable in addBatch
    const allReplayable = this.sources.every((s) => isReplayable(s.source));
    const due = last || this.stopping || !allReplayable || timeMs - this.lastSnapshotTimeMs >= ck.intervalMs;
    if (due) {
      ck.store.writeSnapshot(id, this.collectState());
      this.lastSnapshotTimeMs = timeMs;
      ck.fault?.('after-snapshot', id);
    }
    ck.store.writeCommit({ id, timeMs, sinks: Object.fromEntries(ck.outputs.map((o) => [o.name, o.position()])), snapshot: due ? id : null });
    if (due) for (const s of this.sources) if (isReplayable(s.source)) s.source.durable?.(null);
  }

  /** All state of the job as plain data (see CheckpointStore). */
  private collectState(): unknown {
    return {
      batchIndex: this.batchIndex,
      lastTimeMs: this.batchTimeMs,
      nodes: this.stateful.map((n) => n.snapshot()),
      trackers: this.trackers.map((t) => t.snapshot()),
      sources: Object.fromEntries(this.sources.filter((s) => isReplayable(s.source)).map((s) => [s.source.name, (s.source as unknown as Replayable).snapshot()])),
      positions: Object.fromEntries(this.sources.filter((s) => s.source.position).map((s) => [s.source.name, s.source.position!()])),
      issues: { ...this.issues.counts },
    };
  }

  /** Why `state` cannot be the snapshot of this pipeline after batch `id`; null when it fits. */
  private badSnapshot(id: number, state: unknown): string | null {
    const st = state as { batchIndex?: unknown; lastTimeMs?: unknown; nodes?: unknown; trackers?: unknown };
    if (st === null || typeof st !== 'object' || !Array.isArray(st.nodes) || !Array.isArray(st.trackers)) return 'not a state snapshot';
    if (st.nodes.length !== this.stateful.length || st.trackers.length !== this.trackers.length) {
      return `state of ${st.nodes.length} operators, expected ${this.stateful.length}`;
    }
    if (st.batchIndex !== id + 1 || typeof st.lastTimeMs !== 'number' || !Number.isFinite(st.lastTimeMs)) return `not the state after batch ${id}`;
    return null;
  }

  /** Restores the newest snapshot and replays the logged batches after it; false when that failed. */
  private recover(): boolean {
    const ck = this.ckpt!;
    let lastTime = -Infinity;
    try {
      const rec = ck.store.recover((id, state) => this.badSnapshot(id, state));
      for (const w of rec.warnings) ck.log?.(`dstream: checkpoint: ${w}`);
      if (rec.snapshot) {
        const st = rec.snapshot.state as {
          batchIndex: number; lastTimeMs: number; nodes: unknown[]; trackers: unknown[]; sources: Record<string, unknown>; positions?: Record<string, unknown>;
        };
        try {
          this.stateful.forEach((n, i) => n.restore(st.nodes[i]));
          this.trackers.forEach((t, i) => t.restore(st.trackers[i]));
          for (const s of this.sources) if (isReplayable(s.source) && st.sources?.[s.source.name] !== undefined) s.source.restore(st.sources[s.source.name]);
          for (const s of this.sources) if (s.source.resume && st.positions?.[s.source.name] !== undefined) s.source.resume(st.positions[s.source.name]);
        } catch (e) {
          // A TypeError here is malformed data met by a restore (e.g. "x is not iterable"): not worth showing.
          const why = e instanceof TypeError || e instanceof RangeError ? 'malformed data' : (e as Error).message;
          throw new DStreamError('E_CHECKPOINT_DAMAGED', 'recovery', `checkpoint ${ck.store.dir}: state/${rec.snapshot.id}.json does not hold this pipeline's state (${why}); restore the checkpoint from a backup, or start over with a new --checkpoint directory`);
        }
        // Issue counts are per run: the snapshot keeps them for `checkpoint inspect`, a run reports its own.
        this.batchIndex = st.batchIndex;
        lastTime = st.lastTimeMs;
        this.lastSnapshotTimeMs = st.lastTimeMs;
        ck.log?.(`dstream: checkpoint: restored state after batch ${rec.snapshot.id}`);
      }
      // Each sink learns what the logs say of it, and skips or rewrites re-run batches itself (sinks/sink.ts).
      for (const o of [...ck.outputs, ...(ck.replayMuted ?? [])]) o.recover(sinkLogOf(rec.batches, o.name));
      for (const b of rec.batches) {
        const committed = b.commit !== null;
        this.batchIndex = b.offsets.id;
        this.batchTimeMs = b.offsets.timeMs;
        if (!this.runBatch(b.offsets.timeMs, false, b.offsets, committed)) return false;
        lastTime = b.offsets.timeMs;
      }
      if (rec.batches.length) ck.log?.(`dstream: checkpoint: replayed ${rec.batches.length} logged batch${rec.batches.length === 1 ? '' : 'es'}`);
    } catch (e) {
      this.fail(e);
      return false;
    }
    const now = this.clock.now();
    this.batchTimeMs = this.bounded
      ? (Number.isFinite(lastTime) ? lastTime : 0) + this.batchIntervalMs
      : Math.max(Math.floor(now / this.batchIntervalMs) * this.batchIntervalMs + this.batchIntervalMs, lastTime + this.batchIntervalMs);
    return true;
  }

  private sourceEnded(s: { ended: boolean }): void {
    s.ended = true;
    if (this.stateValue !== 'active') return;
    if (this.sources.every((x) => x.ended)) this.finish(!this.ckpt?.keepOpenAtEnd);
  }

  /**
   * Runs the current batch as the last one and stops. `flush`: end of input
   * (unless `keepOpenAtEnd`), or a stop without checkpoint or with `drain` —
   * open windows are emitted; otherwise (a stop with checkpoint, the end of a
   * `--once` run) they stay in the checkpoint.
   */
  private finish(flush = true): void {
    this.cancelTimer();
    this.stateValue = 'stopped';
    this.stopping = true;
    for (const s of this.sources) s.source.stop();
    const ok = this.runBatch(this.batchTimeMs, flush, undefined, false, true);
    this.ckpt?.store.close();
    if (ok) this.resolveTermination();
  }

  private fail(e: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.ckpt?.store.close();
    this.stateValue = 'stopped';
    this.cancelTimer();
    for (const s of this.sources) s.source.stop();
    this.rejectTermination(e instanceof DStreamError ? e : new DStreamError('E_RUNTIME', 'processing', e instanceof Error ? e.message : String(e), { cause: e }));
  }

  /**
   * Stops the context. Graceful (default): receivers stop, the batch being
   * received runs as the final batch (open event-time windows are emitted),
   * outputs are flushed. Not graceful: stops at once, dropping the current batch.
   */
  stop(options: { graceful?: boolean } = {}): void {
    if (this.stateValue === 'initialized') {
      this.stateValue = 'stopped';
      this.resolveTermination();
      return;
    }
    if (this.stateValue !== 'active') return;
    if (options.graceful ?? true) {
      this.finish(!this.ckpt || (this.ckpt.drain ?? false));
      return;
    }
    this.cancelTimer();
    this.stateValue = 'stopped';
    for (const s of this.sources) s.source.stop();
    this.ckpt?.store.close();
    this.resolveTermination();
  }

  /** Resolves when the context has stopped; rejects with the error that stopped it. */
  awaitTermination(): Promise<void> {
    return this.termination;
  }
}
