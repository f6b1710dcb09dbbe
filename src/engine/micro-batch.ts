/**
 * Micro-batch execution, as Structured Streaming's `MicroBatchExecution`: one
 * batch is run as offset log → run → commit.
 *
 * With a checkpoint, before any record of the batch is processed the offsets
 * of every replayable source (what the batch holds) and the position of every
 * durable output are written to the offset log; replayable sources then push
 * exactly those offsets; at the batch end the outputs are made durable, the
 * state is snapshotted when due (every `intervalMs` of batch time, and every
 * batch when a source cannot replay), and the commit log records the batch.
 * A crash between the two logs re-runs the batch from its logged offsets
 * (recovery.ts): outputs are rewound to where it started, so each batch's
 * output is written once. After each batch, every source's `commit` is
 * called, then the batch listeners (observe/) with the batch's metrics.
 * The only batch of a `--once` run resumed from a checkpoint is logged after
 * its input is pushed, and not at all when nothing was read (`resumedOnly`).
 */
import type { Clock } from '../core/clock.js';
import { DStreamError } from '../core/errors.js';
import type { IssueLog } from '../core/issues.js';
import type { BatchInfo, Millis } from '../core/types.js';
import type { CheckpointStore, OffsetEntry } from '../checkpoint/checkpoint-store.js';
import type { Sink } from '../sinks/sink.js';
import type { DurableOutput } from '../sinks/durable-output.js';
import { isReplayable } from '../sources/source.js';
import type { JobGraph } from './job-graph.js';
import { captureState, filePositions, sourceSnapshots } from './job-state.js';

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
  /**
   * Time spent on the batch. Bounded input (a file read whole or in parts): from the end of the
   * previous batch (or the start) to the end of this one, as its records were read and went
   * through the operators meanwhile. Live input: running the batch's end (aggregation output,
   * sinks, checkpoint); records went through the operators as they arrived.
   */
  processingMs: Millis;
  /** How late the batch started after its batch time. */
  schedulingDelayMs: Millis;
  /** Keys held by stateful operators after the batch; undefined when the job has none (no state is kept). */
  stateKeys?: number;
  /** Watermark of the first event-time stream after the batch (epoch ms), if any. */
  watermarkMs?: Millis;
  /** The batch was re-run by recovery. */
  replayed: boolean;
}

/** Called after every batch (progress, metrics, sources' `commit`). */
export type BatchListener = (batch: BatchInfo, metrics: BatchMetrics) => void;

/** What a `MicroBatchExecution` runs on. */
export interface ExecutionOptions {
  graph: JobGraph;
  clock: Clock;
  issues: IssueLog;
  /** Bounded input (`BatchInfo.bounded`). */
  bounded: boolean;
  /** Batches follow the input: no scheduling delay is reported. */
  inputCut: boolean;
  ckpt: CheckpointOptions | null;
  listeners: readonly BatchListener[];
  /** Stops the job with an error (the batch that threw is not committed). */
  fail: (e: unknown) => void;
}

/** Runs batches (see module doc). */
export class MicroBatchExecution {
  /** Index of the next batch. */
  batchIndex = 0;
  /** Batch time (epoch ms) of the last state snapshot. */
  lastSnapshotTimeMs = -Infinity;
  /** A batch is being run (records pushed now belong to it). */
  inBatch = false;
  /** Batches run by this process (recovery's re-runs included). */
  private runBatches = 0;
  /** Recovery: the restored snapshot's file positions as JSON text (`JobSnapshot.positions`), for `nothingRead`. */
  resumedPositions: string | null = null;
  /** Clock time the batch being received began: the end of the previous batch, or the start. */
  private receivingSinceMs: Millis;

  constructor(private readonly o: ExecutionOptions) {
    this.receivingSinceMs = o.clock.now();
  }

  /**
   * Runs one batch; returns false when it failed (the job is then stopped).
   * @param flush end of input: the watermark goes to +∞ (open windows are emitted).
   * @param logged recovery: the batch's entry in the offset log (not logged again).
   * @param committed recovery: the batch was committed before the crash (not committed again).
   * @param last the last batch of this run (end of input or stop): its state is always snapshotted.
   */
  run(timeMs: Millis, flush: boolean, logged?: OffsetEntry, committed = false, last = false): boolean {
    const { graph, clock, ckpt: ck } = this.o;
    const started = clock.now();
    const id = this.batchIndex++;
    const info: BatchInfo = { timeMs, index: id, final: flush, last, bounded: this.o.bounded };
    const resumed = ck !== null && this.resumedOnly(info, logged);
    this.inBatch = true;
    try {
      /** `resumed`: the offsets, logged once the batch is known to have read something (`nothingRead`). */
      let unlogged: OffsetEntry | null = null;
      const sourcesBefore = resumed ? JSON.stringify(sourceSnapshots(graph)) : '';
      if (ck) {
        const offsets: Record<string, unknown> = logged?.sources ?? {};
        if (!logged) {
          for (const s of graph.receivers) if (isReplayable(s.source)) offsets[s.source.name] = s.source.planBatch(timeMs);
          unlogged = { id, timeMs, sources: offsets, outputs: Object.fromEntries(ck.outputs.map((o) => [o.name, o.position()])) };
          if (!resumed) this.logOffsets(ck, unlogged);
        }
        for (const s of graph.receivers) if (isReplayable(s.source)) s.source.replayBatch(offsets[s.source.name]);
      }
      for (const s of graph.receivers) if ((!s.ended || flush) && !(ck && isReplayable(s.source))) s.source.onBatch?.(timeMs);
      const noRecords = resumed && graph.receivers.every((s) => s.root.count === 0);
      if (noRecords && this.nothingRead(sourcesBefore)) {
        this.batchIndex = id; // no batch: the checkpoint is left as it was
        return true;
      }
      if (resumed) this.logOffsets(ck!, unlogged!);
      if (!noRecords) for (const s of graph.receivers) s.root.endBatch(info);
      this.runBatches++;
      if (ck && !committed) this.commit(ck, id, timeMs, flush || last);
    } catch (e) {
      this.o.fail(e);
      return false;
    } finally {
      this.inBatch = false;
    }
    // The batch's output is written: sources may let go of its input (`--after-read`).
    for (const s of graph.receivers) s.source.commit?.(info);
    if (this.o.listeners.length) this.report(info, this.o.bounded ? Math.min(started, this.receivingSinceMs) : started, logged !== undefined);
    this.receivingSinceMs = clock.now();
    return true;
  }

