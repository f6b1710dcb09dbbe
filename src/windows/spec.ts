/**
 * Window specifications: window length and slide interval, and the pane width
 * that sliding windows are computed from.
 *
 * Windows are aligned to the epoch: `[k·slide, k·slide + length)` (Structured
 * Streaming's `window()`), for event time and processing time alike. A pane is
 * the slice of time `[p·paneMs, (p+1)·paneMs)` with `paneMs = gcd(length, slide)`,
 * so every window is a whole number of panes and every record lies in exactly
 * one pane ("No pane, no gain", Li et al., SIGMOD Record 2005).
 */
import { ConfigError } from '../core/errors.js';
import { formatDuration } from '../core/duration.js';
import type { Millis } from '../core/types.js';

/** A validated window. All fields in milliseconds. */
export interface WindowSpec {
  readonly lengthMs: Millis;
  readonly slideMs: Millis;
  readonly paneMs: Millis;
  /** True: windows over event time; false: over batch (processing) time. */
  readonly eventTime: boolean;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

function multiplesHint(value: Millis, unit: Millis): string {
  const lo = Math.floor(value / unit) * unit;
  const hi = lo + unit;
  return lo > 0 ? `${formatDuration(lo)} or ${formatDuration(hi)}` : formatDuration(hi);
}

/**
 * Builds and validates a window.
 * @param lengthMs window length (ms), > 0.
 * @param slideMs slide interval (ms); default: the batch interval in processing
 *   time (Spark's default), the window length in event time (tumbling).
 * @param batchIntervalMs the batch interval (ms).
 * A slide longer than the length is accepted (a sampling window, as in Spark
 * and Flink): records between two windows are in none.
 * @throws ConfigError when a processing-time length or slide is not a multiple
 *   of the batch interval; the message names the values and a valid alternative.
 */
export function windowSpec(lengthMs: Millis, slideMs: Millis | undefined, batchIntervalMs: Millis, eventTime: boolean): WindowSpec {
  const slide = slideMs ?? (eventTime ? lengthMs : batchIntervalMs);
  if (!(lengthMs > 0) || !Number.isInteger(lengthMs)) throw new ConfigError(`window length must be a positive whole number of ms, got ${lengthMs}`);
  if (!(slide > 0) || !Number.isInteger(slide)) throw new ConfigError(`slide interval must be a positive whole number of ms, got ${slide}`);
  if (!eventTime) {
    if (lengthMs % batchIntervalMs !== 0) {
      throw new ConfigError(`window length ${formatDuration(lengthMs)} is not a multiple of the batch interval ${formatDuration(batchIntervalMs)}; use ${multiplesHint(lengthMs, batchIntervalMs)}`);
    }
    if (slide % batchIntervalMs !== 0) {
      throw new ConfigError(`slide interval ${formatDuration(slide)} is not a multiple of the batch interval ${formatDuration(batchIntervalMs)}; use ${multiplesHint(slide, batchIntervalMs)}`);
    }
  }
  return { lengthMs, slideMs: slide, paneMs: gcd(lengthMs, slide), eventTime };
}

/** End (ms) of the earliest window that contains instant `tMs`. */
export function firstWindowEndContaining(spec: Pick<WindowSpec, 'lengthMs' | 'slideMs'>, tMs: Millis): Millis {
  const start = (Math.floor((tMs - spec.lengthMs) / spec.slideMs) + 1) * spec.slideMs;
  return start + spec.lengthMs;
}

/** End (ms) of the last window `[k·slide, k·slide + length)` with end ≤ `tMs` (−∞ for −∞). */
export function lastWindowEndAtOrBefore(tMs: Millis, lengthMs: Millis, slideMs: Millis): Millis {
  return Math.floor((tMs - lengthMs) / slideMs) * slideMs + lengthMs;
}

/**
 * Window assignment: the starts (ms, ascending) of every window
 * `[k·slide, k·slide + length)` that contains instant `tMs` — ⌈length / slide⌉
 * or ⌊length / slide⌋ of them, none when a slide longer than the length leaves
 * `tMs` between two windows. E.g. length 10, slide 5: t = 0 → [−5, 0];
 * t = 9 → [0, 5]; t = 10 → [5, 10].
 */
export function windowStartsContaining(spec: Pick<WindowSpec, 'lengthMs' | 'slideMs'>, tMs: Millis): Millis[] {
  const starts: Millis[] = [];
  for (let s = firstWindowEndContaining(spec, tMs) - spec.lengthMs; s <= tMs; s += spec.slideMs) starts.push(s);
  return starts;
}
