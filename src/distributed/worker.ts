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
import type { UnitId } from './backend.js';
import { FencedError, type JobContext } from './job-context.js';
import { Stage1Unit } from './stage1.js';
import { Stage2Unit } from './stage2.js';
import { StateUnit } from './state-stage.js';

type Unit = Stage1Unit | Stage2Unit | StateUnit;

/** A new worker id: `host:pid:random`. */
export function newWorkerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

/** Runs units of one job until it is complete or `stop()` is called. */
export class Worker {
  private units = new Map<UnitId, Unit>();
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
    this.dropLost(reply.lost);
  }

  private dropLost(lost: UnitId[]): void {
    for (const u of lost) {
      if (this.units.delete(u)) this.ctx.say(`dstream: lease on ${describe(u)} lost (another worker holds it now)`);
    }
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

  /** Gives up the units over this worker's share, then opens the units granted (see `JobLog.assign`). */
  private async rebalance(): Promise<void> {
    const { ctx } = this;
    const { lost, granted, revoke } = await ctx.log.assign(ctx.worker, ctx.leaseMs, this.held());
    this.dropLost(lost);
    const mine = revoke.filter((u) => this.units.has(u));
    if (mine.length) await this.releaseUnits(mine, false);
    for (let i = 0; i < granted.length; i++) {
      const { unit, epoch } = granted[i]!;
      const n = Number(unit.slice(3));
      const u = unit.startsWith('s1:') ? new Stage1Unit(ctx, n, epoch) : ctx.updateState ? new StateUnit(ctx, n, epoch) : new Stage2Unit(ctx, n, epoch);
      this.units.set(unit, u); // before open(): the heartbeat renews it during a long rebuild
      try {
        await u.open();
      } catch (e) {
        this.units.delete(unit);
        const unopened = granted.slice(i).map((g): [UnitId, number] => [g.unit, g.epoch]);
        await ctx.log.release(ctx.worker, unopened, false).catch(() => undefined);
        throw e;
      }
    }
  }

  /** Frees units (key partitions hand over their open windows); with `leave`, also leaves the members. */
  private async releaseUnits(ids: UnitId[], leave: boolean): Promise<void> {
    const units = ids.map((id) => this.units.get(id)!);
    for (const id of ids) this.units.delete(id);
    await Promise.all(units.map((u) => (!(u instanceof Stage1Unit) && !u.done ? u.handOver().catch(() => undefined) : undefined)));
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
