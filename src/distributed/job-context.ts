/**
 * What a worker is given, on every backend: the settings the CLI builds once
 * (`WorkerSettings`, handed to `LogBackend.runWorker`), the settings and hooks
 * every unit shares (`UnitContext`: stage 1's `InputRun`, stage 2's `KeyPanes`
 * and `StateTable`), and a unit's computed step (`PreparedStep`, committed by
 * commit-round.ts). A backend adds its own connection and timing to the units'
 * context (Redis: redis/context.ts `JobContext`; Kafka: kafka/run.ts).
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Millis } from '../core/types.js';
import type { UnitId } from './backend.js';
import type { Issue, IssueLog } from '../core/issues.js';
import type { MapSideOptions } from '../engine/map-side-combine.js';
import type { KeyedReducer } from '../operators/keyed-map.js';
import type { PipelineDescription } from '../plan/fingerprint.js';
import type { WindowSpec } from '../windows/spec.js';
import type { LogUrl } from './log-url.js';

/** What a state job's stages need (UnitContext.updateState). */
export interface UpdateStateSettings {
  fn: (values: unknown[], state: unknown, batchTimeMs: number) => unknown;
  /** `--update-state-by-key '…'`, as issues name it. */
  label: string;
  /** Where a throwing `fn` is reported (`--on-error`). */
  issues: IssueLog;
  /** Lines of the topic per batch (`--max-records-per-batch`); +∞: the whole input is one batch. */
  batchLines: number;
  batchIntervalMs: number;
  /** Live input (not published from a file on Redis; a Kafka job created without `--once`): each closed batch outputs the keys it changed, not the table once at the end. */
  live?: boolean;
}

/** What every unit of a worker shares, on every backend: the job's settings and the hooks for logs and issues. Durations in ms. */
export interface UnitContext {
  /** The job's partition counts (0 in `WorkerSettings.units`: the backend fills them in when it has joined). */
  inputPartitions: number;
  keyPartitions: number;
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
}

/** A worker that has joined its job, as the CLI's stop signals drive it. */
export interface RunningWorker {
  /** Asks for a graceful stop: the running step commits, the units are handed over. */
  stop(): void;
  /** What `stop` does, for the signal's line ("finishing the current batch, then handing over the leases"). */
  stopping: string;
  /** Give up after `ms` (exit 1, `line` on stderr) when the graceful stop cannot finish (the log unreachable). */
  grace?: { ms: number; line: string };
}

/** What the CLI hands any backend's worker (`LogBackend.runWorker`). Durations in ms. */
export interface WorkerSettings {
  /** `--from` (its `group` is the job) and `--to`. */
  from: LogUrl;
  to: LogUrl;
  /** `--key-partitions`; undefined: the job's (`defaultKeyPartitions` for a new job). */
  keyPartitions?: number;
  defaultKeyPartitions: number;
  description: PipelineDescription;
  /** `--batch`, stored with the job (join.ts `jobPipelineText`). */
  batchIntervalMs: Millis;
  /** `--once` (Kafka: the job ends at the end offsets noted when it was created; Redis refuses the flag before). */
  once: boolean;
  /** `--lease`: a Redis unit's lease; Kafka's session timeout. */
  leaseMs: Millis;
  /** `--idle-timeout`: null = off; undefined: off on bounded input, else `defaultIdleTimeoutMs`. */
  idleTimeoutMs?: number | null;
  defaultIdleTimeoutMs: number;
  /** `--max-records-per-batch` (Kafka: records per input partition and stage-1 transaction). */
  batchRecords?: number;
  /** This worker's id (`newWorkerId`). */
  worker: string;
  units: UnitContext;
  /** Called once the worker has joined the job; before, a stop signal ends the process at once. */
  joined(w: RunningWorker): void;
}

/** A new worker id: `host:pid:random`. */
export function newWorkerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

/**
 * One unit's step as its unit computed it, for its log to commit atomically, fenced by `epoch` (Redis:
 * the lease epoch the unit was granted at; Kafka: the group generation it was assigned in). `write` is
 * the log's own form of the step (Redis: redis/job-log.ts `JobLogWrite`; Kafka: kafka/commit.ts `KafkaWrite`): the
 * worker passes it along without reading it.
 */
export interface UnitCommit<W> {
  unit: UnitId;
  epoch: number;
  write: W;
}

/** A unit's computed step, on every log: what the log commits (`StepLog.commit`), and what the unit does once it is in. */
export interface PreparedStep<W> {
  commit: UnitCommit<W>;
  /** The step is committed: the unit's committed state moves on, its issues and lines are said. */
  adopt(): Promise<void> | void;
}
