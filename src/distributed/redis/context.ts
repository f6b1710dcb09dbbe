/**
 * What every unit of a Redis worker shares: the units' settings (UnitContext),
 * the connection, the job's log, the worker's id and its timing.
 */
import type { Millis } from '../../core/types.js';
import type { CommitResult } from '../backend.js';
import type { PreparedStep, UnitContext } from '../job-context.js';
import type { LogBackend } from '../log-backend.js';
import type { JobLog, JobLogWrite } from './job-log.js';

/** Shared by the units of one Redis worker. Durations in ms. */
export interface JobContext extends UnitContext {
  /** The topic: input partitions, retention. */
  backend: LogBackend;
  /** The job: assignment, state, commits. */
  log: JobLog;
  /** This worker's id (`host:pid:random`). */
  worker: string;
  /** Output stream name (`--to`). */
  output: string;
  /** Input entries per stage-1 batch at most. */
  batchEntries: number;
  /** Processing time without input after which a partition is declared idle; null: never (`--idle-timeout off`). */
  idleTimeoutMs: number | null;
  leaseMs: Millis;
  /** Processing time (ms): injectable for tests. */
  now: () => Millis;
  /** Called before each stage-1 commit with its 1-based number in this process (fault injection). */
  beforeCommit?: (n: number) => void;
}

/** A Redis unit's step. */
export type RedisStep = PreparedStep<JobLogWrite>;

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
