/**
 * The state of a job as plain data: what a checkpoint snapshot holds
 * (checkpoint/checkpoint-store.ts stores it), how it is checked against the
 * running pipeline, and how it is put back. One file, so that the snapshot
 * format is read on one screen.
 */
import { DStreamError } from '../core/errors.js';
import type { IssueKind, IssueLog } from '../core/issues.js';
import type { Millis } from '../core/types.js';
import { isReplayable, type Replayable } from '../sources/source.js';
import type { JobGraph } from './job-graph.js';

/** A state snapshot taken after a batch. */
export interface JobSnapshot {
  /** Index of the next batch. */
  batchIndex: number;
  /** Time of the batch the snapshot follows (epoch ms). */
  lastTimeMs: Millis;
  /** `snapshot()` of every stateful node, in graph order. */
  nodes: unknown[];
  /** `snapshot()` of every watermark tracker, in graph order. */
  trackers: unknown[];
  /** Replayable sources' `snapshot()`, by source name. */
  sources: Record<string, unknown>;
  /** Other sources' `position()`, by source name. */
  positions?: Record<string, unknown>;
  /** Issue counts up to here (shown by `dstream checkpoint inspect`; a run reports its own). */
  issues: Record<IssueKind, number>;
}

/** All state of the job after the batch at `timeMs` (the next batch being `batchIndex`). */
export function captureState(graph: JobGraph, batchIndex: number, timeMs: Millis, issues: IssueLog): JobSnapshot {
  return {
    batchIndex,
    lastTimeMs: timeMs,
    nodes: graph.stateful.map((n) => n.snapshot()),
    trackers: graph.trackers.map((t) => t.snapshot()),
    sources: sourceSnapshots(graph),
    positions: filePositions(graph),
    issues: { ...issues.counts },
  };
}

/** Replayable sources' `snapshot()`, by source name (`JobSnapshot.sources`). */
export function sourceSnapshots(graph: JobGraph): Record<string, unknown> {
  return Object.fromEntries(graph.receivers.filter((s) => isReplayable(s.source)).map((s) => [s.source.name, (s.source as unknown as Replayable).snapshot()]));
}

/** Other sources' `position()`, by source name (`JobSnapshot.positions`). */
export function filePositions(graph: JobGraph): Record<string, unknown> {
  return Object.fromEntries(graph.receivers.filter((s) => s.source.position).map((s) => [s.source.name, s.source.position!()]));
}

/** Why `state` cannot be the snapshot of this pipeline after batch `id`; null when it fits. */
export function badSnapshot(graph: JobGraph, id: number, state: unknown): string | null {
  const st = state as { batchIndex?: unknown; lastTimeMs?: unknown; nodes?: unknown; trackers?: unknown };
  if (st === null || typeof st !== 'object' || !Array.isArray(st.nodes) || !Array.isArray(st.trackers)) return 'not a state snapshot';
  if (st.nodes.length !== graph.stateful.length || st.trackers.length !== graph.trackers.length) {
    return `state of ${st.nodes.length} operators, expected ${graph.stateful.length}`;
  }
  if (st.batchIndex !== id + 1 || typeof st.lastTimeMs !== 'number' || !Number.isFinite(st.lastTimeMs)) return `not the state after batch ${id}`;
  return null;
}

/**
 * Puts a snapshot (checked by `badSnapshot`) back into the nodes, trackers and sources.
 * @throws DStreamError E_CHECKPOINT_DAMAGED when a node or source refuses its part.
 */
export function restoreState(graph: JobGraph, st: JobSnapshot, where: { dir: string; id: number }): void {
  try {
    graph.stateful.forEach((n, i) => n.restore(st.nodes[i]));
    graph.trackers.forEach((t, i) => t.restore(st.trackers[i]));
    for (const s of graph.receivers) if (isReplayable(s.source) && st.sources?.[s.source.name] !== undefined) s.source.restore(st.sources[s.source.name]);
    for (const s of graph.receivers) if (s.source.resume && st.positions?.[s.source.name] !== undefined) s.source.resume(st.positions[s.source.name]);
  } catch (e) {
    // A TypeError here is malformed data met by a restore (e.g. "x is not iterable"): not worth showing.
    const why = e instanceof TypeError || e instanceof RangeError ? 'malformed data' : (e as Error).message;
    throw new DStreamError('E_CHECKPOINT_DAMAGED', 'recovery', `checkpoint ${where.dir}: state/${where.id}.json does not hold this pipeline's state (${why}); restore the checkpoint from a backup, or start over with a new --checkpoint directory`);
  }
}
