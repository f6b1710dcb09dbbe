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
 * commit was aborted, so the units keep their committed state; a commit of
 * unknown outcome (a broker error) drops every unit.
 *
 * A `--once` job ends at the end offsets noted at creation: each input
 * partition sends an end marker (watermark +∞) to every key partition, every
 * window closes, and each worker exits when every key partition says done.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { errorText, jobNames, type KafkaJobMeta, type KafkaLog } from './log.js';
import { fatalError, isFatal } from './fatal.js';
import { changelogPartition } from './job.js';
import { isFenced, Member } from './member.js';
import { behindOffsets, changelogStates, reconcile, type Reconciled } from './rebuild.js';
import { allEnded, LineUnit } from './stateless-unit.js';
import { StateInputUnit, StateKeyUnit } from './state-unit.js';
import { InputUnit, KeyUnit, type OutMessage, type Stage1Record, type Stage2Record, type UnitContext } from './units.js';

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
export class KafkaWorker {
  private readonly names;
  private readonly s1: Member;
  private readonly s2: Member;
  /** Input partitions held: a stateless job's (`keyPartitions` 0) write their rows to the output themselves (stateless-unit.ts). */
  private inputs = new Map<number, InputUnit | LineUnit | StateInputUnit>();
  /** Key partitions held: an `--update-state-by-key` job's keep the keys' state (state-unit.ts). */
  private keys = new Map<number, KeyUnit | StateKeyUnit>();
  private gen1 = -1;
  private gen2 = -1;
  /** The member ids the units were reconciled under: a new one means the group dropped this worker (its units are lost). */
  private member1: string | null = null;
  private member2: string | null = null;
  /** Units opened from their committed state (offsets and changelog), and units kept across a rebalance. */
  private opened = 0;
  private kept = 0;
  /** Per held key partition, its committed offset and state record (JSON; a fenced step 2 puts its units back to it). */
  private committedKeys = new Map<number, { pos: number; rec: string | undefined }>();
  /** The key partitions applied in the running step 2, until its transaction commits. */
  private pendingKeys: number[] = [];
  /** The generations of the last `fenced` line (said once per pair of generations). */
  private fencedSaid = '';
  /** Records per stage-1 batch and input partition: `batchRecords`, cut when a step outlasted the session (see run). */
  private batchRecords: number;
  private stopping = false;
  private readonly stopped = new AbortController();
  private outputPartitions = 1;
  private commits = 0;
  private errors = 0;
  /** Changelog partitions read so far by `complete` (read on from where it stopped), and the key partitions found done. */
  private changelog = new Map<number, { next: number; table: Map<string, string> }>();
  private doneKeys = new Set<number>();
  /** Per held input partition: since when (processing time, ms) it has had no input. */
  private quietSince = new Map<number, number>();
  /** The batch time of the rows of a `--once` job (its stored batch interval), else null (see KeyUnit). */
  private readonly batchTimeMs: number | null;
  private readonly stateless: boolean;

  constructor(private readonly log: KafkaLog, private readonly ctx: UnitContext, private readonly o: KafkaWorkerOptions) {
    this.names = jobNames(o.job);
    this.s1 = new Member(log, this.names.stage1, o.meta.input, `dstream-${o.job}-s1-${o.worker}`, o.sessionTimeoutMs, o.worker);
    this.s2 = new Member(log, this.names.stage2, this.names.repartition, `dstream-${o.job}-s2-${o.worker}`, o.sessionTimeoutMs, o.worker);
    const b = (JSON.parse(o.meta.pipeline) as { batchIntervalMs?: unknown }).batchIntervalMs;
    this.batchTimeMs = o.meta.endOffsets && typeof b === 'number' ? b : null;
    this.stateless = o.meta.keyPartitions === 0;
    this.batchRecords = o.batchRecords;
  }

  /** Asks the loop to stop after the running step (graceful: the groups rebalance at once). */
  stop(): void {
    this.stopping = true;
    this.stopped.abort();
  }

