/**
 * How the input of a job is batched, decided from the source flags and one
 * fact about the process (is stdin a regular file?), before anything is
 * opened: bounded input (batched by the input), `--batch-marker` (batches
 * follow marker lines), and what `--workers` (threads over stdin from a file)
 * can honour.
 */
import { ConfigError } from '../core/errors.js';
import type { Millis } from '../core/types.js';
import { batchAlignMs } from './job-plan.js';
import type { OperatorFlag } from './pipeline.js';

/** The source flags these rules read (the CLI's `SourceCliOptions` is one). */
export interface InputFlags {
  stdin: boolean;
  connect: readonly unknown[];
  listen: readonly unknown[];
  watch: readonly string[];
  once: boolean;
  maxRate?: number;
  maxRecordsPerBatch?: number;
  batchMarker?: string;
  kafka?: unknown;
}

/**
 * Bounded input is batched by the input, not the clock: stdin redirected from
 * a regular file when it is the only source, or anything with `--once`.
 * `--max-rate` replays a file as a live stream (clock-cut batches); Kafka keeps its own batches.
 * @throws ConfigError for `--max-records-per-batch` on live input.
 */
export function isBoundedInput(s: InputFlags, stdinIsFile: boolean): boolean {
  // Kafka is a pull source with its own batches (offset ranges noted at each batch time), also under --once.
  const kafka = s.kafka !== undefined;
  const bounded = !kafka && s.maxRate === undefined
    && (s.once || (s.stdin && !s.connect.length && !s.listen.length && !s.watch.length && stdinIsFile));
  if (!bounded && !kafka && s.maxRecordsPerBatch !== undefined) {
    throw new ConfigError('--max-records-per-batch cuts bounded input (stdin from a file, or --once); live input is batched by the clock (--batch)');
  }
  return bounded;
}

/**
 * `--batch-marker`: batches follow the input, aligned as `batchAlignMs` says; undefined without it.
 * @throws ConfigError with --checkpoint or --workers (batches cut by the input are not logged for replay).
 */
export function explicitBatches(
  s: InputFlags, o: { batchIntervalMs: Millis; operators: readonly OperatorFlag[]; workers?: number | 'auto'; checkpoint: boolean },
): { alignMs: Millis } | undefined {
  if (s.batchMarker === undefined) return undefined;
  if (o.checkpoint) throw new ConfigError('--batch-marker cannot be combined with --checkpoint: batches cut by markers are not logged for replay');
  if (typeof o.workers === 'number' && o.workers > 1) throw new ConfigError('--batch-marker cannot be combined with --workers');
  return { alignMs: batchAlignMs(o.batchIntervalMs, o.operators) };
}

/** The settings only the one-thread pipeline takes (`checkWorkerInput`); `initialState`: `--initial-state` given. */
export interface OneThreadSettings {
  outputMode?: string;
  allowedLatenessMs?: Millis;
  stateTimeoutMs?: Millis;
  maxKeys?: number;
  initialState?: unknown;
}

/**
 * `--workers N` (N > 1) reads stdin from a regular file with its own threads: refuses what that mode cannot
 * honour, settings only the one-thread pipeline takes (`--output-mode`, `--allowed-lateness` …) first.
 * @throws ConfigError naming the flag to drop.
 */
export function checkWorkerInput(
  s: InputFlags, o: { workers: number; parseFormat?: string; stdinIsFile: boolean; checkpoint: boolean; deadLetter?: string; late?: string; settings: OneThreadSettings },
): void {
  const t = o.settings;
  const setting = t.outputMode ? '--output-mode' : t.allowedLatenessMs !== undefined ? '--allowed-lateness' : t.stateTimeoutMs !== undefined ? '--state-timeout'
    : t.maxKeys !== undefined ? '--max-keys' : t.initialState !== undefined ? '--initial-state' : undefined;
  if (setting) throw new ConfigError(`${setting} is not supported with --workers ${o.workers}: only the one-thread pipeline takes it; run with --workers 1`);
  if (o.parseFormat === 'csv') throw new ConfigError('--workers cannot split CSV input (every part needs the header, and a quoted field may span lines); run without --workers');
  if (!o.stdinIsFile || s.connect.length || s.listen.length || s.watch.length) {
    throw new ConfigError('--workers reads stdin redirected from a file (dstream --workers 2 ... < file); it does not take pipes, TCP or watched directories');
  }
  if (o.checkpoint) throw new ConfigError('--workers cannot be combined with --checkpoint');
  if (o.deadLetter || o.late) throw new ConfigError('--workers does not keep raw lines for --dead-letter or --late; drop one of them');
  if (s.maxRate !== undefined) throw new ConfigError('--workers cannot be combined with --max-rate');
  if (s.maxRecordsPerBatch !== undefined) throw new ConfigError('--workers reads the file as one batch: it cannot be combined with --max-records-per-batch');
}
