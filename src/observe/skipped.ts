/**
 * Skipped records that are not input records: a `--flat-map` makes records from each one, and a later
 * operator that skips some counts records of its own, so a batch of 2 lines may skip 3 records.
 * `--stats` says how many of them a `--flat-map` made ("3 skipped (2 of them made by --flat-map)").
 */
import type { IssueLog } from '../core/issues.js';

/**
 * Records skipped so far by the operators after the first `--flat-map` of the pipeline (`IssueLog.byOperator`
 * of the operators `trackOperator` was told of after it, in pipeline order). An aggregation after it that
 * skips a record (not a pair) is not among them: the count is a lower bound.
 */
export function skippedAfterFlatMap(issues: IssueLog): number {
  let after = false;
  let n = 0;
  const seen = new Set<string>();
  for (const t of issues.passedCounts()) {
    if (after && !seen.has(t.where)) n += issues.byOperator.get(t.where) ?? 0;
    seen.add(t.where);
    if (t.where.startsWith('--flat-map')) after = true;
  }
  return n;
}
