/**
 * The loop every distributed worker runs, whatever the log: Redis (worker.ts,
 * over `JobLog`: leases with epochs, one atomic commit per unit) and Kafka
 * (kafka/worker.ts: consumer-group generations, one transaction per stage).
 * What differs between the logs is behind `WorkerUnits`; the order of a
 * round, the exit rule and the stop rule are here:
 *
 *   until stop():
 *     rebalance()          bring the units held to the assignment: open the
 *                          units gained, keep the others, release the revoked
 *                          ones, drop the lost ones
 *     step()               one step of every held unit; true: something was committed
 *     nothing committed, and complete()  → leave, done (exit 0)
 *     rebalance or step threw → failed(e): rethrows what ends the worker, else
 *                          puts the units back to their committed state (a
 *                          refused commit: kept; unknown outcome: dropped)
 *     nothing committed → idle()          wait for input; stop() ends the wait
 *   leave()                hand the units over, leave the group (also after a fatal error)
 *
 * stop() (SIGTERM) lets the running step commit; the loop then leaves at once,
 * so the other workers take over without waiting for an expiry.
 */
import { setTimeout as delay } from 'node:timers/promises';

/** One worker's units on one log, as the loop drives them (see module doc). */
export interface WorkerUnits {
  rebalance(): Promise<void>;
  /** @returns true when something was committed. */
  step(): Promise<boolean>;
  /** True when the whole job is complete (asked after a round that committed nothing). */
  complete(): Promise<boolean>;
  /** @throws what ends the worker (a DStreamError: `--on-error fail`, a fatal log error). */
  failed(e: unknown): Promise<void>;
  /** Waits before the next round after one that committed nothing; returns early once `stopped` aborts. */
  idle(stopped: AbortSignal): Promise<void>;
  leave(): Promise<void>;
}

/** Runs a worker's units until its job is complete or `stop()` is called. */
export class WorkerLoop {
  private readonly stopped = new AbortController();

  get stopping(): boolean {
    return this.stopped.signal.aborted;
  }

  /** Asks the loop to stop after the running step (graceful). */
  stop(): void {
    this.stopped.abort();
  }

  /**
   * Runs rounds until the job is complete or `stop()`; `units.leave()` always runs at the end.
   * @throws what `units.failed` throws.
   */
  async run(units: WorkerUnits): Promise<void> {
    try {
      while (!this.stopping) {
        let progressed = false;
        try {
          await units.rebalance();
          if (this.stopping) break;
          progressed = await units.step();
          if (!progressed && (await units.complete())) break;
        } catch (e) {
          await units.failed(e);
        }
        if (!progressed && !this.stopping) await units.idle(this.stopped.signal);
      }
    } finally {
      await units.leave();
    }
  }
}

/** Waits `ms`, or until `signal` aborts. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return delay(ms, undefined, { signal }).catch(() => undefined);
}
