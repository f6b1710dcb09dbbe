/**
 * The Redis side of a job as its worker (redis/worker.ts) drives it: `JobLog`,
 * the form of its steps (`JobLogWrite`), and the error of a job reset under a
 * running worker. The backend-neutral contract is ../log-backend.ts.
 */
import { DStreamError } from '../../core/errors.js';
import type { CommitResult, Stage2Message, UnitId } from '../backend.js';
import type { HeartbeatReply, JobMeta, LeaseView, Stage1Commit, Stage1State, Stage2Commit, Stage2State } from './types.js';
import type { Assignment, JobAdmin, StepLog } from '../log-backend.js';

/** A unit this worker holds, with the epoch it was granted at. */
export type Held = [UnitId, number];

/** `JobLog`'s form of a step: a stage-1 commit, or a key partition's stage-2 commit to output `output`. */
export type JobLogWrite = { stage1: Stage1Commit } | { q: number; stage2: Stage2Commit; output: string };

/**
 * One job of a topic as the Redis worker (worker.ts) drives it: membership, assignment, offsets,
 * atomic commits. A worker: `open` (create or join; join.ts `joinJob` checks the settings), `heartbeat` every
 * lease/3 (lost units), `assign` every round (lost, revoke, granted with epochs); stage 1 per input
 * partition: `stage1State` → `planStage1` (write-ahead) → `readInput` → the unit's step; stage 2
 * per key partition: `stage2State` (replay from `rebuild`, or a hand-over) → `readStage2` → the
 * unit's step; every round `commit` (one script per unit); done when every `stage1State` is eof and
 * every `stage2State` done.
 */
export interface JobLog extends JobAdmin, StepLog<JobLogWrite> {
  /**
   * Creates the job if new (settings fixed for its life), else returns what it was created with.
   * @returns null while the topic does not exist.
   * @throws ConfigError (exit 2) when output `output` is written by another job.
   */
  open(keyPartitions: number, pipeline: string, output: string): Promise<JobMeta | null>;
  meta(): Promise<JobMeta | null>;

  // ---- membership and assignment (fencing epochs) ----
  /** Renews membership and `held`; reports units lost. @throws JobGoneError when the job was reset. */
  heartbeat(worker: string, leaseMs: number, held: Held[]): Promise<HeartbeatReply>;
  /** This worker's fair share of units: what it gains (with epochs) and must give up. @throws JobGoneError. */
  assign(worker: string, leaseMs: number, held: Held[]): Promise<Assignment>;
  /** Frees `held` (those still held at that epoch); `leave`: also leaves the group. */
  release(worker: string, held: Held[], leave: boolean): Promise<void>;
  /** Leases and live members with their expiry (epoch ms), for `job status`. */
  leases(): Promise<{ leases: LeaseView[]; members: Record<string, number>; nowMs: number }>;

  // ---- stage 1: input partitions ----
  stage1State(p: number): Promise<Stage1State>;
  /** Write-ahead of a batch's offset range; returns the lateness floor (epoch ms), or why not. */
  planStage1(worker: string, epoch: number, p: number, seq: number, from: string, to: string, keyPartitions: number): Promise<number | 'fenced' | 'stale'>;
  /** Atomically: one message to every key partition, then the input offset (a `commit` of one step). */
  commitStage1(worker: string, epoch: number, c: Stage1Commit): Promise<CommitResult>;

  // ---- stage 2: key partitions ----
  stage2State(q: number): Promise<Stage2State>;
  /** At most `count` messages of key partition `q` after `after`. */
  readStage2(q: number, after: string, count: number): Promise<Stage2Message[]>;
  /** Replays messages of `q` from `from` to `to` inclusive into `each`; returns how many. */
  readStage2Range(q: number, from: string, to: string, each: (m: Stage2Message) => void): Promise<number>;
  /** Messages of `q` after `after` (lag), counted up to `cap`. */
  stage2Lag(q: number, after: string, cap: number): Promise<number>;
  /** Atomically: output rows, offset, progress, trim of the applied messages. */
  commitStage2(worker: string, epoch: number, q: number, c: Stage2Commit, output: string): Promise<CommitResult>;
  /** Graceful hand-over: stores the open windows (valid while the offset stays `offset`), frees the unit. */
  handOverStage2(worker: string, epoch: number, q: number, offset: string, snapshot: string): Promise<CommitResult>;

}

/** The job's state was deleted (`dstream job reset`) while a worker ran: it must stop, not recreate it. */
export class JobGoneError extends DStreamError {
  constructor(job: string) {
    super('E_JOB_GONE', 'processing', `the job (${job}) was reset or deleted while this worker ran; stopping`);
  }
}
