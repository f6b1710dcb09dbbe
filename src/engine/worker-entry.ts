/**
 * The body of a `--workers` thread: reads its `WorkerTask` (worker-task.ts), then, while another
 * segment has enough left, the rest of it (`SegmentTable.steal`, engine/segments.ts); posts the
 * `WorkerResult` of every part it read, or `{ ok: false, error }`, on its port (packed partials
 * moved, not copied); then sets its slot of `task.signals` to 1 (the main thread may be waiting on
 * it to take the answer synchronously, engine/workers-source.ts). With packed partials it then
 * waits for one `MergeRequest`: its key partition of every part, which it merges
 * (engine/workers-merge.ts) and posts back decoded (`Merged`) if it claims the partition before the
 * main thread does (`claimPartition`), and sets its slot to 2. A spare thread, started before the
 * job was known (cli/start.cts `spareThread`), has no task in its `workerData`: it waits for a
 * message `{ task, port }` (engine/workers-threads.ts).
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { SegmentTable } from './segments.js';
import { readParts } from './worker-task.js';
import type { WorkerResult, WorkerTask } from './worker-task.js';
import { combinerOf } from './map-side-combine.js';
import { claimPartition, mergedOf, mergePartition, type MergeRequest } from './workers-merge.js';

/** Reads `task`'s parts and answers on `port` (see module doc). */
function run(task: WorkerTask, port: MessagePort): void {
  const signals = task.signals ? new Int32Array(task.signals) : undefined;
  const signal = (value: number): void => {
    if (!signals) return;
    Atomics.store(signals, 1 + task.index, value);
    Atomics.notify(signals, 1 + task.index);
  };
  let results: WorkerResult[] | undefined;
  try {
    results = readParts(task, task.segments ? new SegmentTable(task.segments) : undefined);
    port.postMessage(results, results.flatMap((r) => r.packed ?? []));
  } catch (e) {
    port.postMessage({ ok: false, error: e instanceof Error ? e.message : String(e), code: (e as { exitCode?: number }).exitCode });
    results = undefined;
  }
  signal(1);
  if (results?.every((r) => r.ok && r.packed)) {
    port.once('message', ({ chunks, claims }: MergeRequest) => {
      const claimed = new Int32Array(claims);
      // Crash tests: a thread starved of CPU, which comes to its partition after the main thread took it.
      if (process.env.DSTREAM_FAULT === 'workers-starved-merge') Atomics.wait(claimed, task.index, 0);
      if (claimPartition(claimed, task.index)) {
        // Decoded here (its keys made strings), not in the main thread, which decodes its own partition meanwhile.
        const merged = mergedOf(mergePartition(chunks, combinerOf(task.aggregation, '--workers', '') as (a: unknown, b: unknown) => unknown));
        port.postMessage(merged, merged.values instanceof Float64Array ? [merged.values.buffer as ArrayBuffer] : []);
      }
      signal(2);
      port.close();
    });
  } else {
    port.close();
  }
}

// A spare thread (cli/start.cts `spareThread`) is started with no task: its first message brings one.
const data = workerData as { task: WorkerTask; port: MessagePort } | { spare: true };
if ('spare' in data) parentPort!.once('message', (m: { task: WorkerTask; port: MessagePort }) => run(m.task, m.port));
else run(data.task, data.port);
