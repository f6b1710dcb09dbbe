/**
 * The contract between distributed mode and the log it runs on. Redis Streams
 * (`redis/`) is one implementation; Kafka (consumer group + transactions) the
 * second. Nothing outside a backend's folder touches its client.
 *
 * **What a backend must give** (Redis: `redis/`; Kafka: `kafka/`):
 *
 * 1. Input: append-only partitions, offsets ordered by `compareOffsets`, and an end (Redis: an
 *    end-of-input marker per partition; Kafka: the end offsets noted when a `--once` job is created).
 * 2. Units with a fencing epoch: `s1:P` per input partition, `s2:Q` per key partition, and each
 *    round one `Assignment`, what this worker lost (drop: someone else may hold it), must give up
 *    (hand over, release) and was granted (open from the committed state) — Redis: `JobLog.assign`
 *    over leases (epoch: the lease's); Kafka: the group's view reconciled with what is held (kafka/
 *    rebuild.ts `reconcile`, as an `Assignment`: `assignment`; epoch: the group generation).
 * 3. An atomic, fenced commit of a round's steps, `StepLog.commit(worker, steps)`: each unit's step
 *    is a `UnitCommit` whose `write` the worker passes along unread; stage 1 writes its messages to
 *    every key partition (a stateless job: its rows to the output) with its input offset, stage 2
 *    its rows, state and progress with its offset. Answers 'ok', 'fenced' (epoch stale: a zombie
 *    never writes), 'stale' (a replay of a committed step; both go to the backend's `Refusal`), or
 *    throws (outcome unknown: the unit is opened again). Redis: one Lua script per unit; Kafka: one
 *    transaction per stage (kafka/commit.ts, Kafka Streams' exactly-once v2), so a fenced stage
 *    refuses all of its steps.
 * 4. What a new owner rebuilds from: stage 1 its committed offset and state (Redis: a write-ahead
 *    plan replays an interrupted batch; Kafka: the changelog record); stage 2 its open panes or keys'
 *    state (Redis: replay of its key stream from the rebuild point, or a hand-over snapshot; Kafka:
 *    the compacted changelog, and a state job's open batches read again from the repartition topic).
 * 5. Retention (`trimInput`, `deleteTopic`), outputs for `dstream cat` (`outputInfo`, `readOutput`:
 *    entries tagged with their key partition and how far it has closed, merged in cat.ts) and the
 *    job for `job status|reset` (`job(group)`).
 *
 * **The same on both** (outside `redis/` and `kafka/`): the round (loop.ts: rebalance, step,
 * complete, failed, idle, leave), a round's commit (commit-round.ts: commit, then each unit adopts
 * its own step), stage 1's computation (input-run.ts `InputRun` for windowed, stateless and state
 * jobs; its issues wait for the commit, batch-issues.ts), stage 2's (key-panes.ts `KeyPanes`,
 * state-table.ts `StateTable`).
 *
 * **One way in**: the CLI builds one `WorkerSettings` (job-context.ts) and calls `runWorker`; each
 * backend joins and runs its `JobWorker` (below) under the shared loop — Redis: redis/run.ts,
 * redis/worker.ts over its `JobLog` (redis/job-log.ts) with redis/stage1.ts, stage2.ts,
 * state-unit.ts, reading unit by unit; Kafka: kafka/run.ts, kafka/worker.ts with held.ts (open/keep/release/drop), step.ts (one
 * fetch per stage, `commitRound` over kafka/commit.ts) and kafka/units.ts `InputUnit`, `KeyUnit`,
 * state-unit.ts `StateKeyUnit`. What still differs: where units come from (2.), what a new owner
 * reads (4.), how input is read (one long-poll fetch per stage on Kafka), and the failure rule
 * (Redis: a fenced unit is dropped; Kafka: a fenced stage is put back to its committed state, held.ts
 * `refused`).
 *
 * Offsets are opaque strings of one stream, `ORIGIN` before any entry, ordered by
 * `compareOffsets` (Redis `ms-seq` ids; Kafka decimal offsets). Times are epoch ms
 * of the backend's clock (workers' clocks may differ).
 */
import type { CommitResult, InputEntry, UnitId, JobStatus } from './backend.js';
import type { PreparedStep, UnitCommit, WorkerSettings } from './job-context.js';

export type { UnitCommit } from './job-context.js'; // part of the contract (StepLog)
import type { LogUrl } from './log-url.js';

