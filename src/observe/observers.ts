/**
 * What watches a running job from the outside, once per batch: the progress
 * spinner / `--stats` / `--progress-json` (progress.ts), Prometheus metrics
 * (`--metrics-port`, metrics.ts) and systemd (`Type=notify`, systemd.ts:
 * READY after sources are bound and the checkpoint recovered, WATCHDOG,
 * STATUS, STOPPING). Counters that the engine keeps cumulatively (bad input)
 * are turned into per-batch deltas here.
 */
import type { ChalkInstance } from 'chalk';
import type { BatchInfo } from '../core/types.js';
import type { StreamingContext } from '../engine/context.js';
import type { BatchMetrics } from '../engine/micro-batch.js';
import type { MetricsServer } from './metrics.js';
import type { ProgressReporter } from './progress.js';
import { SystemdNotifier } from './systemd.js';

/** Options of `Observers`. */
export interface ObserverOptions {
  ssc: StreamingContext;
  /** The colours of stderr, made when first needed (loading chalk costs start-up time). */
  chalk: () => Promise<ChalkInstance>;
  /** Show a spinner on stderr (TTY, not CI, no live view). */
  spinner: boolean;
  stats: boolean;
  progressJson?: string;
  metricsPort?: number;
  /** Records output so far. */
  recordsOut: () => number;
  log: (text: string, level?: 'error' | 'warning' | 'info') => void;
  env: NodeJS.ProcessEnv;
}

/** Everything that observes batches (see module doc). */
export class Observers {
  private progress: ProgressReporter | null = null;
  private metrics: MetricsServer | undefined;
  readonly systemd: SystemdNotifier;
  private last = { out: 0, skipped: 0, late: 0 };

  private constructor(private readonly o: ObserverOptions) {
    this.systemd = new SystemdNotifier(o.env, { onError: (e) => o.log(`dstream: systemd notify: ${e.message}`, 'warning') });
  }

  /**
   * Creates the observers; binds the metrics port.
   * @throws ConfigError when the progress file cannot be opened or the metrics port is in use (exit 2).
   */
  static async create(o: ObserverOptions): Promise<Observers> {
    const obs = new Observers(o);
    const { ssc } = o;
    // ora and prom-client are loaded only when used (start-up time).
    if (o.spinner || o.stats || o.progressJson) {
      const { ProgressReporter } = await import('./progress.js');
      obs.progress = new ProgressReporter({
        stderr: process.stderr, chalk: await o.chalk(), spinner: o.spinner, stats: o.stats, progressJson: o.progressJson,
        batchIntervalMs: ssc.batchIntervalMs, issues: ssc.issues, recordsOut: o.recordsOut,
      });
    }
    if (o.metricsPort !== undefined) {
      const { startMetricsServer } = await import('./metrics.js');
      obs.metrics = await startMetricsServer(o.metricsPort, '127.0.0.1', { batchIntervalMs: ssc.batchIntervalMs });
      o.log(`dstream: metrics on ${obs.metrics.url}`, 'info');
    }
    ssc.batchListeners.push((batch, m) => obs.onBatch(batch, m));
    return obs;
  }

  private onBatch(batch: BatchInfo, m: BatchMetrics): void {
    this.progress?.onBatch(batch, m);
    if (this.metrics) {
      const issues = this.o.ssc.issues;
      const out = this.o.recordsOut();
      const skipped = issues.skippedRecords;
      const late = issues.lateRecords;
      this.metrics.observeBatch({
        recordsIn: m.recordsIn, recordsOut: out - this.last.out, skipped: skipped - this.last.skipped, late: late - this.last.late,
        processingMs: m.processingMs, schedulingDelayMs: m.schedulingDelayMs, stateKeys: m.stateKeys,
      });
      this.last = { out, skipped, late };
    }
    if (batch.index % 10 === 0) this.systemd.status(`batch ${batch.index + 1}: ${m.recordsIn} records in, ${m.stateKeys ?? 0} keys`);
  }

  /** A checkpoint file was written in `durationMs` ms, or failed (CheckpointStore.onWrite). */
  checkpointWritten(durationMs: number, failed: boolean): void {
    this.metrics?.observeCheckpoint(durationMs, failed);
  }

  /** The job is running: sources bound, checkpoint recovered. */
  ready(): void {
    this.systemd.ready('running');
  }

  /** A stop was requested. */
  stopping(): void {
    this.systemd.stopping();
  }

  /** Stops the spinner, the metrics server and the watchdog. */
  async close(): Promise<void> {
    this.progress?.stop();
    this.systemd.close();
    await this.metrics?.close();
  }
}
