/**
 * Recovery at start, as Structured Streaming's: the newest state snapshot
 * that fits this pipeline is restored (job-state.ts), then every batch logged
 * after it is re-run from its logged offsets, in order. Each sink is told
 * what the logs say of it (`Sink.recover`) and is idempotent per batch id:
 * it drops the rows of batches committed before the crash and writes the
 * batch that was in flight once (sinks/sink.ts).
 */
import type { Millis } from '../core/types.js';
import type { CheckpointStore } from '../checkpoint/checkpoint-store.js';
import { sinkLogOf } from '../sinks/sink.js';
import type { JobGraph } from './job-graph.js';
import { badSnapshot, restoreState, type JobSnapshot } from './job-state.js';
import type { CheckpointOptions, MicroBatchExecution } from './micro-batch.js';

/**
 * Restores and replays (see module doc).
 * @param setBatchTime told the time of each batch before it is re-run.
 * @returns the time of the last batch restored or re-run (−∞ for none), or null when a re-run batch failed (the job is stopped).
 * @throws DStreamError when the checkpoint is damaged beyond exact recovery.
 */
export function recover(graph: JobGraph, exec: MicroBatchExecution, ck: CheckpointOptions, setBatchTime: (timeMs: Millis) => void): Millis | null {
  let lastTime = -Infinity;
  const rec = ck.store.recover((id, state) => badSnapshot(graph, id, state));
  for (const w of rec.warnings) ck.log?.(`dstream: checkpoint: ${w}`);
  if (rec.snapshot) {
    const st = rec.snapshot.state as JobSnapshot;
    restoreState(graph, st, { dir: ck.store.dir, id: rec.snapshot.id });
    // Issue counts are per run: the snapshot keeps them for `checkpoint inspect`, a run reports its own.
    exec.batchIndex = st.batchIndex;
    exec.resumedPositions = JSON.stringify(st.positions ?? {});
    lastTime = st.lastTimeMs;
    exec.lastSnapshotTimeMs = st.lastTimeMs;
    ck.log?.(`dstream: checkpoint: restored state after batch ${rec.snapshot.id}`);
  }
  // Each sink learns what the logs say of it, and skips or rewrites re-run batches itself (sinks/sink.ts).
  for (const o of [...ck.outputs, ...(ck.replayMuted ?? [])]) o.recover(sinkLogOf(rec.batches, o.name));
  for (const b of rec.batches) {
    const committed = b.commit !== null;
    exec.batchIndex = b.offsets.id;
    setBatchTime(b.offsets.timeMs);
    if (!exec.run(b.offsets.timeMs, false, b.offsets, committed)) return null;
    lastTime = b.offsets.timeMs;
  }
  if (rec.batches.length) ck.log?.(`dstream: checkpoint: replayed ${rec.batches.length} logged batch${rec.batches.length === 1 ? '' : 'es'}`);
  return lastTime;
}

/**
 * What recovery will replay of the source named `name`: its part of the newest
 * state snapshot and of each logged batch's offsets, for a source that must
 * know before it starts (Kafka: which offsets to fetch from).
 */
export function loggedInputOf(store: CheckpointStore, name: string): { snapshot: unknown; batches: unknown[] } {
  const r = store.recover();
  const state = r.snapshot?.state as Partial<JobSnapshot> | undefined;
  return { snapshot: state?.sources?.[name], batches: r.batches.map((b) => b.offsets.sources[name]) };
}
