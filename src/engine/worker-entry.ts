/**
 * The body of a `--workers` thread: runs its `WorkerTask` (worker-task.ts) and posts the
 * `WorkerResult` to the main thread, or `{ ok: false, error }`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { TaskRunner } from './worker-task.js';
import type { WorkerTask } from './worker-task.js';

try {
  const runner = new TaskRunner(workerData as WorkerTask);
  runner.step();
  parentPort!.postMessage(runner.result());
} catch (e) {
  parentPort!.postMessage({ ok: false, error: e instanceof Error ? e.message : String(e), code: (e as { exitCode?: number }).exitCode });
}
