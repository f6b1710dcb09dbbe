/**
 * The body of a `--workers` thread: reads its `WorkerTask` (worker-task.ts), then, while another
 * segment has enough left, the rest of it (`SegmentTable.steal`, engine/segments.ts); posts the
 * `WorkerResult` of every part it read, or `{ ok: false, error }`, on its port; then sets its slot
 * of `task.signals` (the main thread may be waiting on it to take the answer synchronously,
 * engine/workers.ts).
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import { SegmentTable } from './segments.js';
import { readParts } from './worker-task.js';
import type { WorkerTask } from './worker-task.js';

const { task, port } = workerData as { task: WorkerTask; port: MessagePort };
try {
  port.postMessage(readParts(task, task.segments ? new SegmentTable(task.segments) : undefined));
} catch (e) {
  port.postMessage({ ok: false, error: e instanceof Error ? e.message : String(e), code: (e as { exitCode?: number }).exitCode });
}
if (task.signals) {
  const signals = new Int32Array(task.signals);
  Atomics.store(signals, 1 + task.index, 1);
  Atomics.notify(signals, 1 + task.index);
}
port.close();
