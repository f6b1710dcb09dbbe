/**
 * A distributed-mode worker. Every process is an identical worker; there is
 * no driver and no coordinator. Units — (stage 1, input partition) and
 * (stage 2, key partition) — are taken through leases with an epoch (Kafka's
 * fencing): every commit checks the epoch, so a paused or partitioned worker
 * can never commit after losing its lease.
 *
 * The loop: heartbeat every lease/3 (membership and lease renewal, on a
 * timer); at each batch boundary, rebalance to a fair share per stage (live
 * members sorted by id; the first `units mod members` take one more), free
 * surplus units (only here, so always right after a commit), then run one
 * step of every held unit. A stop request (SIGTERM) lets the running step
 * commit, then hands every unit over at once (key partitions store their open
 * windows), so others take over without waiting for expiry or replaying. The worker exits when every input partition has
 * reached its end and every key partition has output its windows.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { DStreamError } from '../core/errors.js';
import type { HeartbeatReply, UnitId } from './backend.js';
import { FencedError, type JobContext } from './job-context.js';
import { Stage1Unit } from './stage1.js';
import { Stage2Unit } from './stage2.js';

type Unit = Stage1Unit | Stage2Unit;

/** A new worker id: `host:pid:random`. */
export function newWorkerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

/**
 * The share of `units` units that member `rank` of `members` should hold:
 * `floor(units / members)`, plus one for the first `units mod members`.
 */
export function fairShare(units: number, members: number, rank: number): number {
  if (members <= 0 || rank < 0) return 0;
  return Math.floor(units / members) + (rank < units % members ? 1 : 0);
}

/** Runs units of one job until it is complete or `stop()` is called. */
export class Worker {
  private units = new Map<UnitId, Unit>();
  private view: HeartbeatReply | null = null;
  private viewAt = -Infinity;
  private stopping = false;
  private wake: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private errors = 0;
  private gone: DStreamError | null = null;

  constructor(private readonly ctx: JobContext, private readonly batchIntervalMs: number) {}

  /** Asks the loop to stop after the step that is running (graceful). */
  stop(): void {
    this.stopping = true;
    this.wake?.();
  }

  private held(): [UnitId, number][] {
    return [...this.units.values()].map((u) => [u.unit, u.epoch]);
  }

  private async heartbeat(): Promise<void> {
    const reply = await this.ctx.log.heartbeat(this.ctx.worker, this.ctx.leaseMs, this.held());
    for (const u of reply.lost) {
      if (this.units.delete(u)) this.ctx.say(`dstream: lease on ${describe(u)} lost (another worker holds it now)`);
    }
    this.view = reply;
    this.viewAt = this.ctx.now();
  }

