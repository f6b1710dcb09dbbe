/**
 * The types of a Kafka job's stage 1 (units.ts `InputUnit`, one class for
 * windowed, stateless and `--update-state-by-key` jobs): its state record in
 * the changelog, and what a computed batch gives the unit to adopt once its
 * transaction committed.
 */
import type { Issue } from '../../core/issues.js';

export type { UnitContext } from '../job-context.js'; // the settings every unit shares, on both backends

/** A message to write in a step's transaction. */
export interface OutMessage {
  topic: string;
  partition: number;
  key: string | null;
  value: string;
}

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