  /**
   * True for the only batch of a bounded run resumed from a checkpoint (`--once` in cron) with
   * nothing to flush (no `--drain`). When no record came in, as Structured Streaming runs no batch
   * without new data, its operators output nothing — not a `--count` of 0, nor processing-time
   * windows again; and when nothing was read at all (`nothingRead`) nothing is written either: no
   * offsets, state or commit, so a cron run with nothing new leaves the checkpoint as it was. So
   * its offsets are logged after its input is pushed (nothing is durable before its end: sinks
   * hold a checkpointed batch's rows until `addBatch`), as they are for stdin from a file anyway.
   */
  private resumedOnly(info: BatchInfo, logged: OffsetEntry | undefined): boolean {
    return info.bounded === true && info.last === true && !info.final && info.index !== 0 && this.runBatches === 0 && !logged;
  }

  /**
   * Nothing was read or counted since the restored snapshot: no bad input said, the replayable
   * sources' snapshots as before the batch (`sourcesBefore`, JSON text: no file taken, no offset
   * moved), and stdin's byte offset and file as restored.
   */
  private nothingRead(sourcesBefore: string): boolean {
    const { graph, issues } = this.o;
    if (Object.values(issues.counts).some((n) => n > 0)) return false;
    return JSON.stringify(sourceSnapshots(graph)) === sourcesBefore && JSON.stringify(filePositions(graph)) === this.resumedPositions;
  }

  /** Writes batch `entry`'s offsets to the offset log (before its output is durable). */
  private logOffsets(ck: CheckpointOptions, entry: OffsetEntry): void {
    ck.store.writeOffsets(entry);
    ck.fault?.('after-offsets', entry.id);
  }

  /** Outputs durable, state snapshotted when due, commit log written. */
  private commit(ck: CheckpointOptions, id: number, timeMs: Millis, last: boolean): void {
    const { graph } = this.o;
    ck.fault?.('after-output', id); // the sinks made the batch durable in addBatch
    const allReplayable = graph.receivers.every((s) => isReplayable(s.source));
    const due = last || !allReplayable || timeMs - this.lastSnapshotTimeMs >= ck.intervalMs;
    if (due) {
      ck.store.writeSnapshot(id, captureState(graph, this.batchIndex, timeMs, this.o.issues));
      this.lastSnapshotTimeMs = timeMs;
      ck.fault?.('after-snapshot', id);
    }
    ck.store.writeCommit({ id, timeMs, sinks: Object.fromEntries(ck.outputs.map((o) => [o.name, o.position()])), snapshot: due ? id : null });
    if (due) for (const s of graph.receivers) if (isReplayable(s.source)) s.source.durable?.(null);
  }

  /** Tells the listeners about the batch just run (started at `startedMs` on the clock). */
  private report(info: BatchInfo, startedMs: Millis, replayed: boolean): void {
    const { graph, clock } = this.o;
    let recordsIn = 0;
    for (const s of graph.receivers) {
      recordsIn += s.root.count;
      s.root.count = 0;
    }
    let stateKeys: number | undefined;
    for (const n of graph.stateful) stateKeys = (stateKeys ?? 0) + (n.stateSize?.() ?? 0);
    const w = graph.trackers[0]?.watermarkMs;
    const metrics: BatchMetrics = {
      recordsIn, processingMs: clock.now() - startedMs, schedulingDelayMs: this.o.inputCut ? 0 : Math.max(0, startedMs - info.timeMs),
      stateKeys, watermarkMs: w !== undefined && Number.isFinite(w) ? w : undefined, replayed,
    };
    for (const l of this.o.listeners) l(info, metrics);
  }
}

/** The error a job stops with: a `DStreamError` as it is, anything else as E_RUNTIME (processing) with it as cause. */
export function jobError(e: unknown): DStreamError {
  return e instanceof DStreamError ? e : new DStreamError('E_RUNTIME', 'processing', e instanceof Error ? e.message : String(e), { cause: e });
}
