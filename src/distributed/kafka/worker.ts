/**
 * A worker of a Kafka job: one member of each of the job's two consumer
 * groups, with one transactional producer per stage (Kafka Streams'
 * exactly-once v2 shape). There is no driver: Kafka's group coordinator
 * assigns the input partitions (group `JOB`) and the key partitions (group
 * `JOB.stage2`) among the live workers, and its transaction coordinator makes
 * every step atomic:
 *
 * - stage 1, per step: one transaction with the repartition messages of every
 *   held input partition that had input, their state records in the
 *   changelog, and their input offsets (`TxnOffsetCommit`);
 * - stage 2, per step: one transaction with the output rows of the windows
 *   closed, the key partitions' state records (open panes included) in the
 *   changelog, and their repartition offsets.
 *
 * Fencing: the offsets of a transaction carry the group generation the
 * partitions were assigned in, so a worker that was paused past its session
 * timeout (its partitions reassigned) has its commit refused by the group
 * coordinator (ILLEGAL_GENERATION / UNKNOWN_MEMBER_ID) and the transaction is
 * aborted; a producer made anew after a failure bumps the producer epoch, which
 * aborts whatever its predecessor left open. A new owner reads the committed
 * offsets with `requireStable`, so it waits for an undecided transaction of
 * the previous owner before it starts, then rebuilds its units from the
 * changelog.
 *
 * Assignment is sticky and cooperative (assignor.ts, on the classic group
 * protocol): each member says at every join which partitions it holds and in
 * which generation; a partition that moves is first only revoked (given to
 * nobody), its owner releases it between two steps and joins again, and the
 * next generation gives it to its new owner. A unit still assigned in the same
 * membership is kept as it is (no rebuild); only units newly gained are opened
 * from their committed state, and all of them when the group gave this worker a
 * new member id (it was silent past its session timeout). A refused (fenced)
 * commit was aborted, so every unit is kept at its committed state (stage-1
 * units adopt a batch only once committed; step 2's key units are put back,
 * a state job's opened again: held.ts `refused`); a commit of unknown outcome
 * (a broker error) drops every unit.
 *
 * A `--once` job ends at the end offsets noted at creation: each input
 * partition sends an end marker (watermark +∞) to every key partition, every
 * window closes, and each worker exits when every key partition says done.
 *
 * The loop is the one every worker runs (../loop.ts); here: what a round of
 * a Kafka worker is (both stages' steps at once, batches cut after a step
 * that outlasted the session) and its error rules. The units and the
 * rebalance reaction: held.ts; the two steps: step.ts, each committed through
 * ../commit-round.ts as on Redis, one transaction per stage (commit.ts); the exit rule:
 * completion.ts.
 */
import { errorText, jobNames, type KafkaJobMeta, type KafkaLog } from './log.js';
import type { JobWorker } from '../log-backend.js';
import { pause, WorkerLoop } from '../loop.js';
import { Completion } from './completion.js';
import { fatalError, isFatal } from './fatal.js';
import { HeldUnits } from './held.js';
import { isFenced, Member } from './member.js';
import { behindOffsets, reconcile } from './rebuild.js';
import { Steps } from './step.js';
import { BatchRamp } from './ramp.js';
import { RetryLines } from './retry-lines.js';
import type { UnitContext } from './units.js';

export { behindOffsets, reconcile }; // where tests and older imports look for them

/** Settings of a Kafka worker. Durations in ms. */
export interface KafkaWorkerOptions {
  job: string;
  meta: KafkaJobMeta;
  /** This worker's id (`host:pid:random`), part of its transactional ids. */
  worker: string;
  /** Session timeout of both group memberships: a worker silent that long loses its partitions. */
  sessionTimeoutMs: number;
  /** Records per stage-1 batch and input partition at most. */
  batchRecords: number;
  /** How long to wait when nothing was there to read. */
  pollMs: number;
  /** `--idle-timeout`: processing time without input after which an input partition is declared idle; null: never. */
  idleTimeoutMs: number | null;
  /** Called in each stage-1 transaction before its offsets are added, with its 1-based number in this process (fault injection). */
  beforeCommit?: (n: number) => void | Promise<void>;
}

