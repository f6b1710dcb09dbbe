/**
 * What the stage-1 units of a windowed job (units.ts), a stateless job
 * (stateless-unit.ts) and an `--update-state-by-key` job (state-unit.ts)
 * share: one input partition's read position, its state record for the
 * changelog, the issues of its running batch (batch-issues.ts, as on Redis)
 * and the adoption of a committed batch. The computation itself is
 * `InputRun` (input-run.ts), the same as a Redis input partition's.
 */
import type { Issue, IssueLog } from '../../core/issues.js';
import { BatchIssues } from '../batch-issues.js';
import type { LineCollector } from '../rows.js';
import type { LogRecord } from './log.js';
import type { JobContext } from '../job-context.js';

/** The settings the units need (a subset of the Redis worker's context). */
export type UnitContext = Pick<JobContext, 'combiner' | 'mergeReducer' | 'spec' | 'top' | 'watermarkDelayMs' | 'allowedLatenessMs' | 'inputPartitions' | 'keyPartitions' | 'say' | 'onIssue' | 'onWarning' | 'onOperators' | 'updateState'>;

/** Stage 1's record in the changelog. */
export interface Stage1Record {
  /** The input offset this state goes with (the next to read); absent in records of older versions. */
  pos?: number;
  max: number | null;
  eof: boolean;
  /** Declared idle (`--idle-timeout`): key partitions leave it out of the minimum watermark until it has input again. */
  idle?: boolean;
  lines: number;
  late: number;
}

/** What `compute` yields and `commit` adopts. */
export interface Stage1Batch {
  pos: number;
  state: Stage1Record;
  issues: Issue[];
  warning: string | null;
}

/** One input partition (stage 1). */
export abstract class InputPartition {
  /** Next offset to read. */
  pos: number;
  state: Stage1Record;
  /** Issues of the running batch, reported once it is committed. */
  protected batch!: BatchIssues;

  /** @param end the end offset of a `--once` job; +∞ otherwise. */
  constructor(protected readonly ctx: UnitContext, readonly partition: number, committed: number, state: Stage1Record | undefined, readonly end: number) {
    this.pos = committed;
    this.state = state ?? { max: null, eof: false, lines: 0, late: 0 };
  }

  /** Collects the issues of the operators' `issues` for the running batch; their warnings go to the context. */
  protected listen(issues: IssueLog): void {
    this.batch = new BatchIssues(issues, () => -Infinity, this.ctx.onWarning);
    this.ctx.onOperators?.(issues);
  }

  /** Issues of the running batch. */
  protected get pending(): Issue[] {
    return this.batch.pending;
  }

  /**
   * Starts a batch of `c` where the partition's state is (its lines so far, its running maximum event
   * time) and runs `records` through it, one record one line (as --kafka reads them).
   * @returns the lines run.
   */
  protected runLines(c: LineCollector, records: LogRecord[]): number {
    this.batch.begin();
    c.begin(this.state.lines, this.state.max ?? -Infinity);
    let lines = 0;
    for (const r of records) {
      if (r.value === null) continue;
      c.line(r.value);
      lines++;
    }
    return lines;
  }

  /** True when records up to the end (a `--once` job) are read and the end is written. */
  get done(): boolean {
    return this.state.eof;
  }

  /** True when the end must be written now (read up to it, not yet written). */
  get endDue(): boolean {
    return !this.state.eof && this.pos >= this.end;
  }

  /** Adopts a committed batch: its issues are reported, and too many late records said (once per worker: the context's rule). */
  commit(after: Stage1Batch): void {
    this.pos = after.pos;
    this.state = after.state;
    if (after.warning) this.ctx.onWarning?.(after.warning, 'late-fraction');
    for (const i of after.issues) this.ctx.onIssue(i);
  }
}
