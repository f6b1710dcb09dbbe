/**
 * A distributed-mode worker. Every process is an identical worker; there is
 * no driver and no coordinator. Units — (stage 1, input partition) and
 * (stage 2, key partition) — are taken through leases with an epoch (Kafka's
 * fencing): every commit checks the epoch, so a paused or partitioned worker
 * can never commit after losing its lease.
 *
 * The loop (loop.ts, the same as a Kafka worker's): heartbeat every lease/3
 * (membership and lease renewal, on a timer); at each batch boundary, rebalance to a fair share per stage (live
 * members sorted by id; the first `units mod members` take one more), free
 * surplus units (only here, so always right after a commit), then run one
 * step of every held unit: the units compute their steps, the log commits
 * them (`JobLog.commit`), each unit adopts its own once it is in. A stop request (SIGTERM) lets the running step
 * commit, then hands every unit over at once (key partitions store their open
 * windows), so others take over without waiting for expiry or replaying. The worker exits when every input partition has
 * reached its end and every key partition has output its windows.
 */
import { DStreamError } from '../../core/errors.js';
import { describe } from '../admin.js';
import type { UnitId } from '../backend.js';
import type { JobWorker, Refusal } from '../log-backend.js';
import { commitRound } from '../commit-round.js';
import { pause, WorkerLoop, type WorkerUnits } from '../loop.js';
import { committed, FencedError, type JobContext, type RedisStep } from './context.js';
import type { JobLogWrite } from './job-log.js';
import { Stage1Unit } from './stage1.js';
import { Stage2Unit } from './stage2.js';
import { StateUnit } from './state-unit.js';

type Unit = Stage1Unit | Stage2Unit | StateUnit;

/** Runs units of one job until it is complete or `stop()` is called (the loop: loop.ts, over this worker's `WorkerUnits`). */
export class Worker implements JobWorker, WorkerUnits {
  private units = new Map<UnitId, Unit>();
  private readonly loop = new WorkerLoop();
  private timer: NodeJS.Timeout | null = null;
  private errors = 0;
  private gone: DStreamError | null = null;

  constructor(private readonly ctx: JobContext, private readonly batchIntervalMs: number) {}

  /** Asks the loop to stop after the step that is running (graceful). */
  stop(): void {
    this.loop.stop();
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
   * @throws DStreamError from the operators (`--on-error fail`), after releasing the leases; JobGoneError when the job was reset.
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
    await this.loop.run(this);
    if (this.gone) throw this.gone;
  }

  /** One step of every held unit (`stepAll`); a round that got through clears the error count. */
  async step(): Promise<boolean> {
    const progressed = await this.stepAll();
    this.errors = 0;
    return progressed;
  }

  /** Waits the batch interval (after errors: 100 ms per error, up to 1 s). */
  idle(stopped: AbortSignal): Promise<void> {
    return pause(this.errors ? Math.min(1000, 100 * this.errors) : this.batchIntervalMs, stopped);
  }

  /** Stops the heartbeat, hands every unit over and leaves the members. */
  async leave(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.releaseUnits([...this.units.keys()], true).catch(() => undefined);
  }

  /**
   * A failed rebalance or step: a DStreamError (`--on-error fail`, a bad record) ends the worker; a
   * redis error is said (the first, then every 50th) and the units are opened again from the server.
   * @throws DStreamError
   */
  async failed(e: unknown): Promise<void> {
    if (e instanceof DStreamError) throw e;
    if (++this.errors === 1 || this.errors % 50 === 0) this.ctx.say(`dstream: redis error (retrying): ${(e as Error).message}`);
    for (const u of this.units.values()) await u.open().catch(() => this.units.delete(u.unit));
  }

  /**
   * One step of every held unit: each computes its step (concurrently: their server round trips
   * overlap), the log commits them (`commitRound`: `JobLog.commit`), and each unit adopts its own once it is in.
   */
  private async stepAll(): Promise<boolean> {
    const { ctx } = this;
    const units = [...this.units.values()];
    const steps = await Promise.all(units.map((u) => this.unlessFenced(u, () => u.prepare())));
    const ready = steps.filter((s): s is RedisStep => s !== null && s !== false);
    const byId = new Map(units.map((u) => [u.unit, u]));
    // Refused: a fenced unit is dropped (taken over), a stale one opened again (`committed`).
    const refused: Refusal<JobLogWrite> = async (s, r) => {
      const u = byId.get(s.commit.unit)!;
      await this.unlessFenced(u, () => committed(r, u));
    };
    const adopted = await commitRound(ctx.log, ctx.worker, ready, refused);
    return adopted > 0;
  }

  /** Runs `fn` for unit `u`; when it finds the unit fenced (taken over), drops the unit, says so, and gives false. */
  private async unlessFenced<T>(u: Unit, fn: () => Promise<T>): Promise<T | false> {
    try {
      return await fn();
    } catch (e) {
      if (!(e instanceof FencedError)) throw e;
      this.units.delete(u.unit);
      this.ctx.say(`dstream: fenced: ${describe(u.unit)} was taken over (epoch ${u.epoch} is stale); its uncommitted batch is dropped`);
      return false;
    }
  }

  /** Gives up the units over this worker's share, then opens the units granted (see `JobLog.assign`). */
  async rebalance(): Promise<void> {
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
  async complete(): Promise<boolean> {
    const { ctx } = this;
    for (let p = 0; p < ctx.inputPartitions; p++) if (!(await ctx.log.stage1State(p)).eof) return false;
    for (let q = 0; q < ctx.keyPartitions; q++) if (!(await ctx.log.stage2State(q)).done) return false;
    return true;
  }
}
