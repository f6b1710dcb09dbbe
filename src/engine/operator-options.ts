/**
 * The options of the DStream operators and the checks made when an operator
 * is added (never at batch time): which windows a length and slide give
 * (epoch-aligned panes, or local-time windows under a zone), which output
 * modes a windowed aggregation accepts, and the settings of stateful operators.
 */
import { ConfigError } from '../core/errors.js';
import { formatDuration } from '../core/duration.js';
import type { Millis } from '../core/types.js';
import { builtinReducer, type BuiltinReducer, type ReduceFn, type Reducer } from '../operators/reducers.js';
import type { OutputMode } from '../state/output-mode.js';
import { windowSpec } from '../windows/spec.js';
import type { WatermarkTracker } from '../windows/watermark.js';
import type { StateOptions, WindowDef, WindowOutput } from './plan.js';

/** Options of windowed operators. */
export interface WindowOptions {
  /** Output mode (default: `append` in event time, `complete` in processing time). */
  outputMode?: OutputMode;
  /** Event time: how long windows stay open after the watermark passes their end (ms). */
  allowedLatenessMs?: Millis;
  /** Label for messages. */
  label?: string;
}

/** Options of windowed keyed reductions (Spark's `reduceByKeyAndWindow`). */
export interface WindowReduceOptions<V> extends WindowOptions {
  /** Inverse of the reduce function: window = previous + entering − leaving panes. */
  invFn?: (a: V, b: V) => V;
  /** With `invFn`: keys whose `[key, value]` fails this test are evicted (e.g. counts at 0). */
  filterFn?: (pair: [unknown, V]) => boolean;
}

/** Options of `updateStateByKey` and `mapWithState`. */
export interface StatefulOptions {
  /** Output mode; see each operator. */
  outputMode?: OutputMode;
  /** Keys idle this long are removed (ms; batch time, or the watermark in event time). */
  stateTimeoutMs?: Millis;
  /** Most keys kept; the least recently updated are evicted beyond it. */
  maxKeys?: number;
  /** `[key, state]` pairs the state starts with (Spark's `initialRDD` / `StateSpec.initialState`). */
  initialState?: readonly (readonly [unknown, unknown])[];
  label?: string;
}

/** A reduce function or the name of a built-in reducer → its `Reducer`. */
export function reducerOf(fn: ((a: any, b: any) => unknown) | BuiltinReducer): Reducer {
  return typeof fn === 'string' ? builtinReducer(fn) : { combine: fn as ReduceFn };
}

const HOUR = 3_600_000;
const DAY = 86_400_000;

/**
 * The windows of length `windowMs` sliding by `slideMs` (default: tumbling) on a stream with
 * `tracker` (null: processing time): local-time windows when the tracker has a zone and the window
 * is an hour or more, else epoch-aligned panes (windows/spec.ts).
 * @throws ConfigError for a sliding local-time window, one that does not divide a day, or an invalid spec.
 */
export function windowDefOf(windowMs: Millis, slideMs: Millis | undefined, tracker: WatermarkTracker | null, batchIntervalMs: Millis): WindowDef {
  const zone = tracker?.zone;
  if (zone && windowMs >= HOUR) {
    if (slideMs !== undefined && slideMs !== windowMs) {
      throw new ConfigError(`--timezone aligns tumbling windows only: drop --slide ${formatDuration(slideMs)} or use a window shorter than 1h`);
    }
    if (windowMs > DAY || DAY % windowMs !== 0) {
      throw new ConfigError(`--timezone: window length ${formatDuration(windowMs)} does not divide a day; use 1h, 2h, 3h, 4h, 6h, 8h, 12h or 1d`);
    }
    return { kind: 'calendar', lengthMs: windowMs, zone };
  }
  return { kind: 'sliding', spec: windowSpec(windowMs, slideMs, batchIntervalMs, tracker !== null) };
}

/**
 * Refuses a windowed aggregation on a stream that is already `windowed`, or with an output mode
 * (or allowed lateness) its windows cannot honour.
 * @throws ConfigError naming the flag and what to use instead.
 */
export function checkWindowedAggregate(window: WindowDef, output: WindowOutput, windowed: boolean, eventTime: boolean): void {
  if (windowed) throw new ConfigError(`${output.label}: the stream is already windowed; give one window per job`);
  const mode = output.mode;
  if (window.kind === 'sliding' && !eventTime && mode === 'append') {
    throw new ConfigError(`--output-mode append: ${output.label} over processing time is recomputed every slide and never final; add --event-time, or use --output-mode complete or update`);
  }
  if (window.kind === 'session' && mode === 'complete') {
    throw new ConfigError(`--output-mode complete is not supported for session windows; use append (each session once, when it ends) or update`);
  }
  if (window.kind === 'calendar' && mode !== undefined && mode !== 'append') {
    throw new ConfigError(`--output-mode ${mode} is not supported for windows aligned to --timezone; use append`);
  }
  if (output.allowedLatenessMs && !eventTime) throw new ConfigError('--allowed-lateness needs --event-time');
}

/**
 * The plan's options of a stateful operator (`label` unless the options name one).
 * @throws ConfigError after a window, or for max keys that is not a positive integer.
 */
export function stateOptionsOf(options: StatefulOptions, label: string, windowed: boolean, eventTime: boolean): StateOptions {
  if (windowed) throw new ConfigError(`${options.label ?? label} cannot follow a window: keep state before windowing`);
  const timeout = options.stateTimeoutMs !== undefined ? { ms: options.stateTimeoutMs, eventTime } : undefined;
  if (options.maxKeys !== undefined && !(Number.isInteger(options.maxKeys) && options.maxKeys > 0)) {
    throw new ConfigError(`max keys must be a positive integer, got ${options.maxKeys}`);
  }
  return { mode: options.outputMode, timeout, maxKeys: options.maxKeys, label: options.label ?? label, initialState: options.initialState };
}