/** The offset before any entry of a stream, for every backend. */
export const ORIGIN = '0-0';

/** Orders two offsets of one stream (−1, 0, 1): `ms-seq` ids and decimal offsets alike, part by part. */
export function compareOffsets(a: string, b: string): number {
  const [am = 0, as = 0] = a.split('-').map(Number);
  const [bm = 0, bs = 0] = b.split('-').map(Number);
  const d = am - bm || as - bs;
  return d < 0 ? -1 : d > 0 ? 1 : 0;
}

/**
 * What commits a round's steps, on every log: each step atomically and fenced by its epoch; how they
 * are grouped is the log's (Redis: one script per unit, sent together; Kafka: one transaction per stage).
 */
export interface StepLog<W> {
  /**
   * @returns each step's outcome, in the order of `steps`: 'ok' (in), 'fenced' (refused: the epoch is
   *   stale), 'stale' (the state moved on: a replay of a committed step).
   * @throws the client's error when the outcome is unknown (the unit must be opened again from its committed state).
   */
  commit(worker: string, steps: UnitCommit<W>[]): Promise<CommitResult[]>;
}

// ---- the worker side: what each backend's worker implements (redis/, kafka/) ----

/**
 * A round's change of assignment, on every backend: drop `lost`, act on `revoke` (hand over,
 * release), then open `granted` from its committed state, fenced from then on by its epoch. Redis:
 * leases (redis/job-log.ts `JobLog.assign`, the lease's epoch); Kafka: each consumer group's
 * generation (kafka/rebuild.ts `assignment` over `reconcile`).
 */
export interface Assignment {
  /** Units taken from this worker (presumed dead by the group): drop their uncommitted work. */
  lost: UnitId[];
  granted: { unit: UnitId; epoch: number }[];
  /** Held units over this worker's share, or no longer assigned to it: hand over and release them. */
  revoke: UnitId[];
}

/**
 * The failure rule: what a step `StepLog.commit` refused does (commit-round.ts `commitRound` calls
 * it); returns once the unit is back at its committed state, or throws to end the round. Redis: a
 * fenced unit is dropped, a stale one opened again (redis/worker.ts); Kafka: the stage's transaction
 * aborted, so the step ends with the broker's error and the stage goes back to its committed state
 * (kafka/step.ts `refusedBy`, kafka/held.ts `refused`).
 */
export type Refusal<W> = (step: PreparedStep<W>, result: Exclude<CommitResult, 'ok'>) => Promise<void> | void;

/**
 * A backend's worker of one job (redis/worker.ts `Worker`, kafka/worker.ts `KafkaWorker`), started by
 * `LogBackend.runWorker` once joined: it runs the shared round (loop.ts `WorkerLoop` over its
 * `WorkerUnits`): an `Assignment`, the units granted opened from their committed state, one step of
 * every unit held committed atomically and fenced (`StepLog.commit` through commit-round.ts), the
 * refused ones to its `Refusal` — until the job is complete or `stop()`.
 */
export interface JobWorker {
  /** @throws DStreamError that ends the worker (`--on-error fail`, a fatal log error), after leaving. */
  run(): Promise<void>;
  /** Asks for a graceful stop: the running step commits, the units are handed over. */
  stop(): void;
}

/**
 * One committed entry of an output stream: the rows a key partition closed in one commit (a stateless
 * job: rows an input partition gave in one commit, with `keyPartition` the input partition and
 * `closedMs` its lines final so far, +∞ at its end; see redis/types.ts `Stage1Commit.rows`).
 */
export interface OutputEntry {
  offset: string;
  keyPartition: number;
  /** End (epoch ms) of the last window the key partition has closed with this commit; +∞ when done. */
  closedMs: number;
  /** Packed rows (`packRows`), '' for a progress-only entry. */
  rows: string;
}

/** What `dstream cat` needs to know of the job writing an output. */
export interface OutputInfo {
  /** Input partitions of the job's topic (a stateless job's output entries are tagged with them). */
  inputPartitions?: number;
  /** Key partitions; 0 for a stateless job (its stage 1 writes the rows, see redis/types.ts `Stage1Commit.rows`). */
  keyPartitions: number;
  /** The pipeline stored with the job (join.ts `jobPipelineText`: JSON). */
  pipeline: string;
  /** The job's input topic was published from a file (`markBounded`). */
  bounded: boolean;
}

