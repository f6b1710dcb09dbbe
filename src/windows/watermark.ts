/**
 * The event-time watermark: max event time seen − allowed delay, as Flink's
 * `BoundedOutOfOrdernessWatermarks` and Structured Streaming's
 * `withWatermark`. It only moves forward, is advanced once per batch (after
 * the batch's records), and jumps to +∞ at end of input so every open window
 * is emitted.
 */
import type { TimeZone } from '../core/time-zone.js';
import { checkStateFields } from '../core/errors.js';
import type { BatchInfo, Millis } from '../core/types.js';

/**
 * Event time kept per input partition (a Kafka source): the event-time step
 * reports each record's time (`observe`, for the record being pushed), and the
 * watermark follows `maxEventTimeMs()` — the smallest of the partitions' largest
 * event times, idle partitions left out (Flink's per-split watermarks) — so a
 * partition read ahead of another never makes the other's records late.
 */
export interface PartitionClock {
  observe(ms: Millis): void;
  maxEventTimeMs(): Millis;
}

/** Tracks max event time and the watermark of one event-time stream. Plain data. */
export class WatermarkTracker {
  /** Largest event time seen so far (epoch ms), −∞ before the first record. */
  maxEventTimeMs: Millis = -Infinity;
  /** Current watermark (epoch ms). */
  watermarkMs: Millis = -Infinity;
  private lastBatch = -1;
  /** Set when the stream's event time is kept per partition (see `PartitionClock`). */
  partitions?: PartitionClock;

  /**
   * @param delayMs the watermark delay (`--watermark`), ms, ≥ 0.
   * @param zone the zone of this stream's event time (`--timezone`): zone-less
   *   times are wall time there and windows of 1h or more follow local time.
   */
  constructor(readonly delayMs: Millis, readonly zone?: TimeZone) {}

  /** Plain-data copy. */
  snapshot(): unknown {
    return { max: this.maxEventTimeMs, watermark: this.watermarkMs, lastBatch: this.lastBatch };
  }
  /** Takes back a `snapshot()`. */
  restore(data: unknown): void {
    const d = checkStateFields(data, ['max', 'watermark', 'lastBatch'], 'a watermark') as { max: number; watermark: number; lastBatch: number };
    this.maxEventTimeMs = d.max;
    this.watermarkMs = d.watermark;
    this.lastBatch = d.lastBatch;
  }

  /**
   * The watermark for the end of `batch`: advanced at most once per batch
   * index; +∞ on the final batch.
   */
  advance(batch: BatchInfo): Millis {
    if (batch.index !== this.lastBatch) {
      this.lastBatch = batch.index;
      const max = this.partitions ? Math.min(this.partitions.maxEventTimeMs(), this.maxEventTimeMs) : this.maxEventTimeMs;
      this.watermarkMs = Math.max(this.watermarkMs, max - this.delayMs);
    }
    // End of input: +∞ for this batch only, so a checkpoint keeps the real watermark.
    return batch.final ? Infinity : this.watermarkMs;
  }
}