  /**
   * Runs until the job is complete or stopped. Broker errors are retried, never thrown.
   * @throws DStreamError from the operators (`--on-error fail`), a lost input offset, or a record too large for the broker (fatal.ts).
   */
  async run(): Promise<void> {
    this.outputPartitions = (await this.log.partitions(this.o.meta.output)) ?? 1;
    let lastCheck = -Infinity;
    /** After a step without progress the reads wait up to pollMs for records (long poll) instead of a sleep. */
    let waitMs = 0;
    try {
      while (!this.stopping) {
        let progressed = false;
        const fetches = this.log.fetches;
        try {
          await this.rebalance();
          // The two stages' transactions are independent (two producers, two groups): their round trips overlap.
          const began = Date.now();
          const [a, b] = await Promise.allSettled([this.step1(waitMs), this.step2(waitMs)]);
          // A step longer than half the session timeout (slow functions hold the event loop, so no heartbeat goes
          // out) gets its worker fenced again and again at the same batch size: cut the batches, down to 100 records.
          if (Date.now() - began > this.o.sessionTimeoutMs / 2 && this.batchRecords > 100) {
            this.batchRecords = Math.max(100, this.batchRecords >> 2);
            this.ctx.say(`dstream: a step took longer than half the session timeout (${this.o.sessionTimeoutMs} ms): batches of at most ${this.batchRecords} records per input partition from now on`);
          }
          const failed = [a, b].flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
          if (failed.length) throw new StepFailed(failed);
          progressed = (a as PromiseFulfilledResult<boolean>).value || (b as PromiseFulfilledResult<boolean>).value;
          this.errors = 0;
          // The changelog is read at most every 500 ms; key partitions held here and done need no read.
          if (!progressed && this.o.meta.endOffsets && (this.heldDone() || Date.now() - lastCheck >= 500)) {
            lastCheck = Date.now();
            if (await this.complete()) break;
          }
        } catch (e) {
          const errs = e instanceof StepFailed ? e.errors : [e];
          const fatal = errs.find((x) => isFatal(x));
          if (fatal !== undefined) throw fatalError(fatal, this.o.job);
          const fenced = errs.find((x) => isFenced(x));
          const at = `${this.gen1}/${this.gen2}`;
          if (fenced && this.fencedSaid !== at) {
            this.ctx.say(`dstream: fenced: the group moved partitions away from this worker (${errorText(fenced).slice(0, 200)}); its uncommitted batch is dropped`);
            this.fencedSaid = at;
          }
          const unknown = errs.find((x) => !isFenced(x));
          // Kept after a refusal: windowed units only (their compute starts from the committed state; the
          // collectors of stateless and --update-state-by-key units carry on from the refused batch).
          if (unknown || this.stateless || this.ctx.updateState) {
            if (unknown && (++this.errors === 1 || this.errors % 50 === 0)) this.ctx.say(`dstream: kafka error (retrying): ${errorText(unknown).slice(0, 300)}`);
            this.drop(); // the outcome of a commit is unknown: every unit is opened again from its committed state
          } else {
            this.restoreKeys(); // refused, so aborted: the units hold their committed state (step 2's are put back to it)
          }
        }
        waitMs = !progressed && !this.errors && this.log.fetches > fetches ? this.o.pollMs : 0;
        if (!progressed && !this.stopping && waitMs === 0) await this.sleep(this.errors ? Math.min(2000, 100 * this.errors) : this.o.pollMs);
      }
    } finally {
      this.ctx.say(`dstream: ${this.opened} unit${this.opened === 1 ? '' : 's'} opened from the committed state, ${this.kept} kept across rebalances`);
      await Promise.all([this.s1.leave(), this.stateless || this.s2.leave()]);
    }
  }

  /** Units opened from their committed state (offsets and changelog) so far: input and key partitions. */
  get rebuilds(): number {
    return this.opened;
  }

  /** Forgets every unit (a commit of unknown outcome): they are opened again from their committed state. */
  private drop(): void {
    this.inputs.clear();
    this.keys.clear();
    this.committedKeys.clear();
    this.pendingKeys = [];
    this.gen1 = this.gen2 = -1;
    this.member1 = this.member2 = null;
    this.quietSince.clear();
  }

  /** Puts the key units of a refused step 2 back to their last committed state (`apply` changed them). */
  private restoreKeys(): void {
    for (const q of this.pendingKeys) {
      const c = this.committedKeys.get(q);
      if (!this.keys.has(q) || c === undefined) this.keys.delete(q); // nothing to go back to: opened again
      else this.keys.set(q, new KeyUnit(this.ctx, q, c.pos, c.rec === undefined ? undefined : (JSON.parse(c.rec) as Stage2Record), this.batchTimeMs));
    }
    this.pendingKeys = [];
  }

