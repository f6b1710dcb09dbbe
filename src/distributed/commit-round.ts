/**
 * The commit of one round of a worker, the same on every log (Redis
 * redis/worker.ts, Kafka kafka/step.ts): the steps its units computed go to the
 * log together (`StepLog.commit`, which groups them into its own atomic
 * writes: one Lua script per unit on Redis, one transaction per stage on
 * Kafka), and each unit adopts its own step once the log says it is in. A
 * step the log refused is handed to the backend's rule (`refused`): on Redis
 * a fenced unit is dropped (another worker holds its lease) and a stale one
 * reopened; on Kafka the whole stage goes back to its committed state.
 */
import type { PreparedStep } from './job-context.js';
import type { Refusal, StepLog } from './log-backend.js';

/**
 * Commits `steps` through `log` for `worker` and adopts the ones that are in.
 * @param refused the backend's rule for a step refused ('fenced' or 'stale'); it returns once the
 *   unit is back at its committed state, or throws to end the round.
 * @returns the number of steps adopted.
 * @throws what `log.commit` throws (outcome unknown), or what `refused` throws.
 */
export async function commitRound<W>(log: StepLog<W>, worker: string, steps: PreparedStep<W>[], refused: Refusal<W>): Promise<number> {
  if (steps.length === 0) return 0;
  const results = await log.commit(worker, steps.map((s) => s.commit));
  let adopted = 0;
  await Promise.all(steps.map(async (s, i) => {
    const r = results[i]!;
    if (r !== 'ok') return refused(s, r);
    await s.adopt();
    adopted++;
  }));
  return adopted;
}