/** Runs one worker of a Kafka job until the job is complete (`--once`) or `stop()` is called. */
export class KafkaWorker implements JobWorker {
  private readonly s1: Member;
  private readonly s2: Member;
  private readonly held: HeldUnits;
  private readonly steps: Steps;
  private readonly completion: Completion;
  /** The generations of the last `fenced` line (said once per pair of generations). */
  private fencedSaid = '';
  /** Records per stage-1 batch and input partition: `batchRecords`, cut when a step outlasted the session (see run). */
  private batchRecords: number;
  private readonly loop = new WorkerLoop();
  /** Records per input partition of the next stage-1 step: small after a rebalance (ramp.ts). */
  private readonly ramp: BatchRamp;
  private readonly retryLines = new RetryLines();
  private outputPartitions = 1;
  private errors = 0;
  private readonly stateless: boolean;

  constructor(private readonly log: KafkaLog, private readonly ctx: UnitContext, private readonly o: KafkaWorkerOptions) {
    const names = jobNames(o.job);
    this.s1 = new Member(log, names.stage1, o.meta.input, `dstream-${o.job}-s1-${o.worker}`, o.sessionTimeoutMs, o.worker);
    this.s2 = new Member(log, names.stage2, names.repartition, `dstream-${o.job}-s2-${o.worker}`, o.sessionTimeoutMs, o.worker);
    const b = (JSON.parse(o.meta.pipeline) as { batchIntervalMs?: unknown }).batchIntervalMs;
    const outputPartitions = () => this.outputPartitions;
    this.held = new HeldUnits(log, ctx, { meta: o.meta, names, batchTimeMs: o.meta.endOffsets && typeof b === 'number' ? b : null, outputPartitions });
    this.steps = new Steps(log, ctx, this.held, { meta: o.meta, names, idleTimeoutMs: o.idleTimeoutMs, beforeCommit: o.beforeCommit, outputPartitions, worker: o.worker, members: [this.s1, this.s2] });
    this.completion = new Completion(log, o.meta, names.changelog);
    this.stateless = o.meta.keyPartitions === 0;
    this.batchRecords = o.batchRecords;
    this.ramp = new BatchRamp(o.batchRecords);
  }

  /** Asks the loop to stop after the running step (graceful: the groups rebalance at once). */
  stop(): void {
    this.loop.stop();
  }

  /**
   * Runs until the job is complete or stopped (the loop: ../loop.ts). Broker errors are retried, never thrown.
   * @throws DStreamError from the operators (`--on-error fail`), a lost input offset, or a record too large for the broker (fatal.ts).
   */
  async run(): Promise<void> {
    const { held } = this;
    let outputKnown = false;
    /** Fetch requests sent before the round: a round without progress that fetched waits in the next round's reads. */
    let fetches = 0;
    /** After a round without progress the reads wait up to pollMs for records (long poll) instead of a sleep. */
    let waitMs = 0;
    /** When the changelog was last read for the exit rule (ms): at most every 500 ms. */
    let lastCheck = -Infinity;
    await this.loop.run({
      rebalance: async () => {
        // In the loop, so a broker that is down is retried as every other call (failed: "kafka error (retrying)").
        if (!outputKnown) {
          this.outputPartitions = (await this.log.partitions(this.o.meta.output)) ?? 1;
          outputKnown = true;
        }
        fetches = this.log.fetches;
        return held.rebalance(this.s1, this.s2);
      },
      step: async () => {
        const wait = waitMs;
        waitMs = 0;
        const progressed = await this.step(wait);
        this.errors = 0;
        return progressed;
      },
      // Key partitions held here and done need no read of the changelog.
      complete: async () => {
        if (!this.o.meta.endOffsets || !(this.completion.heldDone(held.keys) || Date.now() - lastCheck >= 500)) return false;
        lastCheck = Date.now();
        return this.completion.complete(held.keys);
      },
      failed: async (e) => this.failed(e instanceof StepFailed ? e.errors : [e]),
      idle: async (stopped) => {
        waitMs = !this.errors && this.log.fetches > fetches ? this.o.pollMs : 0;
        if (waitMs === 0) await pause(this.errors ? Math.min(2000, 100 * this.errors) : this.o.pollMs, stopped);
      },
      leave: async () => {
        this.ctx.say(`dstream: ${held.opened} unit${held.opened === 1 ? '' : 's'} opened from the committed state, ${held.kept} kept across rebalances`);
        await Promise.all([this.s1.leave(), this.stateless || this.s2.leave()]);
      },
    });
  }