  /**
   * Runs until the job is complete or stopped.
   * Redis errors are retried, never thrown.
   * @throws DStreamError from the operators (`--on-error fail`), after releasing the leases.
   */
  async run(): Promise<void> {
    const { ctx } = this;
    await this.heartbeat();
    let beating = false; // one heartbeat at a time: while redis is away they would queue up
    this.timer = setInterval(() => {
      if (beating) return;
      beating = true;
      this.heartbeat().catch((e: unknown) => {
        if (e instanceof DStreamError) {
          this.gone = e; // the job was reset: stop at once, commit nothing more
          this.stop();
        } // else: redis errors are reported by the connection
      }).finally(() => (beating = false));
    }, Math.max(50, Math.floor(ctx.leaseMs / 3)));
    let fatal: DStreamError | null = null;
    try {
      while (!this.stopping) {
        let progressed = false;
        try {
          await this.rebalance();
          if (this.stopping) break;
          progressed = await this.stepAll();
          if (!progressed && (await this.complete())) break;
          this.errors = 0;
        } catch (e) {
          if (e instanceof DStreamError) {
            fatal = e; // --on-error fail, a bad record: the job cannot go on
            break;
          }
          if (++this.errors === 1 || this.errors % 50 === 0) ctx.say(`dstream: redis error (retrying): ${(e as Error).message}`);
          for (const u of this.units.values()) await u.open().catch(() => this.units.delete(u.unit));
        }
        if (!progressed && !this.stopping) await this.sleep(this.errors ? Math.min(1000, 100 * this.errors) : this.batchIntervalMs);
      }
    } finally {
      if (this.timer) clearInterval(this.timer);
      await this.releaseUnits([...this.units.keys()], true).catch(() => undefined);
    }
    if (fatal ?? this.gone) throw fatal ?? this.gone;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(t);
        this.wake = null;
        resolve();
      };
    });
  }

  /** One step of every held unit (concurrently: their server round trips overlap). */
  private async stepAll(): Promise<boolean> {
    const units = [...this.units.values()];
    const results = await Promise.all(units.map(async (u) => {
      try {
        return await u.step();
      } catch (e) {
        if (e instanceof FencedError) {
          this.units.delete(u.unit);
          this.ctx.say(`dstream: fenced: ${describe(u.unit)} was taken over (epoch ${u.epoch} is stale); its uncommitted batch is dropped`);
          return false;
        }
        throw e;
      }
    }));
    return results.some(Boolean);
  }

  /** Takes free units up to the fair share, frees the surplus (see module doc). */
  private async rebalance(): Promise<void> {
    const { ctx } = this;
    // A fresh view at least every 200 ms: units freed by others are taken without waiting for the heartbeat timer.
    if (ctx.now() - this.viewAt >= Math.min(200, ctx.leaseMs / 3)) await this.heartbeat();
    const view = this.view;
    if (!view) return;
    const members = view.members.includes(ctx.worker) ? view.members : [...view.members, ctx.worker].sort();
    const rank = members.indexOf(ctx.worker);
    const byUnit = new Map(view.leases.map((l) => [l.unit, l]));
    for (const [stage, count] of [['s1', ctx.inputPartitions], ['s2', ctx.keyPartitions]] as const) {
      const target = fairShare(count, members.length, rank);
      const mine = [...this.units.keys()].filter((u) => u.startsWith(`${stage}:`));
      if (mine.length > target) {
        await this.releaseUnits(mine.slice(target), false);
        continue;
      }
      let need = target - mine.length;
      // Start at a rank-dependent place, so new workers do not all race for the same unit.
      for (let i = 0; i < count && need > 0; i++) {
        const n = (i + rank * Math.max(1, Math.floor(count / members.length))) % count;
        const unit = `${stage}:${n}`;
        if (this.units.has(unit)) continue;
        const l = byUnit.get(unit);
        if (l && l.owner !== '' && l.owner !== ctx.worker && l.expiresMs > view.nowMs) continue;
        const epoch = await ctx.log.acquire(ctx.worker, unit, ctx.leaseMs);
        if (epoch === null) continue;
        const u = stage === 's1' ? new Stage1Unit(ctx, n, epoch) : new Stage2Unit(ctx, n, epoch);
        this.units.set(unit, u); // before open(): the heartbeat renews it during a long rebuild
        try {
          await u.open();
        } catch (e) {
          this.units.delete(unit);
          await ctx.log.release(ctx.worker, [[unit, epoch]], false).catch(() => undefined);
          throw e;
        }
        need--;
      }
    }
  }

  /** Frees units (key partitions hand over their open windows); with `leave`, also leaves the members. */
  private async releaseUnits(ids: UnitId[], leave: boolean): Promise<void> {
    const units = ids.map((id) => this.units.get(id)!);
    for (const id of ids) this.units.delete(id);
    await Promise.all(units.map((u) => (u instanceof Stage2Unit && !u.done ? u.handOver().catch(() => undefined) : undefined)));
    await this.ctx.log.release(this.ctx.worker, units.map((u) => [u.unit, u.epoch]), leave);
  }

  /** True when every input partition has ended and every key partition is done (read from the server). */
  private async complete(): Promise<boolean> {
    const { ctx } = this;
    for (let p = 0; p < ctx.inputPartitions; p++) if (!(await ctx.log.stage1State(p)).eof) return false;
    for (let q = 0; q < ctx.keyPartitions; q++) if (!(await ctx.log.stage2State(q)).done) return false;
    return true;
  }
}

/** `s1:3` → `input partition 3`, `s2:5` → `key partition 5`. */
export function describe(unit: UnitId): string {
  const [stage, n] = unit.split(':');
  return `${stage === 's1' ? 'input' : 'key'} partition ${n}`;
}