/** Options of a connection. */
export interface BackendOptions {
  /** Retry forever across outages (workers) instead of failing on the first error (commands). */
  persistent: boolean;
  /** A line for stderr when the connection drops or comes back (once per outage). */
  onError?: (message: string) => void;
}

/** One connection to one topic of a log. Methods throw the client's errors (see `classifyError`). */
export interface LogBackend {
  readonly url: LogUrl;
  readonly topic: string;
  /** @throws DStreamError (exit 1) when unreachable and not `persistent`. */
  connect(): Promise<void>;
  close(): Promise<void>;
  /** Breaks pending blocking reads (a stopped `cat --follow`). */
  interrupt(): void;
  /** An error of this client as a DStreamError: authentication → ConfigError (exit 2), else E_LOG (exit 1). */
  classifyError(e: unknown): unknown;

  // ---- topics and partitions ----
  /** Partition count, or null when the topic does not exist. */
  partitions(): Promise<number | null>;
  /** Creates the topic with `n` partitions, or returns the count it has. */
  createTopic(n: number): Promise<number>;
  /** Marks the input bounded (published from a file; every partition ends with a marker). */
  markBounded(): Promise<void>;
  isBounded(): Promise<boolean>;
  /** Appends one entry (`lines` LF-joined) to partition `p`; pipelined, not awaited in order. */
  append(p: number, lines: string): Promise<unknown>;
  appendEof(p: number): Promise<unknown>;
  /** Resolves once every append issued before is acknowledged. */
  flush(): Promise<void>;
  /** Partitions of the `n` whose last entry is an end-of-input marker. */
  endedPartitions(n: number): Promise<number[]>;
  /** At most `count` entries of partition `p` after `after` (exclusive). */
  readInput(p: number, after: string, count: number): Promise<InputEntry[]>;
  /** Entries of partition `p` from `from` to `to`, inclusive (replay of a planned batch). */
  readInputRange(p: number, from: string, to: string): Promise<InputEntry[]>;
  /** Entries ever appended to partition `p` (lag = this − consumed). */
  inputAdded(p: number): Promise<number>;
  /** Retention: drops entries of partition `p` that every job of the topic has committed (unless kept); returns how many. */
  trimInput(p: number): Promise<number>;
  /** Keeps the topic's input after every job has committed it, for jobs created later (`publish --keep-input`). */
  keepInput(): Promise<void>;
  /**
   * Deletes the topic, every job on it and their outputs; returns the number of keys/topics removed.
   * @throws DStreamError E_CHECKPOINT_IN_USE (exit 75) while a job has live workers.
   */
  deleteTopic(): Promise<number>;

  // ---- outputs (`--to`, `dstream cat`) ----
  /** The job writing output `name`, or null when no job writes it. */
  outputInfo(name: string): Promise<OutputInfo | null>;
  /** At most `count` entries of output `name` after `after`. */
  readOutput(name: string, after: string, count: number): Promise<OutputEntry[]>;
  /** Resolves when output `name` may have entries after `after`, or after `timeoutMs`. */
  waitOutput(name: string, after: string, timeoutMs: number): Promise<void>;

  /** The job `group` of this topic (Kafka: the consumer group / application.id), for `job status|reset`. */
  job(group: string): JobAdmin;
  /**
   * Runs one worker of job `s.from.group` until the job is complete or `stop()` (`s.joined`): creates
   * or joins the job (refusing other settings), then the loop (loop.ts) over this backend's units
   * (Redis: redis/run.ts; Kafka: kafka/run.ts). The caller says the summary and the exit code.
   * @throws ConfigError (exit 2) for a job created with other settings or flags this job refuses;
   *   DStreamError (exit 1) for the log or the records (`--on-error fail`).
   */
  runWorker(s: WorkerSettings): Promise<void>;
}

/** What `dstream job status` and `dstream job reset` need of a job, on every backend. */
export interface JobAdmin {
  readonly group: string;
  /** The job's members, units and progress (`job status`); `exists: false` when there is no such job. */
  status(): Promise<JobStatus>;
  /**
   * Deletes the job's state and its output.
   * @returns what was removed, for a message; null when there was no such job.
   * @throws DStreamError E_CHECKPOINT_IN_USE (exit 75) while live workers are members.
   */
  reset(): Promise<string | null>;
}
