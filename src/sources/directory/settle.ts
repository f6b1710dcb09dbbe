/**
 * When is a file in a watched directory complete? (`--settle`, default 1 s.)
 *
 * Spark's textFileStream takes a file as soon as it appears and so reads
 * half-copied files; here a file is taken only when one of these holds:
 * - `renamed`: its inode change time is after its modification time — the
 *   last thing that happened to it was a rename (or link, chmod, `cp -p`
 *   restoring times), not a write: it was moved in complete. Writes set both
 *   times to the same instant. Not applied to empty files (a writer may have
 *   created it and not written yet).
 * - `quiet`: nothing has changed in the inode for `settleMs`, by its own
 *   change time (`now − ctime ≥ settleMs`; `now` from the injected clock, so
 *   with a `ManualClock` far from the real time this never holds).
 * - `unchanged`: size, mtime, ctime and inode observed identical for
 *   `settleMs` of the clock (`observe` called again after that long).
 *
 * Pure bookkeeping with an injectable clock: the caller stats and calls
 * `observe`; the tracker says whether the file is settled or when to look again.
 */
import type { Clock } from '../../core/clock.js';
import type { Millis } from '../../core/types.js';

/** Default `--settle`: 1 s. */
export const DEFAULT_SETTLE_MS = 1000;

/** The stat fields the settle rule looks at. Times in epoch ms. */
export interface SettleStat {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  dev: number;
  ino: number;
}

/** Why a file counts as complete (see module doc). */
export type SettleReason = 'renamed' | 'quiet' | 'unchanged';

/** Verdict of one observation: settled now, or look again at `checkAtMs`. */
export type SettleVerdict = { settled: true; reason: SettleReason } | { settled: false; checkAtMs: Millis };

function sameStat(a: SettleStat, b: SettleStat): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs && a.ino === b.ino && a.dev === b.dev;
}

/** Settle bookkeeping for many paths (see module doc). */
export class SettleTracker {
  private readonly seen = new Map<string, { stat: SettleStat; sinceMs: Millis }>();

  /**
   * @param settleMs how long a file must stay unchanged (ms, ≥ 0).
   * @param clock processing-time clock (a `ManualClock` in tests).
   */
  constructor(readonly settleMs: Millis, private readonly clock: Clock) {}

  /** Paths observed and not yet settled or forgotten. */
  get pending(): number {
    return this.seen.size;
  }

  /** Records a fresh stat of `path` and judges it. A settled path is forgotten. */
  observe(path: string, stat: SettleStat): SettleVerdict {
    const now = this.clock.now();
    let reason: SettleReason | null = null;
    if (stat.size > 0 && stat.ctimeMs > stat.mtimeMs) reason = 'renamed';
    else if (now - stat.ctimeMs >= this.settleMs) reason = 'quiet';
    const prev = this.seen.get(path);
    if (!reason && prev && sameStat(prev.stat, stat) && now - prev.sinceMs >= this.settleMs) reason = 'unchanged';
    if (reason) {
      this.seen.delete(path);
      return { settled: true, reason };
    }
    if (prev && sameStat(prev.stat, stat)) return { settled: false, checkAtMs: prev.sinceMs + this.settleMs };
    this.seen.set(path, { stat, sinceMs: now });
    return { settled: false, checkAtMs: now + this.settleMs };
  }

  /** Stops tracking `path` (deleted, or taken). */
  forget(path: string): void {
    this.seen.delete(path);
  }
}
