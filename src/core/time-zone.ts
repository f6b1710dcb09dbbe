/**
 * Local time for event-time windows (`--timezone ZONE`, an IANA name).
 *
 * Offsets come from the platform's time-zone data through `Intl` (cached per
 * 15 minutes of UTC time: transitions fall on whole quarter hours). A window of
 * length L (dividing a day) in a zone starts where the local wall clock is a
 * multiple of L after local midnight, so daily windows run from local midnight
 * to local midnight (23 or 25 hours across DST changes) and hourly windows
 * follow the local hours: the repeated fall-back hour is two windows, the
 * skipped spring-forward hour none.
 */
import { ConfigError } from './errors.js';
import type { Millis } from './types.js';

const QUARTER = 15 * 60_000;

/** The UTC offset (ms, wall − UTC) of an IANA zone at an instant. */
export class TimeZone {
  private readonly fmt: Intl.DateTimeFormat;
  private readonly cache = new Map<number, number>();

  /** @throws ConfigError for an unknown zone name. */
  constructor(readonly name: string) {
    try {
      this.fmt = new Intl.DateTimeFormat('en-US', {
        timeZone: name, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
      });
    } catch {
      throw new ConfigError(`--timezone: '${name}' is not an IANA time zone name (e.g. UTC, Europe/Berlin, America/New_York)`);
    }
  }

  /** Offset (ms) at instant `t`. */
  offsetAt(t: Millis): Millis {
    const bucket = Math.floor(t / QUARTER);
    const hit = this.cache.get(bucket);
    if (hit !== undefined) return hit;
    const at = bucket * QUARTER;
    const p: Record<string, number> = {};
    for (const part of this.fmt.formatToParts(new Date(at))) if (part.type !== 'literal') p[part.type] = Number(part.value);
    const wall = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
    const off = wall - at;
    if (this.cache.size > 100_000) this.cache.clear();
    this.cache.set(bucket, off);
    return off;
  }

  /** The instant at which the local wall clock shows `wall` (ms of a UTC-coded wall time); in a gap, the instant just after it. */
  fromWall(wall: Millis, hintOffset = this.offsetAt(wall)): Millis {
    const a = wall - hintOffset;
    const offA = this.offsetAt(a);
    if (offA === hintOffset) return a;
    const b = wall - offA;
    return this.offsetAt(b) === offA ? b : Math.max(a, b);
  }

  /** Start (instant) of the local window of length `lengthMs` containing `t`. */
  windowStart(t: Millis, lengthMs: Millis): Millis {
    const off = this.offsetAt(t);
    const wallStart = Math.floor((t + off) / lengthMs) * lengthMs;
    return this.fromWall(wallStart, off);
  }

  /** `[start, end)` (instants) of the local window of length `lengthMs` containing `t`. */
  window(t: Millis, lengthMs: Millis): [Millis, Millis] {
    const start = this.windowStart(t, lengthMs);
    const e1 = start + lengthMs;
    const w = this.windowStart(e1, lengthMs);
    if (w > start) return [start, w];
    // A longer local day (fall-back): the window ends at the next wall-clock boundary.
    const wallNext = Math.floor((start + this.offsetAt(start)) / lengthMs) * lengthMs + lengthMs;
    return [start, this.fromWall(wallNext, this.offsetAt(e1))];
  }
}
