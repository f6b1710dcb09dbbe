/**
 * `--workers auto` on a busy machine: whether the threads get a second core at all.
 *
 * Linux shares the CPU between sessions (autogroups) before threads: when other sessions keep
 * every core busy, a job gets its session's share whether it runs one thread or two, and two
 * threads then cost their overhead (about 1.25× one thread's CPU time on the top-hashtags job)
 * for no gain. Measured here with two busy loops in other sessions (`setsid`): `--workers auto`
 * took 1.3× the wall time of `--workers 1`; with the same loops in dstream's own session, 0.88×.
 *
 * So the main thread measures the CPU time of the whole process (every thread) against wall time
 * over one window early in the read: below `MIN_CORES` cores, the worker threads are asked to give
 * the rest of their segments up (engine/segments.ts `requestYield`) and the main thread reads it.
 * Only how the file is shared out depends on this, never the output: the parts are merged in file
 * order whoever read them.
 */
import type { SegmentTable } from './segments.js';

/** Below this many cores used (CPU time ÷ wall time), the threads are not worth their overhead. */
export const MIN_CORES = 1.3;
/** The window starts this long after the threads were launched (a thread takes ~100 ms to start), ms. */
export const WATCH_FROM_MS = 250;
/** Length of the window, ms. */
export const WATCH_MS = 250;

/** What the watch reads: the process's CPU time (every thread, ms) and the wall clock (ms). */
export interface CoreClocks {
  cpuMs(): number;
  nowMs(): number;
}

/** Decides once, from the main thread's slices, whether the worker threads yield (see module doc). */
export class SecondCoreWatch {
  private readonly launchedMs: number;
  private from: { wallMs: number; cpuMs: number } | undefined;
  private decided = false;

  /** @param atOnce crash tests: yield at the first check, whatever the machine (`DSTREAM_FAULT=workers-yield`). */
  constructor(private readonly table: SegmentTable, private readonly clocks: CoreClocks, private readonly atOnce = false) {
    this.launchedMs = clocks.nowMs();
  }

  /**
   * Called between the main thread's slices of reading.
   * @returns true once it has asked the threads to yield.
   */
  check(): boolean {
    if (this.decided) return false;
    const wallMs = this.clocks.nowMs();
    if (this.atOnce) return this.yieldNow();
    if (wallMs - this.launchedMs < WATCH_FROM_MS) return false;
    const cpuMs = this.clocks.cpuMs();
    if (!this.from) {
      this.from = { wallMs, cpuMs };
      return false;
    }
    if (wallMs - this.from.wallMs < WATCH_MS) return false;
    this.decided = true;
    return (cpuMs - this.from.cpuMs) / (wallMs - this.from.wallMs) < MIN_CORES ? this.yieldNow() : false;
  }

  private yieldNow(): boolean {
    this.decided = true;
    this.table.requestYield();
    return true;
  }
}
