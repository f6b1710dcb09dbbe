/**
 * One step of a Kafka worker per stage, each one transaction (Kafka Streams'
 * exactly-once v2 shape; the loop around them: worker.ts):
 *
 * - stage 1: one fetch for every held input partition, then one transaction
 *   with the repartition messages (a stateless job: the output rows) of every
 *   partition that had input or whose end is due, their state records in the
 *   changelog, and their input offsets (`TxnOffsetCommit`, at the generation
 *   the partitions were assigned in);
 * - stage 2: one fetch for every held key partition, then one transaction with
 *   the output rows of the windows closed, the key partitions' state records
 *   (open panes included) in the changelog, and their repartition offsets.
 *
 * Each unit's step is a `PreparedStep` as on Redis: the stage's steps go to
 * `commitRound` (../commit-round.ts) with the stage's `StageCommits`
 * (commit.ts: one transaction), and a unit adopts what it computed only once
 * the transaction committed (stage 1: `InputUnit.commit`; stage 2:
 * `HeldUnits.committed`, and `refused` puts it back). Both throw the client's
 * errors: refused (member.ts `isFenced`) or of unknown outcome.
 */
import { commitRound } from '../commit-round.js';
import type { PreparedStep } from '../job-context.js';
import { StageCommits, type KafkaWrite } from './commit.js';
import { changelogPartition } from './job.js';
import type { KafkaJobMeta, KafkaLog, LogRecord } from './log.js';
import type { Member } from './member.js';
import type { HeldUnits } from './held.js';
import type { InputUnit, OutMessage, UnitContext } from './units.js';
import type { Stage1Batch } from './input-partition.js';

/** What the steps need to know of the job and the worker. Durations in ms. */
export interface StepSettings {
  meta: KafkaJobMeta;
  names: { repartition: string; changelog: string };
  /** `--idle-timeout`: processing time without input after which an input partition is declared idle; null: never. */
  idleTimeoutMs: number | null;
  /** Called in each stage-1 transaction before its offsets are added, with its 1-based number in this process (fault injection). */
  beforeCommit?: (n: number) => void | Promise<void>;
  outputPartitions: () => number;
  /** Processing time (ms) for `--idle-timeout`: `Date.now` unless a test gives a fake clock. */
  now?: () => number;
  /** This worker's id. */
  worker: string;
  /** The members of the job's two groups (stage 1, stage 2): each commits its stage's transactions. */
  members: [Member, Member];
}

/** A refused transaction ends the step with the broker's error: the worker keeps its units at their committed state (worker.ts `failed`). */
function refusedBy(commits: StageCommits): () => never {
  return () => {
    throw commits.fencedBy;
  };
}

/** The two steps of one worker over the units it holds. */
export class Steps {
  private readonly commits1: StageCommits;
  private readonly commits2: StageCommits;

  constructor(private readonly log: KafkaLog, private readonly ctx: UnitContext, private readonly held: HeldUnits, private readonly s: StepSettings) {
    this.commits1 = new StageCommits(s.members[0], s.beforeCommit);
    this.commits2 = new StageCommits(s.members[1]);
  }

  /** Input partition `u`'s step: its messages and state record, its next offset `next`; `after` adopted once in. */
  private inputStep(u: InputUnit, c: { messages: OutMessage[]; after: Stage1Batch }, next: number): PreparedStep<KafkaWrite> {
    const { meta, names } = this.s;
    const state: OutMessage = { topic: names.changelog, partition: changelogPartition(meta, u.partition), key: `s1:${u.partition}`, value: JSON.stringify(c.after.state) };
    return {
      commit: { unit: `s1:${u.partition}`, epoch: this.held.gen1, write: { partition: u.partition, messages: [...c.messages, state], next } },
      adopt: () => u.commit(c.after),
    };
  }

  /**
   * One stage-1 step over every held input partition, at most `batchRecords` records each; the reads
   * wait up to `waitMs` for records (long poll).
   * @returns true when something was committed.
   */
  async step1(batchRecords: number, waitMs = 0): Promise<boolean> {
    const { held, s } = this;
    const steps: PreparedStep<KafkaWrite>[] = [];
    const units = [...held.inputs.values()].filter((u) => !u.done);
    // One fetch for every partition (KafkaLog.readMany), not one per partition.
    const reading = units.filter((u) => !u.endDue);
    const got = await this.log.readMany(s.meta.input, reading.map((u) => ({ partition: u.partition, from: u.pos, to: u.end, max: batchRecords })), waitMs);
    const reads = units.map((u) => (u.endDue ? null : got[reading.indexOf(u)]!));
    for (const [i, u] of units.entries()) {
      let records: LogRecord[] = [];
      let next = u.pos;
      const r = reads[i];
      if (r) {
        records = r.records;
        next = r.next;
        if (records.length === 0 && next < u.end) {
          u.pos = next; // past transaction markers only
          const now = (s.now ?? Date.now)();
          const quiet = held.quietSince.get(u.partition) ?? now;
          held.quietSince.set(u.partition, quiet);
          if (s.idleTimeoutMs === null || !u.idleable || u.state.idle || now - quiet < s.idleTimeoutMs) continue;
          this.ctx.say(`dstream: input partition ${u.partition} idle for ${s.idleTimeoutMs} ms: windows no longer wait for it (--idle-timeout)`);
          steps.push(this.inputStep(u, u.compute([], next, true), next));
          continue;
        }
        held.quietSince.delete(u.partition);
      }
      steps.push(this.inputStep(u, u.compute(records, next), next));
    }
    return (await commitRound(this.commits1, s.worker, steps, refusedBy(this.commits1))) > 0;
  }

  /**
   * One stage-2 step over every held key partition; the reads wait up to `waitMs` for records (long poll).
   * @returns true when something was committed.
   */
  async step2(waitMs = 0): Promise<boolean> {
    const { held, s } = this;
    let late = 0;
    const steps: PreparedStep<KafkaWrite>[] = [];
    const units = [...held.keys.values()].filter((u) => !u.done);
    if (units.length === 0) return false;
    const reads = await this.log.readMany(s.names.repartition, units.map((u) => ({ partition: u.partition, from: u.pos, to: Infinity, max: 2000 })), waitMs);
    for (const [i, u] of units.entries()) {
      const r = reads[i]!;
      if (r.next === u.pos) continue;
      const a = u.apply(r.records, r.next, s.meta.output, s.outputPartitions());
      late += a.late;
      const rec = JSON.stringify(a.state);
      const q = u.partition;
      held.applying(q);
      steps.push({
        commit: { unit: `s2:${q}`, epoch: held.gen2, write: { partition: q, messages: [...a.messages, { topic: s.names.changelog, partition: q, key: `s2:${q}`, value: rec }], next: r.next } },
        adopt: () => held.committed([{ q, pos: r.next, rec }]),
      });
    }
    if ((await commitRound(this.commits2, s.worker, steps, refusedBy(this.commits2))) === 0) return false;
    if (late > 0) this.ctx.say(`dstream: ${late} partial aggregates arrived after their windows closed (late; dropped)`);
    return true;
  }
}