  /** Waits `ms`, or until `stop()`. */
  private sleep(ms: number): Promise<void> {
    return delay(ms, undefined, { signal: this.stopped.signal }).catch(() => undefined);
  }

  /**
   * Brings the units to each group's assignment: units still assigned in the same membership are
   * kept as they are; revoked ones are released (the member joins again, so that the next generation
   * gives them to their new owner); newly assigned ones are opened from the committed offsets and
   * the changelog. A new member id means the group dropped this worker: every unit is opened again.
   */
  private async rebalance(): Promise<void> {
    const { meta } = this.o;
    await this.s1.ensureJoined();
    if (!this.stateless) await this.s2.ensureJoined();
    const v1 = this.s1.view();
    const d1 = reconcile(v1, this.gen1, this.member1, this.inputs);
    if (d1) {
      for (const p of d1.released) this.quietSince.delete(p);
      const committed = await this.log.committed(this.names.stage1, meta.input, d1.opened);
      const states = await changelogStates(this.log, this.names.changelog, d1.opened.map((p) => ({ key: `s1:${p}`, q: changelogPartition(meta, p), committed: committed.get(p) ?? 0 })));
      for (const p of d1.opened) {
        const rec = states.get(`s1:${p}`);
        const end = meta.endOffsets ? (meta.endOffsets[p] ?? 0) : Infinity;
        const state = rec ? (JSON.parse(rec) as Stage1Record) : undefined;
        const c = committed.get(p) ?? 0;
        this.inputs.set(p, this.stateless ? new LineUnit(this.ctx, p, c, state, end, meta.output, this.outputPartitions)
          : this.ctx.updateState ? new StateInputUnit(this.ctx, p, c, state, end) : new InputUnit(this.ctx, p, c, state, end));
      }
      this.settle(this.s1, v1, d1, 'input');
      this.gen1 = v1.generation;
      this.member1 = v1.memberId;
    }
    if (this.stateless) return;
    const v2 = this.s2.view();
    const d2 = reconcile(v2, this.gen2, this.member2, this.keys);
    if (d2) {
      for (const q of [...d2.released, ...d2.opened]) this.committedKeys.delete(q);
      const committed = await this.log.committed(this.names.stage2, this.names.repartition, d2.opened);
      const states = await changelogStates(this.log, this.names.changelog, d2.opened.map((q) => ({ key: `s2:${q}`, q, committed: committed.get(q) ?? 0 })));
      for (const q of d2.opened) {
        const rec = states.get(`s2:${q}`);
        const c = committed.get(q) ?? 0;
        const u = this.ctx.updateState ? await StateKeyUnit.open(this.ctx, q, c, rec, this.log, this.names.repartition)
          : new KeyUnit(this.ctx, q, c, rec ? (JSON.parse(rec) as Stage2Record) : undefined, this.batchTimeMs);
        this.keys.set(q, u);
        this.committedKeys.set(q, { pos: committed.get(q) ?? 0, rec });
        if (u.openPanes > 0) this.ctx.say(`dstream: key partition ${q}: ${u.openPanes} open panes rebuilt from the changelog`);
      }
      this.settle(this.s2, v2, d2, 'key');
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

  /** One stage-1 step over every held input partition; true when something was committed. */
  private async step1(waitMs = 0): Promise<boolean> {
    const messages: OutMessage[] = [];
    const offsets: [number, number][] = [];
    const done: [InputUnit | LineUnit | StateInputUnit, ReturnType<InputUnit['compute']>['after']][] = [];
    const units = [...this.inputs.values()].filter((u) => !u.done);
    // One fetch for every partition (KafkaLog.readMany), not one per partition.
    const reading = units.filter((u) => !u.endDue);
    const got = await this.log.readMany(this.o.meta.input, reading.map((u) => ({ partition: u.partition, from: u.pos, to: u.end, max: this.batchRecords })), waitMs);
    const reads = units.map((u) => (u.endDue ? null : got[reading.indexOf(u)]!));
    for (const [i, u] of units.entries()) {
      let records: Awaited<ReturnType<KafkaLog['read']>>['records'] = [];
      let next = u.pos;
      const r = reads[i];
      if (r) {
        records = r.records;
        next = r.next;
        if (records.length === 0 && next < u.end) {
          u.pos = next; // past transaction markers only
          const quiet = this.quietSince.get(u.partition) ?? Date.now();
          this.quietSince.set(u.partition, quiet);
          if (this.o.idleTimeoutMs === null || !(u instanceof InputUnit) || u.state.idle || Date.now() - quiet < this.o.idleTimeoutMs) continue;
          this.ctx.say(`dstream: input partition ${u.partition} idle for ${this.o.idleTimeoutMs} ms: windows no longer wait for it (--idle-timeout)`);
          const c = u.compute([], next, this.names.repartition, true);
          messages.push(...c.messages, { topic: this.names.changelog, partition: changelogPartition(this.o.meta, u.partition), key: `s1:${u.partition}`, value: JSON.stringify(c.after.state) });
          offsets.push([u.partition, next]);
          done.push([u, c.after]);
          continue;
        }
        this.quietSince.delete(u.partition);
      }
      const c = u instanceof LineUnit ? u.compute(records, next) : u.compute(records, next, this.names.repartition);
      messages.push(...c.messages, { topic: this.names.changelog, partition: changelogPartition(this.o.meta, u.partition), key: `s1:${u.partition}`, value: JSON.stringify(c.after.state) });
      offsets.push([u.partition, next]);
      done.push([u, c.after]);
    }
    if (done.length === 0) return false;
    const n = ++this.commits;
    await this.s1.commit(messages, offsets, this.gen1, this.o.beforeCommit && (() => this.o.beforeCommit!(n)));
    for (const [u, after] of done) u.commit(after);
    return true;
  }

  /** One stage-2 step over every held key partition; true when something was committed. */
  private async step2(waitMs = 0): Promise<boolean> {
    const messages: OutMessage[] = [];
    const offsets: [number, number][] = [];
    let late = 0;
    const applied: { q: number; pos: number; rec: string }[] = [];
    const units = [...this.keys.values()].filter((u) => !u.done);
    if (units.length === 0) return false;
    const reads = await this.log.readMany(this.names.repartition, units.map((u) => ({ partition: u.partition, from: u.pos, to: Infinity, max: 2000 })), waitMs);
    for (const [i, u] of units.entries()) {
      const r = reads[i]!;
      if (r.next === u.pos) continue;
      const a = u.apply(r.records, r.next, this.o.meta.output, this.outputPartitions);
      late += a.late;
      const rec = JSON.stringify(a.state);
      messages.push(...a.messages, { topic: this.names.changelog, partition: u.partition, key: `s2:${u.partition}`, value: rec });
      offsets.push([u.partition, r.next]);
      this.pendingKeys.push(u.partition);
      applied.push({ q: u.partition, pos: r.next, rec });
    }
    if (offsets.length === 0) return false;
    await this.s2.commit(messages, offsets, this.gen2);
    for (const c of applied) this.committedKeys.set(c.q, { pos: c.pos, rec: c.rec });
    this.pendingKeys = [];
    if (late > 0) this.ctx.say(`dstream: ${late} partial aggregates arrived after their windows closed (late; dropped)`);
    return true;
  }

  /** True when every key partition is known done without reading the changelog (found done before, or held here and done). */
  private heldDone(): boolean {
    for (let q = 0; q < this.o.meta.keyPartitions; q++) if (!this.doneKeys.has(q) && !this.keys.get(q)?.done) return false;
    return true;
  }

  /** True when every key partition has output its last window (a `--once` job). */
  private async complete(): Promise<boolean> {
    if (this.stateless) return allEnded(await this.changelogTable(0), this.o.meta.inputPartitions);
    for (let q = 0; q < this.o.meta.keyPartitions; q++) {
      if (this.keys.get(q)?.done) this.doneKeys.add(q); // held here: its done state is committed (a failed commit drops the units)
      if (this.doneKeys.has(q)) continue;
      const rec = (await this.changelogTable(q)).get(`s2:${q}`);
      if (!rec || !(JSON.parse(rec) as Stage2Record).done) return false;
      this.doneKeys.add(q); // done is final: a done key partition never commits again
    }
    return true;
  }

  /** Changelog partition `q` as a table, read on from where the last call stopped. */
  private async changelogTable(q: number): Promise<Map<string, string>> {
    let cache = this.changelog.get(q);
    if (!cache) this.changelog.set(q, (cache = { next: (await this.log.startOffsets(this.names.changelog))[q] ?? 0, table: new Map() }));
    return this.log.table(this.names.changelog, q, cache);
  }
}

/** The failures of one step (stage 1, stage 2 or both). */
class StepFailed extends Error {
  constructor(readonly errors: unknown[]) {
    super('step failed');
  }
}
