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
 */
import { SystemClock, type Clock } from '../core/clock.js';
import { ConfigError, DStreamError } from '../core/errors.js';
import type { BatchInfo, Millis } from '../core/types.js';
import { FormatSink } from '../sinks/format-sink.js';
import { StreamOutput, type Output } from '../sinks/output.js';
import { QueueSource } from '../sources/queue-source.js';
import { ReadableLineSource, type ReadableLineSourceOptions } from '../sources/readable-source.js';
import type { Source } from '../sources/source.js';
import { DStream } from './dstream.js';
import { IssueLog, type ErrorPolicy } from './issues.js';
import { Emitter, type StreamNode } from './node.js';
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
}

/** Life cycle states (Spark's `StreamingContextState`). */
export type ContextState = 'initialized' | 'active' | 'stopped';

class SourceRoot extends Emitter implements StreamNode {
  record(value: unknown, tMs: number): void {
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
  private readonly sources: { source: Source; root: SourceRoot; ended: boolean }[] = [];
  private readonly outputs: DStream<unknown>[] = [];
  private stateValue: ContextState = 'initialized';
  private batchIndex = 0;
  private batchTimeMs = NaN;
  private cancelTimer: () => void = () => {};
  private termination: Promise<void>;
  private resolveTermination!: () => void;
  private rejectTermination!: (e: unknown) => void;
  /** Listeners called after every batch (the CLI's progress and stats). */
  readonly batchListeners: ((batch: BatchInfo, processingMs: Millis) => void)[] = [];

  /** @throws ConfigError when the batch interval is not a positive whole number of ms. */
  constructor(options: StreamingContextOptions) {
    if (!(options.batchIntervalMs > 0) || !Number.isInteger(options.batchIntervalMs)) {
      throw new ConfigError(`batch interval must be a positive whole number of ms, got ${options.batchIntervalMs}`);
    }
    this.batchIntervalMs = options.batchIntervalMs;
    this.clock = options.clock ?? new SystemClock();
    this.issues = new IssueLog(options.onError ?? 'skip');
    this.output = options.output ?? new StreamOutput(process.stdout);
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
    this.batchTimeMs = Math.floor(now / this.batchIntervalMs) * this.batchIntervalMs + this.batchIntervalMs;
    this.instantiate();
    this.stateValue = 'active';
    this.scheduleNext();
    for (const s of this.sources) {
      s.source.start({
        record: (v) => s.root.record(v, NaN),
        end: () => this.sourceEnded(s),
        fail: (e) => this.fail(e),
      });
    }
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

  /** Runs one batch; returns false when it failed (the context is then stopped). */
  private runBatch(timeMs: Millis, final: boolean): boolean {
    const started = this.clock.now();
    const info: BatchInfo = { timeMs, index: this.batchIndex++, final };
    try {
      for (const s of this.sources) if (!s.ended || final) s.source.onBatch?.(timeMs);
      for (const s of this.sources) s.root.endBatch(info);
    } catch (e) {
      this.fail(e);
      return false;
    }
    const processing = this.clock.now() - started;
    for (const l of this.batchListeners) l(info, processing);
    return true;
  }

  private sourceEnded(s: { ended: boolean }): void {
    s.ended = true;
    if (this.stateValue !== 'active') return;
    if (this.sources.every((x) => x.ended)) this.finish();
  }

  /** Runs the current batch as the final one and stops. */
  private finish(): void {
    this.cancelTimer();
    this.stateValue = 'stopped';
    for (const s of this.sources) s.source.stop();
    if (this.runBatch(this.batchTimeMs, true)) this.resolveTermination();
  }

  private fail(e: unknown): void {
    if (this.stateValue === 'stopped') return;
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
      this.finish();
      return;
    }
    this.cancelTimer();
    this.stateValue = 'stopped';
    for (const s of this.sources) s.source.stop();
    this.resolveTermination();
  }

  /** Resolves when the context has stopped; rejects with the error that stopped it. */
  awaitTermination(): Promise<void> {
    return this.termination;
  }
}
