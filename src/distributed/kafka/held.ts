/**
 * The units a Kafka worker holds, and how it brings them to its groups'
 * assignments (the rebalance reaction; the steps over them: step.ts).
 *
 * Lifecycle of a unit (input partition of group `JOB`, key partition of group
 * `JOB.stage2`):
 * - **open**: newly assigned → built from its committed offset and its
 *   changelog record (a key partition of a state job also reads its open
 *   batches again, state-unit.ts);
 * - **keep**: still assigned in the same membership → left as it is, no rebuild
 *   (the assignor never gives a partition a member claims to another member in
 *   the same generation);
 * - **release**: no longer assigned → forgotten; the member joins again so the
 *   next generation gives it to its new owner (member.ts `hold`);
 * - **drop**: a new member id (the group dropped this worker), or a commit of
 *   unknown outcome → every unit is forgotten and opened again;
 * - after a refused (fenced, so aborted) commit every unit is kept: stage-1
 *   units only adopt a batch once committed, and the key units of the refused
 *   step 2 are put back to their last committed state (`refused`).
 */
import { plural } from '../../core/plural.js';
import type { KafkaJobMeta, KafkaLog } from './log.js';
import { changelogPartition } from './job.js';
import type { Member } from './member.js';
import { changelogStates, reconcile, type Reconciled } from './rebuild.js';
import { StateKeyUnit } from './state-unit.js';
import { InputUnit, KeyUnit, type Stage1Record, type Stage2Record, type UnitContext } from './units.js';

/** A unit of stage 1: an input partition (of every job; a stateless job's writes its rows itself). */
export type InputSide = InputUnit;
/** A unit of stage 2: a key partition (an `--update-state-by-key` job's keeps the keys' state). */
export type KeySide = KeyUnit | StateKeyUnit;

/** What opening a unit needs to know of the job. */
export interface HeldSettings {
  meta: KafkaJobMeta;
  names: { stage1: string; stage2: string; repartition: string; changelog: string };
  /** The batch time of the rows of a `--once` job (its stored batch interval), else null (see KeyUnit). */
  batchTimeMs: number | null;
  outputPartitions: () => number;
}

/** The units one worker holds, per stage, with the membership they were reconciled under. */
export class HeldUnits {
  readonly inputs = new Map<number, InputSide>();
  readonly keys = new Map<number, KeySide>();
  /** Generations of the last reconciliation, per stage (the fenced line is said once per pair). */
  gen1 = -1;
  gen2 = -1;
  /** The member ids the units were reconciled under: a new one means the group dropped this worker (its units are lost). */
  private member1: string | null = null;
  private member2: string | null = null;
  /** Units opened from their committed state (offsets and changelog), and units kept across a rebalance. */
  opened = 0;
  kept = 0;
  /** Per held key partition, its committed offset and state record (JSON; a refused step 2 puts its units back to it). */
  private readonly committedKeys = new Map<number, { pos: number; rec: string | undefined }>();
  /** The key partitions applied in the running step 2, until its transaction commits. */
  private pendingKeys: number[] = [];
  /** Per held input partition: since when (processing time, ms) it has had no input. */
  readonly quietSince = new Map<number, number>();

  constructor(private readonly log: KafkaLog, private readonly ctx: UnitContext, private readonly s: HeldSettings) {}

  private get stateless(): boolean {
    return this.s.meta.keyPartitions === 0;
  }

  /** Forgets every unit (a commit of unknown outcome): they are opened again from their committed state. */
  drop(): void {
    this.inputs.clear();
    this.keys.clear();
    this.committedKeys.clear();
    this.pendingKeys = [];
    this.gen1 = this.gen2 = -1;
    this.member1 = this.member2 = null;
    this.quietSince.clear();
  }

  /** Step 2 applied key partition `q`; its transaction is not committed yet. */
  applying(q: number): void {
    this.pendingKeys.push(q);
  }

  /** Step 2's transaction committed: `applied` is the key partitions' committed state now. */
  committed(applied: { q: number; pos: number; rec: string }[]): void {
    for (const c of applied) this.committedKeys.set(c.q, { pos: c.pos, rec: c.rec });
    this.pendingKeys = [];
  }

