/**
 * What the stage-1 units of a stateless job (stateless-unit.ts) and of an
 * `--update-state-by-key` job (state-unit.ts) share: one input partition's
 * read position, its state record for the changelog, and the adoption of a
 * committed batch.
 */
import type { Issue, IssueLog } from '../../core/issues.js';
import type { LineCollector } from '../rows.js';
import type { LogRecord } from './log.js';
import type { Stage1Record, UnitContext } from './units.js';

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
  protected pending: Issue[] = [];

  /** @param end the end offset of a `--once` job; +∞ otherwise. */
  constructor(protected readonly ctx: UnitContext, readonly partition: number, committed: number, state: Stage1Record | undefined, readonly end: number) {
    this.pos = committed;
    this.state = state ?? { max: null, eof: false, lines: 0, late: 0 };
  }

  /** Collects the issues of the operators' `issues` for the running batch; their warnings go to the context. */
  protected listen(issues: IssueLog): void {
    issues.listen((i) => this.pending.push(i));
    if (this.ctx.onWarning) issues.onWarning(this.ctx.onWarning);
  }

  /**
   * Starts a batch of `c` where the partition's state is (its lines so far, its running maximum event
   * time) and runs `records` through it, one record one line (as --kafka reads them).
   * @returns the lines run.
   */
  protected runLines(c: LineCollector, records: LogRecord[]): number {
    this.pending = [];
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

  /** Adopts a committed batch: its issues are reported. */
  commit(after: Stage1Batch): void {
    this.pos = after.pos;
    this.state = after.state;
    for (const i of after.issues) this.ctx.onIssue(i);
  }
}
