/**
 * Clocks. The engine never reads `Date.now()` or calls `setTimeout` itself: it
 * asks a `Clock`, so tests drive batches with a `ManualClock` (as Spark's
 * `ManualClock` in its streaming tests) and never sleep.
 */
import type { Millis } from './types.js';

/** A source of processing time and timers. */
export interface Clock {
  /** Current processing time, epoch ms. */
  now(): Millis;
  /** Calls `fn` once when `now() >= atMs`. Returns a cancel function. */
  schedule(atMs: Millis, fn: () => void): () => void;
}

/** The real clock: `Date.now()` and `setTimeout`. */
export class SystemClock implements Clock {
  now(): Millis {
    return Date.now();
  }
  schedule(atMs: Millis, fn: () => void): () => void {
    // setTimeout takes at most 2^31 − 1 ms (~24.8 days); longer waits are chained.
    const MAX = 2_147_483_647;
    let handle: NodeJS.Timeout;
    const arm = () => {
      const wait = atMs - Date.now();
      handle = wait > MAX ? setTimeout(arm, MAX) : setTimeout(fn, Math.max(0, wait));
    };
    arm();
    return () => clearTimeout(handle!);
  }
}

/**
 * A clock that moves only when told to. `advance(ms)` / `setTime(ms)` fire the
 * due timers synchronously, in time order.
 */
export class ManualClock implements Clock {
  private time: Millis;
  private timers: { at: Millis; fn: () => void; id: number }[] = [];
  private nextId = 0;
  constructor(startMs: Millis = 0) {
    this.time = startMs;
  }
  now(): Millis {
    return this.time;
  }
  schedule(atMs: Millis, fn: () => void): () => void {
    const id = this.nextId++;
    this.timers.push({ at: atMs, fn, id });
    return () => {
      this.timers = this.timers.filter((t) => t.id !== id);
    };
  }
  /** Moves time forward by `ms`, firing every timer that becomes due, in order. */
  advance(ms: Millis): void {
    this.setTime(this.time + ms);
  }
  /** Moves time to `targetMs` (never backwards), firing due timers in order. */
  setTime(targetMs: Millis): void {
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at || a.id - b.id);
      const next = this.timers[0];
      if (!next || next.at > targetMs) break;
      this.timers.shift();
      this.time = Math.max(this.time, next.at);
      next.fn();
    }
    this.time = Math.max(this.time, targetMs);
  }
}
