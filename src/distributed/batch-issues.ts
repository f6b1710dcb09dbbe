/**
 * The issues of one stage-1 batch, the same on every log: an input
 * partition's operators report late and bad records as they run; the unit
 * keeps them until its batch is committed (a refused batch reports nothing),
 * and notes how far the farthest late record was behind the running maximum
 * event time, for the warning a worker gives once when more than 1 % of a
 * batch's records were late (with the `--watermark` that would have kept
 * them). Used by redis/stage1.ts and kafka/input-partition.ts.
 */
import { formatDuration } from '../core/duration.js';
import type { Issue, IssueLog } from '../core/issues.js';
import type { Millis } from '../core/types.js';

/** Share of a batch's records late above which a worker warns (once). */
const LATE_WARN_FRACTION = 0.01;

/** The issues of the running batch of one input partition (see module doc). */
export class BatchIssues {
  /** Issues of the running batch, in order, to report once it is committed. */
  pending: Issue[] = [];
  /** Farthest (ms) a late record of the running batch was behind the running maximum event time. */
  private behindMs = 0;

  /**
   * @param issues the operators' issue log.
   * @param maxEventTimeMs the running maximum event time (ms) when an issue is reported.
   * @param onWarning where the operators' warnings go (the line and the operator it names).
   */
  constructor(issues: IssueLog, maxEventTimeMs: () => Millis, onWarning?: (message: string, where: string) => void) {
    issues.listen((i) => {
      this.pending.push(i);
      if (i.kind === 'late' && i.eventTimeMs !== undefined) this.behindMs = Math.max(this.behindMs, maxEventTimeMs() - i.eventTimeMs);
    });
    if (onWarning) issues.onWarning(onWarning);
  }

  /** Starts a batch: forgets the issues of a batch that was not committed. */
  begin(): void {
    this.pending = [];
    this.behindMs = 0;
  }

  /**
   * More than 1 % of the batch's `lines` records late: the warning line for input partition
   * `partition`, with the `--watermark` that would have kept them: the farthest a late record was
   * behind the running maximum that made it late, rounded up to a second (with a watermark delay that
   * long, every window such a record belongs to is still open when it arrives). Else null.
   * @param watermarkDelayMs the job's `--watermark`.
   */
  lateWarning(partition: number, lines: number, watermarkDelayMs: Millis): string | null {
    const late = this.pending.filter((i) => i.kind === 'late').length;
    if (lines === 0 || late <= lines * LATE_WARN_FRACTION) return null;
    const needMs = Math.max(1000, Math.ceil((this.behindMs + 1) / 1000) * 1000);
    const pct = ((100 * late) / lines).toFixed(1);
    const now = watermarkDelayMs === 0 ? '0' : formatDuration(watermarkDelayMs);
    return `input partition ${partition}: ${late} of ${lines} records of a batch were late (${pct} %, dropped) with --watermark ${now}, `
      + `where they were at most ${formatDuration(needMs)} behind the newest record of their partition; --watermark ${formatDuration(needMs)} would have kept them`;
  }
}
