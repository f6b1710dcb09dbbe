/**
 * What every unit of a distributed worker shares: the connection, the
 * worker's id, the job's settings and the hooks for logs and issues.
 */
import type { Millis } from '../core/types.js';
import type { Issue, IssueLog } from '../core/issues.js';
import type { MapSideOptions } from '../engine/map-side-combine.js';
import type { KeyedReducer } from '../operators/keyed-map.js';
import type { WindowSpec } from '../windows/spec.js';
import type { JobLog, JobLogWrite, LogBackend, UnitCommit } from './log-backend.js';
import type { CommitResult } from './backend.js';

/** What a state job's stages need (JobContext.updateState). */
export interface UpdateStateSettings {
  fn: (values: unknown[], state: unknown, batchTimeMs: number) => unknown;
  /** `--update-state-by-key '…'`, as issues name it. */
  label: string;
  /** Where a throwing `fn` is reported (`--on-error`). */
  issues: IssueLog;
  /** Lines of the topic per batch (`--max-records-per-batch`); +∞: the whole input is one batch. */
  batchLines: number;
  batchIntervalMs: number;
  /** Live input (a Kafka job created without `--once`): each closed batch outputs the keys it changed, not the table once at the end. */
  live?: boolean;
}

/** Shared by the units of one worker. Durations in ms. */
export interface JobContext {
  /** The topic: input partitions, retention. */
  backend: LogBackend;
  /** The job: assignment, state, commits. */
  log: JobLog;
  /** This worker's id (`host:pid:random`). */
  worker: string;
  inputPartitions: number;
  keyPartitions: number;
  /** Output stream name (`--to`). */
  output: string;
  /** A stateless pipeline: stage 1 writes the records of `combiner.prefix` as output rows; no stage 2 (`keyPartitions` 0). */
  stateless?: boolean;
  /** `--update-state-by-key` per key partition (state-stage.ts); `combiner.prefix` is stage 1's operators. */
  updateState?: UpdateStateSettings;
  /** How to build stage 1's map-side combiner (lateness floor added per unit). */
  combiner: MapSideOptions;
  /** A fresh reducer for stage 2 (combine, key codec, output). */
  mergeReducer: () => KeyedReducer;
  spec: WindowSpec;
  /** `--top N` after the window: each key partition outputs its N best rows of a window; undefined: all rows. */
  top?: number;
  watermarkDelayMs: Millis;
  allowedLatenessMs: Millis;
  /** Input entries per stage-1 batch at most. */
  batchEntries: number;
  /** Processing time without input after which a partition is declared idle; null: never (`--idle-timeout off`). */
  idleTimeoutMs: number | null;
  leaseMs: Millis;
  /** Processing time (ms): injectable for tests. */
  now: () => Millis;
  /** One line on stderr. */
  say: (line: string) => void;
  /** Issues of committed batches (late and skipped records), for the reporter. */
  onIssue: (issue: Issue) => void;
  /** Warnings of the stateless operators (`IssueLog.onWarning`): the line and the operator it names. */
  onWarning?: (message: string, where: string) => void;
  /**
   * Called with the issue log of each unit's operators when the unit is made: at its end the worker
   * asks them whether any record got through each operator (`IssueLog.blocked`, as a local run does).
   */
  onOperators?: (issues: IssueLog) => void;
  /** Called before each stage-1 commit with its 1-based number in this process (fault injection). */
  beforeCommit?: (n: number) => void;
}

/** A unit's computed step, on every log: what the log commits (`StepLog.commit`), and what the unit does once it is in. */
export interface PreparedStep<W = JobLogWrite> {
  commit: UnitCommit<W>;
  /** The step is committed: the unit's committed state moves on, its issues and lines are said. */
  adopt(): Promise<void> | void;
}

/** Thrown inside a unit's step when its commit was refused: the unit was taken over. */
export class FencedError extends Error {
  constructor(readonly unit: string, readonly epoch: number) {
    super(`${unit}: fenced at epoch ${epoch}`);
    this.name = 'FencedError';
  }
}

/**
 * The outcome of a unit's commit: true when it is in; false after 'stale' (the state moved on, a
 * replay of a committed step: the unit has reloaded it with `open`).
 * @throws FencedError when the unit was taken over ('fenced').
 */
export async function committed(r: CommitResult, unit: { unit: string; epoch: number; open(): Promise<void> }): Promise<boolean> {
  if (r === 'fenced') throw new FencedError(unit.unit, unit.epoch);
  if (r === 'stale') {
    await unit.open();
    return false;
  }
  return true;
}
