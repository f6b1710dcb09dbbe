/**
 * Closing event-time windows: which windows close at a watermark, and which
 * records are late. Window *assignment* (which windows hold an instant) lives
 * in `spec.ts` and `TimeZone.window`; this module only says *when* (as Flink's
 * `WindowAssigner` and `Trigger` are apart).
 *
 * The rule, for every user (local windows `windowed-node.ts`, calendar windows
 * `calendar-node.ts`, session windows `session-node.ts`, `--workers` and
 * distributed stage 1 through `engine/map-side-combine.ts`, distributed stage 2
 * `distributed/pane-table.ts`):
 *
 * - A window `[start, end)` closes when `end + allowedLateness ≤ watermark`
 *   (all ms). With allowed lateness 0, the window `[0, 10)` closes at
 *   watermark 10, not at 9; with allowed lateness 5, at 15, not at 14. A
 *   watermark of +∞ (end of input) closes every window.
 * - Windows close in order of their end. The end of the last closed window is
 *   kept (`lastClosedEndMs`, −∞ before any): a record with event time before
 *   it is late — dropped, counted (`IssueLog.late`) and reported, never
 *   silently.
 * - A pane `[p·pane, (p+1)·pane)` is still needed while the last window
 *   holding it has not closed.
 *
 * What each user counts as "the last closed window" is its own: a local node
 * counts the windows it output (and the empty ones the watermark passed while
 * it walked the grid); stage 1 decides per record, counting every window of
 * the grid that the running maximum event time lets close, so its answer does
 * not depend on batch cuts; session windows, whose ends are not on a grid,
 * take the previous watermark − allowed lateness: every session that could
 * end at or before it has closed.
 */
import type { IssueLog } from '../core/issues.js';
import type { Millis } from '../core/types.js';
import { lastWindowEndAtOrBefore } from './spec.js';

/** The grid of windows `[k·slide, k·slide + length)` (ms), as in `WindowSpec`. */
export interface WindowGrid {
  readonly lengthMs: Millis;
  readonly slideMs: Millis;
}

/**
 * True when the window ending at `windowEndMs` closes at `watermarkMs`:
 * `windowEnd + allowedLateness ≤ watermark` (all ms; ±∞ allowed).
 */
export function windowCloses(windowEndMs: Millis, watermarkMs: Millis, allowedLatenessMs: Millis): boolean {
  return windowEndMs + allowedLatenessMs <= watermarkMs;
}

/**
 * End (ms) of the last window of `grid` that closes at `watermarkMs`: the
 * largest `k·slide + length` with `k·slide + length + allowedLateness ≤
 * watermark`. −∞ for a watermark of −∞.
 */
export function lastClosingWindowEndMs(grid: WindowGrid, watermarkMs: Millis, allowedLatenessMs: Millis): Millis {
  return lastWindowEndAtOrBefore(watermarkMs - allowedLatenessMs, grid.lengthMs, grid.slideMs);
}

/**
 * True while some window of `grid` holding the instant `paneStartMs` (a pane
 * start: a multiple of the pane width) has not closed, i.e. the last such
 * window ends after `lastClosedEndMs` (itself a window end of the grid).
 */
export function paneStillNeeded(grid: WindowGrid, paneStartMs: Millis, lastClosedEndMs: Millis): boolean {
  return paneStartMs >= lastClosedEndMs + grid.slideMs - grid.lengthMs;
}

/** Where late records are reported: the issue log and the operator's label (e.g. `--count --window`). */
export interface LateReport {
  issues: IssueLog;
  label: string;
}

/**
 * The closing state of one windowed operator: allowed lateness and the end of
 * the last closed window. Plain data (`lastClosedEndMs` is what a checkpoint keeps).
 */
export class WindowClosing {
  /** End (epoch ms) of the last closed window; records before it are late. −∞ before any. */
  lastClosedEndMs: Millis = -Infinity;

  /**
   * @param allowedLatenessMs how long (ms, ≥ 0) after the watermark passes its end a window stays open.
   * @param report where late records are counted; without it `dropLate` only answers.
   */
  constructor(readonly allowedLatenessMs: Millis = 0, private readonly report?: LateReport) {}

  /** True when the window ending at `windowEndMs` closes at `watermarkMs` (see `windowCloses`). */
  closes(windowEndMs: Millis, watermarkMs: Millis): boolean {
    return windowCloses(windowEndMs, watermarkMs, this.allowedLatenessMs);
  }

  /** Records that the window ending at `windowEndMs` has closed (the last closed end only moves forward). */
  closed(windowEndMs: Millis): void {
    if (windowEndMs > this.lastClosedEndMs) this.lastClosedEndMs = windowEndMs;
  }

  /** True when a record with event time `tMs` is late: before the end of the last closed window. */
  isLate(tMs: Millis): boolean {
    return tMs < this.lastClosedEndMs;
  }

  /**
   * For a record `value` with event time `tMs`: true when it is late, and then
   * it is counted and reported (`IssueLog.late`); the caller drops it.
   */
  dropLate(value: unknown, tMs: Millis): boolean {
    if (!(tMs < this.lastClosedEndMs)) return false;
    this.report?.issues.late(this.report.label, value, tMs, this.lastClosedEndMs);
    return true;
  }
}
