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
 * after the checkpoint's last batch; with a processing-time window, from its
 * length, so that no window starts before the epoch) — so the same input gives
 * the same output on every run, whatever the machine's load.
 *
 * This file is the API; the engine behind it is job-graph.ts (operators →
 * nodes), job-generator.ts (clock, timer, life cycle, restart),
 * micro-batch.ts (offset log → run → commit) and recovery.ts.
 */
import { SystemClock, type Clock } from '../core/clock.js';
import { ConfigError } from '../core/errors.js';
import type { Millis } from '../core/types.js';
import { FormatSink } from '../sinks/format-sink.js';
import { StreamOutput, type Output } from '../sinks/output.js';
import { QueueSource } from '../sources/queue-source.js';
import { ReadableLineSource, type ReadableLineSourceOptions } from '../sources/readable-source.js';
import type { Source } from '../sources/source.js';
import { DStream, unionOf } from './dstream.js';
import { IssueLog, type ErrorPolicy } from '../core/issues.js';
import type { StreamNode } from '../core/node.js';
import { buildJobGraph, SourceRoot, type Receiver } from './job-graph.js';
import { JobGenerator, type ContextState } from './job-generator.js';
import type { BatchListener, CheckpointOptions } from './micro-batch.js';
import type { LogicalNode, StreamHost } from './plan.js';

export type { BatchListener, BatchMetrics, CheckpointOptions } from './micro-batch.js';
export type { ContextState } from './job-generator.js';

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

/** The driver of a streaming job (see module doc). */
export class StreamingContext implements StreamHost {
  readonly batchIntervalMs: Millis;
  readonly clock: Clock;
  /** Counters and listeners of bad input. */
  readonly issues: IssueLog;
  readonly output: Output;
  /** Bounded input: batches cut by the input (see module doc). */
  readonly bounded: boolean;
  /** Listeners called after every batch (the CLI's progress and stats, sources' `commit`). */
  readonly batchListeners: BatchListener[] = [];
  private readonly receivers: Receiver[] = [];
  private readonly outputs: LogicalNode[] = [];
  private readonly generator: JobGenerator;
  private ckpt: CheckpointOptions | null = null;

  /** @throws ConfigError when the batch interval is not a positive whole number of ms, or `maxRecordsPerBatch` is below 1. */
  constructor(options: StreamingContextOptions) {
    if (!(options.batchIntervalMs > 0) || !Number.isInteger(options.batchIntervalMs)) {
      throw new ConfigError(`batch interval must be a positive whole number of ms, got ${options.batchIntervalMs}`);
    }
    this.batchIntervalMs = options.batchIntervalMs;
    this.clock = options.clock ?? new SystemClock();
    this.issues = new IssueLog(options.onError ?? 'skip');
    this.output = options.output ?? new StreamOutput(process.stdout);
    this.bounded = options.bounded ?? false;
    this.generator = new JobGenerator({
      batchIntervalMs: this.batchIntervalMs, clock: this.clock, bounded: this.bounded,
      maxRecordsPerBatch: options.maxRecordsPerBatch ?? Infinity, explicitBatches: options.explicitBatches,
    });
  }

  /** Current state. */
  get state(): ContextState {
    return this.generator.state;
  }

  /** Time (epoch ms) of the batch now being received; `NaN` before `start()`. */
  get currentBatchTimeMs(): Millis {
    return this.generator.batchTimeMs;
  }

  /**
   * Makes the job recoverable: state, source offsets and output positions are
   * written to the checkpoint directory every batch (see micro-batch.ts);
   * `start()` first recovers what a previous run left (recovery.ts).
   * @throws ConfigError after `start()`.
   */
  checkpoint(options: CheckpointOptions): void {
    if (this.state !== 'initialized') throw new ConfigError('checkpoint() must be called before start()');
    this.ckpt = options;
  }

  /** A stream from any receiver. @throws ConfigError after `start()`. */
  receiverStream<T = string>(source: Source): DStream<T> {
    if (this.state !== 'initialized') throw new ConfigError('cannot add a source after start()');
    this.receivers.push({ source, root: new SourceRoot(), ended: false });
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

  /** Spark's `union`: one stream with the records of all. @throws ConfigError (see `unionOf`). */
  union<T>(...streams: DStream<T>[]): DStream<T> {
    return unionOf(streams);
  }

  /** @internal Registers an output operation. */
  registerOutput(ds: LogicalNode): void {
    if (this.state !== 'initialized') throw new ConfigError('cannot add an output operation after start()');
    this.outputs.push(ds);
  }

  /** @internal A text print sink on `output`. */
  printSink(num: number, everyBatch: boolean): StreamNode {
    return new FormatSink(this.output, { format: 'text', printLimit: num, everyBatch, currentBatchTimeMs: () => this.currentBatchTimeMs });
  }

  /**
   * Starts receiving and running batches.
   * @throws ConfigError when there is no output operation or the context was started before.
   */
  start(): void {
    if (this.state !== 'initialized') throw new ConfigError(`cannot start a context that is ${this.state}`);
    if (this.outputs.length === 0) throw new ConfigError('no output operation registered: add print(), foreachBatch() or output()');
    this.generator.start({
      build: (firstBatchTimeMs) => buildJobGraph(this.outputs, this.receivers, {
        issues: this.issues, batchIntervalMs: this.batchIntervalMs, firstBatchTimeMs, currentBatchTimeMs: () => this.currentBatchTimeMs,
      }),
      longestWindowMs: longestProcessingTimeWindowMs(this.outputs),
      ckpt: this.ckpt, issues: this.issues, listeners: this.batchListeners,
    });
  }

  /**
   * Stops the context. Graceful (default): receivers stop, the batch being
   * received runs as the final batch (open event-time windows are emitted,
   * unless a checkpoint keeps them), outputs are flushed. Not graceful: stops
   * at once, dropping the current batch.
   */
  stop(options: { graceful?: boolean } = {}): void {
    this.generator.stop(options.graceful ?? true);
  }

  /** Resolves when the context has stopped; rejects with the error that stopped it. */
  awaitTermination(): Promise<void> {
    return this.generator.awaitTermination();
  }
}

/** The longest processing-time (sliding) window length of the plan behind `outputs`, in ms (0: none). */
function longestProcessingTimeWindowMs(outputs: readonly LogicalNode[]): Millis {
  let longestMs = 0;
  const seen = new Set<LogicalNode>();
  const visit = (n: LogicalNode): void => {
    if (seen.has(n)) return;
    seen.add(n);
    const op = n.op;
    if ((op.kind === 'window' || op.kind === 'windowedAggregate') && op.window.kind === 'sliding' && !op.window.spec.eventTime) {
      longestMs = Math.max(longestMs, op.window.spec.lengthMs);
    }
    n.parents.forEach(visit);
  };
  outputs.forEach(visit);
  return longestMs;
}
