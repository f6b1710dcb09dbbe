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
 * A unit adopts what it computed only once the transaction committed (stage 1:
 * `commit`; stage 2: `HeldUnits.committed`, and `refused` puts it back). Both
 * throw the client's errors: refused (member.ts `isFenced`) or of unknown outcome.
 */
import { changelogPartition } from './job.js';
import type { KafkaJobMeta, KafkaLog, LogRecord } from './log.js';
import type { Member } from './member.js';
import type { HeldUnits, InputSide } from './held.js';
import type { InputUnit, OutMessage, UnitContext } from './units.js';

/** What the steps need to know of the job and the worker. Durations in ms. */
export interface StepSettings {
  meta: KafkaJobMeta;
  names: { repartition: string; changelog: string };
  /** `--idle-timeout`: processing time without input after which an input partition is declared idle; null: never. */
  idleTimeoutMs: number | null;
  /** Called in each stage-1 transaction before its offsets are added, with its 1-based number in this process (fault injection). */
  beforeCommit?: (n: number) => void | Promise<void>;
  outputPartitions: () => number;
}

/** The two steps of one worker over the units it holds. */
export class Steps {
  /** Stage-1 transactions begun in this process (numbers `beforeCommit`). */
  private commits = 0;

  constructor(private readonly log: KafkaLog, private readonly ctx: UnitContext, private readonly held: HeldUnits, private readonly s: StepSettings) {}

  /** The state record of input partition `p` for the changelog. */
  private stateRecord(p: number, state: unknown): OutMessage {
    return { topic: this.s.names.changelog, partition: changelogPartition(this.s.meta, p), key: `s1:${p}`, value: JSON.stringify(state) };
  }

  /**
   * One stage-1 step over every held input partition, at most `batchRecords` records each; the reads
   * wait up to `waitMs` for records (long poll).
   * @returns true when something was committed.
   */
  async step1(s1: Member, batchRecords: number, waitMs = 0): Promise<boolean> {
    const { held, s } = this;
    const messages: OutMessage[] = [];
    const offsets: [number, number][] = [];
    const done: [InputSide, ReturnType<InputUnit['compute']>['after']][] = [];
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
          const quiet = held.quietSince.get(u.partition) ?? Date.now();
          held.quietSince.set(u.partition, quiet);
          if (s.idleTimeoutMs === null || !u.idleable || u.state.idle || Date.now() - quiet < s.idleTimeoutMs) continue;
          this.ctx.say(`dstream: input partition ${u.partition} idle for ${s.idleTimeoutMs} ms: windows no longer wait for it (--idle-timeout)`);
          const c = u.compute([], next, true);
          messages.push(...c.messages, this.stateRecord(u.partition, c.after.state));
          offsets.push([u.partition, next]);
          done.push([u, c.after]);
          continue;
        }
        held.quietSince.delete(u.partition);
      }
      const c = u.compute(records, next);
      messages.push(...c.messages, this.stateRecord(u.partition, c.after.state));
      offsets.push([u.partition, next]);
      done.push([u, c.after]);
    }
    if (done.length === 0) return false;
    const n = ++this.commits;
    await s1.commit(messages, offsets, held.gen1, s.beforeCommit && (() => s.beforeCommit!(n)));
    for (const [u, after] of done) u.commit(after);
    return true;
  }

  /**
   * One stage-2 step over every held key partition; the reads wait up to `waitMs` for records (long poll).
   * @returns true when something was committed.
   */
  async step2(s2: Member, waitMs = 0): Promise<boolean> {
    const { held, s } = this;
    const messages: OutMessage[] = [];
    const offsets: [number, number][] = [];
    let late = 0;
    const applied: { q: number; pos: number; rec: string }[] = [];
    const units = [...held.keys.values()].filter((u) => !u.done);
    if (units.length === 0) return false;
    const reads = await this.log.readMany(s.names.repartition, units.map((u) => ({ partition: u.partition, from: u.pos, to: Infinity, max: 2000 })), waitMs);
    for (const [i, u] of units.entries()) {
      const r = reads[i]!;
      if (r.next === u.pos) continue;
      const a = u.apply(r.records, r.next, s.meta.output, s.outputPartitions());
      late += a.late;
      const rec = JSON.stringify(a.state);
      messages.push(...a.messages, { topic: s.names.changelog, partition: u.partition, key: `s2:${u.partition}`, value: rec });
      offsets.push([u.partition, r.next]);
      held.applying(u.partition);
      applied.push({ q: u.partition, pos: r.next, rec });
    }
    if (offsets.length === 0) return false;
    await s2.commit(messages, offsets, held.gen2);
    held.committed(applied);
    if (late > 0) this.ctx.say(`dstream: ${late} partial aggregates arrived after their windows closed (late; dropped)`);
    return true;
  }
}