  /**
   * A commit was refused (fenced), so its transaction aborted: the key units of the refused step 2 go
   * back to their last committed state (`apply` changed them); a state job's, whose open batches are
   * not in the record, are opened again. Stage-1 units are untouched: they adopt a batch only once committed.
   */
  refused(): void {
    for (const q of this.pendingKeys) {
      const c = this.committedKeys.get(q);
      if (!this.keys.has(q) || c === undefined || this.ctx.updateState) {
        this.keys.delete(q); // nothing in memory to go back to: opened again at the next rebalance
        this.committedKeys.delete(q);
      } else this.keys.set(q, new KeyUnit(this.ctx, q, c.pos, c.rec === undefined ? undefined : (JSON.parse(c.rec) as Stage2Record), this.s.batchTimeMs));
    }
    this.pendingKeys = [];
  }

  /**
   * Brings the units to each group's assignment (see module doc): kept, released, opened from the
   * committed offsets and the changelog; a new member id: every unit opened again.
   */
  async rebalance(s1: Member, s2: Member): Promise<void> {
    const { meta, names } = this.s;
    // Both groups at once: a join waits for the group's other members to join again (their next heartbeat).
    const joins = await Promise.allSettled([s1.ensureJoined(), this.stateless || s2.ensureJoined()]);
    for (const j of joins) if (j.status === 'rejected') throw j.reason;
    const v1 = s1.view();
    const d1 = reconcile(v1, this.gen1, this.member1, this.inputs);
    if (d1) {
      for (const p of d1.released) this.quietSince.delete(p);
      const committed = await this.log.committed(names.stage1, meta.input, d1.opened);
      const states = await changelogStates(this.log, names.changelog, d1.opened.map((p) => ({ key: `s1:${p}`, q: changelogPartition(meta, p), committed: committed.get(p) ?? 0 })));
      for (const p of d1.opened) {
        const rec = states.get(`s1:${p}`);
        const end = meta.endOffsets ? (meta.endOffsets[p] ?? 0) : Infinity;
        const state = rec ? (JSON.parse(rec) as Stage1Record) : undefined;
        const c = committed.get(p) ?? 0;
        const to = this.stateless ? { output: meta.output, outputPartitions: this.s.outputPartitions() } : { repartition: names.repartition };
        this.inputs.set(p, new InputUnit(this.ctx, p, c, state, end, to));
      }
      this.settle(s1, v1, d1, 'input');
      this.gen1 = v1.generation;
      this.member1 = v1.memberId;
    }
    if (this.stateless) return;
    const v2 = s2.view();
    const d2 = reconcile(v2, this.gen2, this.member2, this.keys);
    if (d2) {
      for (const q of [...d2.released, ...d2.opened]) this.committedKeys.delete(q);
      const committed = await this.log.committed(names.stage2, names.repartition, d2.opened);
      const states = await changelogStates(this.log, names.changelog, d2.opened.map((q) => ({ key: `s2:${q}`, q, committed: committed.get(q) ?? 0 })));
      for (const q of d2.opened) {
        const rec = states.get(`s2:${q}`);
        const c = committed.get(q) ?? 0;
        const u = this.ctx.updateState ? await StateKeyUnit.open(this.ctx, q, c, rec, this.log, names.repartition)
          : new KeyUnit(this.ctx, q, c, rec ? (JSON.parse(rec) as Stage2Record) : undefined, this.s.batchTimeMs);
        this.keys.set(q, u);
        this.committedKeys.set(q, { pos: c, rec });
        if (u.openPanes > 0) this.ctx.say(`dstream: key partition ${q}: ${plural(u.openPanes, 'open pane')} rebuilt from the changelog`);
      }
      this.settle(s2, v2, d2, 'key');
      this.gen2 = v2.generation;
      this.member2 = v2.memberId;
    }
  }

  /** After a reconciliation: says what the member holds now (it joins again when it released partitions) and logs it. */
  private settle(m: Member, v: { generation: number; memberId: string | null; partitions: number[] }, d: Reconciled, what: string): void {
    m.hold(v, v.partitions);
    this.opened += d.opened.length;
    this.kept += d.kept.length;
    const n = v.partitions.length;
    const parts = [
      d.lost.length ? `lost ${d.lost.join(',')} (the group dropped this worker)` : '',
      d.kept.length ? `kept ${d.kept.join(',')}` : '',
      d.opened.length ? `opened ${d.opened.join(',')} from the committed state` : '',
      d.released.length ? `released ${d.released.join(',')} to the group` : '',
    ].filter((x) => x !== '');
    const head = n ? `${what} partition${n > 1 ? 's' : ''} ${v.partitions.join(',')} assigned` : `no ${what} partitions assigned`;
    this.ctx.say(`dstream: ${head} (generation ${v.generation})${parts.length ? `: ${parts.join('; ')}` : ''}`);
  }
}