  /**
   * One round's steps: the two stages' transactions are independent (two producers, two groups), so
   * their round trips overlap; the reads wait up to `waitMs` for records.
   * @returns true when something was committed.
   * @throws StepFailed with the errors of either stage.
   */
  private async step(waitMs: number): Promise<boolean> {
    const began = Date.now();
    const gen = this.held.gen1;
    const [a, b] = await Promise.allSettled([this.steps.step1(this.ramp.next(gen), waitMs), this.steps.step2(waitMs)]);
    if (a.status === 'fulfilled') this.ramp.committed(gen);
    // A step longer than half the session timeout (slow functions hold the event loop, so no heartbeat goes
    // out) gets its worker fenced again and again at the same batch size: cut the batches, down to 100 records.
    if (Date.now() - began > this.o.sessionTimeoutMs / 2 && this.batchRecords > 100) {
      this.batchRecords = Math.max(100, this.batchRecords >> 2);
      this.ramp.fullSize = this.batchRecords;
      this.ctx.say(`dstream: a step took longer than half the session timeout (${this.o.sessionTimeoutMs} ms): batches of at most ${this.batchRecords} records per input partition from now on`);
    }
    const failed = [a, b].flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    if (failed.length) throw new StepFailed(failed);
    return (a as PromiseFulfilledResult<boolean>).value || (b as PromiseFulfilledResult<boolean>).value;
  }

  /**
   * The errors of a step or a rebalance: fatal ones end the worker; a refused (fenced) commit keeps
   * the units at their committed state; any other error (a commit of unknown outcome) drops them all.
   * @throws DStreamError for a fatal error (fatal.ts).
   */
  private failed(errs: unknown[]): void {
    const fatal = errs.find((x) => isFatal(x));
    if (fatal !== undefined) throw fatalError(fatal, this.o.job);
    const fenced = errs.find((x) => isFenced(x));
    const at = `${this.held.gen1}/${this.held.gen2}`;
    if (fenced && this.fencedSaid !== at) {
      this.ctx.say(`dstream: fenced: the group moved partitions away from this worker (${errorText(fenced).slice(0, 200)}); its uncommitted batch is dropped`);
      this.fencedSaid = at;
    }
    const unknown = errs.find((x) => !isFenced(x));
    if (unknown) {
      const line = this.retryLines.line(unknown, ++this.errors);
      if (line) this.ctx.say(line);
      this.held.drop(); // the outcome of a commit is unknown: every unit is opened again from its committed state
    } else {
      this.held.refused(); // refused, so aborted: the units hold their committed state (held.ts `refused`)
    }
  }

  /** Units opened from their committed state (offsets and changelog) so far: input and key partitions. */
  get rebuilds(): number {
    return this.held.opened;
  }

}

/** The failures of one step (stage 1, stage 2 or both). */
class StepFailed extends Error {
  constructor(readonly errors: unknown[]) {
    super('step failed');
  }
}
