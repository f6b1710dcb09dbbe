/**
 * Progress of a running job, all on stderr (stdout carries data only):
 * - a spinner (ora) with records/s, batches, processing time vs batch
 *   interval, scheduling delay, keys in state, late and skipped counts — only
 *   when stderr is a TTY and not in CI;
 * - `--stats`: the same fields as one line per batch (in, out, late and skipped: the batch's; skipped
 *   records a `--flat-map` made said apart, skipped.ts);
 * - `--progress-json FILE`: one JSON object per batch, with Spark
 *   StreamingQueryProgress field names (batchId, timestamp, numInputRows,
 *   inputRowsPerSecond, processedRowsPerSecond, durationMs, eventTime.watermark,
 *   stateOperators[].numRowsTotal, sink.numOutputRows), and `batchTime`: the
 *   batch time (epoch ms) that the batch's output records carry as `time`.
 *
 * The figures agree between the two: `timestamp` is the wall-clock time of the
 * batch's end; "rec/s" on stderr is `inputRowsPerSecond`, the batch's records
 * over the wall-clock time since the previous batch's end (or the start);
 * `processedRowsPerSecond` is the records over the processing time
 * (`BatchMetrics.processingMs`, which for a file covers reading it). Keys are
 * those held in state; a job without state shows none (`stateOperators: []`).
 * - a warning, TTY or not, when a batch of live input takes longer than the
 *   batch interval (falling behind), repeated only after it has caught up again.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import ora, { type Ora } from 'ora';
import type { ChalkInstance } from 'chalk';
import { ConfigError } from '../core/errors.js';
import type { BatchInfo, Millis } from '../core/types.js';
import type { BatchMetrics } from '../engine/micro-batch.js';
import type { IssueLog } from '../core/issues.js';
import { skippedAfterFlatMap } from './skipped.js';

/** Options of a `ProgressReporter`. */
export interface ProgressOptions {
  stderr: NodeJS.WriteStream;
  chalk: ChalkInstance;
  /** Show the spinner (caller decides: stderr is a TTY and not CI). */
  spinner: boolean;
  /** `--stats`. */
  stats: boolean;
  /** `--progress-json FILE`. */
  progressJson?: string;
  batchIntervalMs: Millis;
  issues: IssueLog;
  /** Records output so far (read after each batch). */
  recordsOut: () => number;
  /** Wall-clock time, epoch ms (default `Date.now`; tests pass their own). */
  now?: () => Millis;
}

const n = (x: number) => x.toLocaleString('en-US');

/** Reports batch progress (see module doc). */
export class ProgressReporter {
  private spinner: Ora | null = null;
  private jsonFd: number | undefined;
  private behind = false;
  private readonly now: () => Millis;
  private lastWallMs: Millis;
  private lastOut = 0;
  /** The issue totals at the end of the last batch (late, skipped, skipped after a `--flat-map`): lines give each batch's. */
  private last = { late: 0, skipped: 0, made: 0 };
  private batches = 0;

  /** @throws ConfigError when the progress file cannot be opened. */
  constructor(private readonly o: ProgressOptions) {
    this.now = o.now ?? Date.now;
    this.lastWallMs = this.now();
    if (o.progressJson) {
      try {
        this.jsonFd = openSync(o.progressJson, 'a', 0o644);
      } catch (e) {
        throw new ConfigError(`--progress-json: cannot open '${o.progressJson}': ${(e as Error).message}`);
      }
    }
    if (o.spinner && !o.stats) {
      this.spinner = ora({ stream: o.stderr, discardStdin: false, isEnabled: true, text: 'waiting for input…' }).start();
    }
  }

  /** Called after every batch. */
  onBatch(batch: BatchInfo, m: BatchMetrics): void {
    this.batches++;
    const now = this.now();
    const elapsed = Math.max(1, now - this.lastWallMs);
    this.lastWallMs = now;
    const out = this.o.recordsOut();
    const recordsOut = out - this.lastOut;
    this.lastOut = out;
    // This batch's, as its records in and out.
    const issues = this.o.issues;
    const total = { late: issues.lateRecords, skipped: issues.skippedRecords, made: skippedAfterFlatMap(issues) };
    const late = total.late - this.last.late, skipped = total.skipped - this.last.skipped, made = total.made - this.last.made;
    this.last = total;
    const inputRate = (m.recordsIn * 1000) / elapsed;
    const keys = m.stateKeys === undefined ? '' : ` · ${n(m.stateKeys)} keys`;
    const text = `${n(Math.round(inputRate))} rec/s · batch ${n(batch.index + 1)} · ${n(m.recordsIn)} in, ${n(recordsOut)} out · processing ${m.processingMs} ms / ${this.o.batchIntervalMs} ms · delay ${m.schedulingDelayMs} ms${keys} · ${n(late)} late · ${n(skipped)} skipped${made > 0 ? ` (${n(made)} of them made by --flat-map)` : ''}`;
    if (this.spinner) this.spinner.text = text;
    if (this.o.stats) this.line(`dstream: ${text}`);
    // Bounded input is not paced by the clock: a file read for longer than a batch interval is not behind.
    if (m.processingMs > this.o.batchIntervalMs && !this.behind && !batch.bounded) {
      this.behind = true;
      this.line(this.o.chalk.yellow(`dstream: warning: batch ${batch.timeMs} took ${m.processingMs} ms, longer than the batch interval ${this.o.batchIntervalMs} ms: falling behind`));
    } else if (m.processingMs <= this.o.batchIntervalMs) this.behind = false;
    if (this.jsonFd !== undefined) {
      const progress = {
        batchId: batch.index,
        timestamp: new Date(now).toISOString(),
        batchTime: batch.timeMs,
        numInputRows: m.recordsIn,
        inputRowsPerSecond: inputRate,
        processedRowsPerSecond: (m.recordsIn * 1000) / Math.max(1, m.processingMs),
        durationMs: { triggerExecution: m.processingMs, schedulingDelay: m.schedulingDelayMs },
        eventTime: m.watermarkMs !== undefined ? { watermark: new Date(m.watermarkMs).toISOString() } : {},
        stateOperators: m.stateKeys === undefined ? [] : [{ numRowsTotal: m.stateKeys }],
        sink: { numOutputRows: recordsOut },
        numLateRows: late,
        numSkippedRows: skipped,
      };
      writeSync(this.jsonFd, JSON.stringify(progress) + '\n');
    }
  }

  private line(text: string): void {
    if (this.spinner) this.spinner.clear();
    this.o.stderr.write(text + '\n');
    if (this.spinner) this.spinner.render();
  }

  /** Stops the spinner and closes the progress file. */
  stop(): void {
    this.spinner?.stop();
    this.spinner = null;
    if (this.jsonFd !== undefined) closeSync(this.jsonFd);
    this.jsonFd = undefined;
  }
}
