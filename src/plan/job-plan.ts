/**
 * `JobPlan`: what a job computes, as one immutable, validated value made
 * from flags (or API calls) before any input is read — the operator steps,
 * the aggregation and window, the output mode, the checkpoint interval, and
 * the one fingerprint a checkpoint (local mode) or a distributed job is tied
 * to. It holds plain data only (no stream, no function), so the CLI, the
 * `--workers` split and distributed mode read the same rules; the engine
 * applies its steps to a DStream (engine/apply-plan.ts).
 */
import { ConfigError } from '../core/errors.js';
import type { Millis } from '../core/types.js';
import type { OutputMode } from '../state/output-mode.js';
import { fingerprint, pipelineDescription, type FingerprintOptions, type PipelineDescription } from './fingerprint.js';
import { checkSettings, checkTop, type OperatorFlag } from './pipeline.js';

/** The options a plan is made from (the CLI's options are one). Durations in ms. */
export interface JobPlanOptions extends FingerprintOptions {
  outputMode?: OutputMode;
  /** `--checkpoint-interval`; default `defaultCheckpointIntervalMs`. */
  checkpointIntervalMs?: Millis;
  /** `--initial-state` given (the caller reads its pairs). */
  initialState?: unknown;
}

/** A validated job (see module doc). Durations in ms. */
export interface JobPlan {
  readonly mode: 'local' | 'distributed';
  readonly batchIntervalMs: Millis;
  /** The operator flags, in order. */
  readonly steps: readonly OperatorFlag[];
  /** The first aggregation step and its position in `steps`, or null. */
  readonly aggregation: { readonly index: number; readonly step: OperatorFlag } | null;
  /** The first window (`--window` or `--session-window`) step, or null. */
  readonly window: Extract<OperatorFlag, { op: 'window' | 'session-window' }> | null;
  readonly eventTime: boolean;
  readonly watermarkDelayMs: Millis;
  readonly outputMode?: OutputMode;
  readonly allowedLatenessMs?: Millis;
  readonly stateTimeoutMs?: Millis;
  readonly maxKeys?: number;
  readonly timezone?: string;
  readonly parse?: { readonly format: string; readonly delimiter?: string; readonly year?: number };
  readonly maxLineBytes: number;
  /** Batch time between full state snapshots under a checkpoint. */
  readonly checkpointIntervalMs: Millis;
  /** What must stay the same between runs (plan/fingerprint.ts). */
  readonly description: PipelineDescription;
  /** The fingerprint of `description`. */
  readonly fingerprint: string;
}

const AGGREGATIONS: ReadonlySet<string> = new Set(['count', 'count-by-value', 'reduce', 'reduce-by-key', 'update-state-by-key', 'map-with-state']);

/**
 * Default checkpoint interval: the smallest multiple of the slide interval ≥ 10 s (as Spark),
 * the slide being the first window's (its length for a tumbling event-time window) or the batch interval.
 */
export function defaultCheckpointIntervalMs(batchIntervalMs: Millis, operators: readonly OperatorFlag[]): Millis {
  const w = operators.find((f): f is Extract<OperatorFlag, { op: 'window' }> => f.op === 'window');
  const slide = w ? w.slideMs ?? (operators.some((f) => f.op === 'event-time') ? w.lengthMs : batchIntervalMs) : batchIntervalMs;
  return Math.ceil(10_000 / slide) * slide;
}

/**
 * `--batch-marker`: the time before the first batch is aligned to the least common multiple of the
 * batch interval and every window length and slide interval, so that processing-time windows fall on
 * the same batches (counted from the first) in every run.
 */
export function batchAlignMs(batchIntervalMs: Millis, operators: readonly OperatorFlag[]): Millis {
  const gcd = (a: number, b: number): number => (b ? gcd(b, a % b) : a);
  let alignMs = batchIntervalMs;
  for (const f of operators) {
    if (f.op !== 'window') continue;
    for (const d of [f.lengthMs, f.slideMs ?? batchIntervalMs]) alignMs = (alignMs / gcd(alignMs, d)) * d;
  }
  return alignMs;
}

/** Freezes `x` deeply (its data properties; a getter is not called). */
function freeze<T>(x: T): T {
  if (x !== null && typeof x === 'object' && !Object.isFrozen(x)) {
    Object.freeze(x);
    for (const d of Object.values(Object.getOwnPropertyDescriptors(x))) if ('value' in d) freeze(d.value);
  }
  return x;
}

/**
 * Validates `o` and makes the plan (see module doc).
 * @param mode `distributed` leaves `--batch` and `--max-line-bytes` out of the fingerprint.
 * @throws ConfigError for a batch interval or checkpoint interval that is not a positive whole number of ms,
 *   a `--top` with nothing keyed before it, or a setting no operator uses (`checkSettings`).
 */
export function planJob(o: JobPlanOptions, mode: 'local' | 'distributed' = 'local'): JobPlan {
  if (!(o.batchIntervalMs > 0) || !Number.isInteger(o.batchIntervalMs)) {
    throw new ConfigError(`batch interval must be a positive whole number of ms, got ${o.batchIntervalMs}`);
  }
  if (o.checkpointIntervalMs !== undefined && !(o.checkpointIntervalMs > 0)) {
    throw new ConfigError(`--checkpoint-interval must be positive, got ${o.checkpointIntervalMs} ms`);
  }
  const steps = o.operators.map((f) => ({ ...f })) as OperatorFlag[];
  checkTop(steps);
  checkSettings(steps, { ...o, zone: o.timezone });
  const aggAt = steps.findIndex((f) => AGGREGATIONS.has(f.op));
  const description = pipelineDescription({ ...o, operators: steps }, mode);
  let hash: string | undefined;
  return freeze<JobPlan>({
    mode,
    batchIntervalMs: o.batchIntervalMs,
    steps,
    aggregation: aggAt < 0 ? null : { index: aggAt, step: steps[aggAt]! },
    window: (steps.find((f) => f.op === 'window' || f.op === 'session-window') as JobPlan['window'] | undefined) ?? null,
    eventTime: steps.some((f) => f.op === 'event-time'),
    watermarkDelayMs: o.watermarkDelayMs,
    outputMode: o.outputMode,
    allowedLatenessMs: o.allowedLatenessMs,
    stateTimeoutMs: o.stateTimeoutMs,
    maxKeys: o.maxKeys,
    timezone: o.timezone,
    parse: o.parse && { ...o.parse },
    maxLineBytes: o.maxLineBytes,
    checkpointIntervalMs: o.checkpointIntervalMs ?? defaultCheckpointIntervalMs(o.batchIntervalMs, steps),
    description,
    // Computed when read: hashing loads node:crypto, which a job without a checkpoint never needs.
    get fingerprint() {
      return (hash ??= fingerprint(description));
    },
  });
}
