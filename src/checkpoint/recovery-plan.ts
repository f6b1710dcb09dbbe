/**
 * Recovery's reading of a checkpoint directory (layout: checkpoint-store.ts):
 * the entries of the offset and commit logs, and which generation — a
 * snapshot and the consecutive logged batches after it — a restart replays.
 */
import { join } from 'node:path';
import { DStreamError } from '../core/errors.js';
import { decodeState } from './codec.js';
import { ids } from './directory.js';
import { readDurable } from './durable-file.js';

/** Offset-log entry: what batch `id` is, fixed before it runs. */
export interface OffsetEntry {
  id: number;
  timeMs: number;
  /** Planned offsets per source name (source-specific plain data). */
  sources: Record<string, unknown>;
  /** Durable positions of the outputs when the batch started (e.g. the length of `--output FILE`). */
  outputs: Record<string, unknown>;
}

/** Commit-log entry: batch `id` is done and its output durable. */
export interface CommitEntry {
  id: number;
  timeMs: number;
  /** Durable positions of the sinks after the batch (e.g. the length of `--output FILE`). */
  sinks: Record<string, unknown>;
  /** Id of the snapshot taken after this batch, or null. */
  snapshot: number | null;
}

/** What a restart must do. */
export interface Recovery {
  /** Newest readable snapshot: state after batch `id`. */
  snapshot: { id: number; state: unknown } | null;
  /** Logged batches after the snapshot, in order; `commit` null for the batch that was running. */
  batches: { offsets: OffsetEntry; commit: CommitEntry | null }[];
  /** Messages about files skipped (corrupt, truncated) on the way. */
  warnings: string[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Why `e` is not the offset-log entry of batch `id` logged after a batch at `prevTimeMs`; null when it is. */
function badEntry(e: OffsetEntry, id: number, prevTimeMs: number): string | null {
  if (!isRecord(e)) return 'not an offset-log entry';
  if (e.id !== id) return `holds batch ${JSON.stringify(e.id)}, not ${id}`;
  if (typeof e.timeMs !== 'number' || !Number.isFinite(e.timeMs) || e.timeMs <= prevTimeMs) return `bad batch time ${JSON.stringify(e.timeMs)}`;
  if (!isRecord(e.sources)) return 'no source offsets';
  if (e.outputs !== undefined && !isRecord(e.outputs)) return 'bad output positions';
  return null;
}

/**
 * Reads what a restart from checkpoint directory `dir` must do: the newest generation (a readable snapshot
 * that `accept` takes, and a readable, consecutive offset log from it to
 * the newest logged batch) that can be replayed exactly. A damaged newest
 * generation falls back to an older one (or to the log from batch 0),
 * saying so in `warnings`. A commit that is unreadable or missing while a
 * later batch was logged is known to have happened (batches run one after
 * another): that batch is replayed as committed.
 * @param accept checks a decoded snapshot of batch `id`: null when it fits, else why not.
 * @throws DStreamError `E_CHECKPOINT_DAMAGED` (exit 1) when no generation can be replayed exactly.
 */
export function recoverFrom(dir: string, accept: (id: number, state: unknown) => string | null = () => null): Recovery {
  const offsetIds = ids(join(dir, 'offsets'));
  const commitIds = ids(join(dir, 'commits'));
  const snapIds = ids(join(dir, 'state'));
  const last = Math.max(-1, offsetIds.at(-1) ?? -1, commitIds.at(-1) ?? -1);
  const damage: string[] = [];
  const fallback = (from: string): string[] => (damage.length ? [`${damage.join('; ')}: recovering exactly from ${from}`] : []);
  for (const id of [...snapIds].reverse()) {
    const r = readDurable(join(dir, 'state', `${id}.json`));
    let state: unknown;
    try {
      if (!r.ok) throw new Error(r.reason);
      state = decodeState(r.body);
      const why = accept(id, state);
      if (why) throw new Error(why);
    } catch (e) {
      damage.push(`state/${id}.json: ${(e as Error).message}`);
      continue;
    }
    const plan = replayPlan(dir, id, last);
    if (typeof plan === 'string') {
      damage.push(plan);
      continue;
    }
    return { snapshot: { id, state }, batches: plan.batches, warnings: [...fallback(`the older snapshot state/${id}.json`), ...plan.warnings] };
  }
  const plan = replayPlan(dir, -1, last);
  if (typeof plan === 'string' || (snapIds.length > 0 && last < 0)) {
    if (typeof plan === 'string') damage.push(plan);
    throw new DStreamError('E_CHECKPOINT_DAMAGED', 'recovery', `checkpoint ${dir} is damaged and cannot be resumed exactly (${damage.join('; ')}); restore it from a backup, or start over with a new --checkpoint directory`);
  }
  return { snapshot: null, batches: plan.batches, warnings: [...fallback('the offset log from batch 0'), ...plan.warnings] };
}

/** Batches `after + 1 .. last` from the logs, or why they cannot be replayed exactly. */
function replayPlan(dir: string, after: number, last: number): { batches: Recovery['batches']; warnings: string[] } | string {
  const batches: Recovery['batches'] = [];
  const warnings: string[] = [];
  let prevTimeMs = -Infinity;
  for (let id = after + 1; id <= last; id++) {
    const name = `offsets/${id}.json`;
    const o = readDurable(join(dir, name));
    if (!o.ok) return `${name}: ${o.reason === 'ENOENT' ? 'missing' : o.reason}`;
    let offsets: OffsetEntry;
    try {
      offsets = decodeState(o.body) as OffsetEntry;
    } catch (e) {
      return `${name}: ${(e as Error).message}`;
    }
    const bad = badEntry(offsets, id, prevTimeMs);
    if (bad) return `${name}: ${bad}`;
    prevTimeMs = offsets.timeMs;
    const c = readDurable(join(dir, 'commits', `${id}.json`));
    let commit: CommitEntry | null = null;
    let why = c.ok ? null : c.reason === 'ENOENT' ? 'missing' : c.reason;
    if (c.ok) {
      try {
        commit = decodeState(c.body) as CommitEntry;
        if (commit === null || typeof commit !== 'object' || commit.id !== id || commit.timeMs !== offsets.timeMs) why = `not the commit of batch ${id}`;
      } catch (e) {
        why = (e as Error).message;
      }
    }
    if (why !== null) {
      commit = null;
      if (id < last) {
        warnings.push(`commits/${id}.json: ${why}; batch ${id} was committed (batch ${id + 1} was logged after it): replayed as committed`);
        commit = { id, timeMs: offsets.timeMs, sinks: {}, snapshot: null };
      } else if (why !== 'missing') warnings.push(`commits/${id}.json: ${why}; batch ${id} is re-run`);
    }
    batches.push({ offsets, commit });
  }
  return { batches, warnings };
}
