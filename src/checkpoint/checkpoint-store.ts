/**
 * The checkpoint directory: Structured Streaming's offset log and commit log,
 * plus periodic full state snapshots (Spark Streaming's checkpoint interval).
 *
 * ```
 * DIR/                 0700, never a symlink
 *   lock               one writer (see lock.ts)
 *   metadata.json      format version, pipeline fingerprint and description
 *   offsets/<id>.json  written durably BEFORE batch <id> is computed: batch time, planned source offsets
 *   commits/<id>.json  written durably AFTER its output is durable: sink positions, snapshot id or null
 *   state/<id>.json    full state after batch <id> (every checkpoint interval)
 * ```
 * Every file is a durable, checksummed JSON envelope (durable-file.ts); see
 * docs/checkpoint.md for the fields. Recovery: the newest readable snapshot
 * (a corrupt one falls back to the one before, with a warning), then every
 * logged batch after it, in order — committed ones re-run with outputs muted
 * to rebuild state, an uncommitted last one re-run for real with the same
 * batch time and offsets.
 */
import { existsSync, lstatSync, mkdirSync, rmSync, statSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, DStreamError } from '../core/errors.js';
import { decodeState, encodeState } from './codec.js';
import { readDurable, writeDurable } from './durable-file.js';
import { CheckpointLock } from './lock.js';
import { checkEntries, checkOwnDirectory, ids, logDirs } from './directory.js';
import { makeDirs } from '../core/make-dirs.js';

/** Version of the checkpoint layout. */
export const CHECKPOINT_FORMAT = 1;

/**
 * What a checkpoint is tied to, as data (plan/fingerprint.ts makes it): a
 * restart whose fingerprint differs is refused (or clears the directory).
 */
export interface PipelineIdentity {
  /** The pipeline as plain JSON, stored in metadata.json. */
  readonly description: { readonly [field: string]: unknown };
  /** Its fingerprint: equal fingerprints are the same pipeline. */
  readonly fingerprint: string;
  /** What differs between a stored description and this one, for the refusal message (e.g. `--parse: "json" → "logfmt"`). */
  changeFrom?(stored: { readonly [field: string]: unknown }): string;
}

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

/** An open, locked checkpoint directory (see module doc). */
export class CheckpointStore {
  /**
   * Told about every write of an offset, commit or snapshot file: how long it
   * took in ms (retries included) and whether it failed. Feeds the
   * `dstream_checkpoint_*` metrics (observe/metrics.ts).
   */
  onWrite: ((durationMs: number, failed: boolean) => void) | null = null;

  private constructor(readonly dir: string, private readonly lock: CheckpointLock) {}

  /**
   * Opens (creating it 0700 if needed) and locks a checkpoint directory, and
   * checks the pipeline against the one stored.
   * @param mismatch `fail` (default): a different pipeline is a ConfigError
   *   naming what changed; `reset`: the old checkpoint is cleared.
   * @throws ConfigError (exit 2) for a symlinked or unusable directory or a
   *   changed pipeline; DStreamError E_CHECKPOINT_IN_USE (exit 75) when locked.
   */
  static open(dir: string, pipeline: PipelineIdentity, mismatch: 'fail' | 'reset' = 'fail', warn: (m: string) => void = () => {}): CheckpointStore {
    if (existsSync(dir) && lstatSync(dir).isSymbolicLink()) throw new ConfigError(`--checkpoint ${dir} is a symbolic link; give the real directory`);
    try {
      if (existsSync(dir)) checkOwnDirectory(dir, dir);
      makeDirs(dir, 0o700);
      if (!statSync(dir).isDirectory()) throw new Error('not a directory');
      chmodSync(dir, 0o700);
      for (const sub of logDirs(dir)) {
        const p = join(dir, sub);
        if (existsSync(p) || lstatSync(p, { throwIfNoEntry: false })) checkOwnDirectory(p, sub);
        else makeDirs(p, 0o700); // recursive: another process may create it too
      }
    } catch (e) {
      if (e instanceof ConfigError) throw e;
      throw new ConfigError(`--checkpoint ${dir}: cannot use it: ${(e as Error).message}`);
    }
    const lock = CheckpointLock.acquire(dir);
    const store = new CheckpointStore(dir, lock);
    try {
      // Entries are checked (and leftover temp files removed) only under the lock: a running
      // holder writes and prunes them while another process starts.
      try {
        for (const sub of logDirs(dir)) checkEntries(join(dir, sub), sub);
      } catch (e) {
        if (e instanceof ConfigError) throw e;
        throw new ConfigError(`--checkpoint ${dir}: cannot use it: ${(e as Error).message}`);
      }
      store.checkPipeline(pipeline, mismatch, warn);
    } catch (e) {
      lock.release();
      throw e;
    }
    return store;
  }

  private checkPipeline(pipeline: PipelineIdentity, mismatch: 'fail' | 'reset', warn: (m: string) => void): void {
    const path = join(this.dir, 'metadata.json');
    const { description, fingerprint: fp } = pipeline;
    if (existsSync(path)) {
      const r = readDurable(path);
      const stored = r.ok ? (r.body as { format: number; fingerprint: string; pipeline: PipelineIdentity['description'] }) : null;
      if (stored && stored.format === CHECKPOINT_FORMAT && stored.fingerprint === fp) return;
      if (stored && typeof stored.format === 'number' && stored.format !== CHECKPOINT_FORMAT) {
        throw new ConfigError(`--checkpoint ${this.dir} has checkpoint format ${stored.format}, written by ${stored.format > CHECKPOINT_FORMAT ? 'a newer' : 'another'} dstream; this one reads format ${CHECKPOINT_FORMAT}: run it with that dstream, or use a new --checkpoint directory`);
      }
      if (!stored || typeof stored.fingerprint !== 'string') {
        throw new ConfigError(`--checkpoint ${this.dir} is not a dstream checkpoint (metadata.json: ${r.ok ? 'not checkpoint metadata' : r.reason}); give a new or empty directory`);
      }
      if (mismatch === 'fail') {
        const what = pipeline.changeFrom?.(stored.pipeline ?? {}) ?? `fingerprint ${stored.fingerprint} → ${fp}`;
        throw new ConfigError(`--checkpoint ${this.dir} was written by a different pipeline (${what}); restore the old flags, use a new --checkpoint directory, or add --checkpoint-mismatch reset to start over`);
      }
      warn(`dstream: --checkpoint-mismatch reset: clearing ${this.dir}`);
      this.clear();
    }
    this.guard(() => writeDurable(path, { format: CHECKPOINT_FORMAT, fingerprint: fp, pipeline: description }), 'metadata.json');
  }

  private clear(): void {
    for (const sub of ['offsets', 'commits', 'state']) {
      rmSync(join(this.dir, sub), { recursive: true, force: true });
      mkdirSync(join(this.dir, sub), { mode: 0o700 });
    }
  }

  /**
   * Reads what a restart must do: the newest generation (a readable snapshot
   * that `accept` takes, and a readable, consecutive offset log from it to
   * the newest logged batch) that can be replayed exactly. A damaged newest
   * generation falls back to an older one (or to the log from batch 0),
   * saying so in `warnings`. A commit that is unreadable or missing while a
   * later batch was logged is known to have happened (batches run one after
   * another): that batch is replayed as committed.
   * @param accept checks a decoded snapshot of batch `id`: null when it fits, else why not.
   * @throws DStreamError `E_CHECKPOINT_DAMAGED` (exit 1) when no generation can be replayed exactly.
   */
  recover(accept: (id: number, state: unknown) => string | null = () => null): Recovery {
    const offsetIds = ids(join(this.dir, 'offsets'));
    const commitIds = ids(join(this.dir, 'commits'));
    const snapIds = ids(join(this.dir, 'state'));
    const last = Math.max(-1, offsetIds.at(-1) ?? -1, commitIds.at(-1) ?? -1);
    const damage: string[] = [];
    const fallback = (from: string): string[] => (damage.length ? [`${damage.join('; ')}: recovering exactly from ${from}`] : []);
    for (const id of [...snapIds].reverse()) {
      const r = readDurable(join(this.dir, 'state', `${id}.json`));
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
      const plan = this.replayPlan(id, last);
      if (typeof plan === 'string') {
        damage.push(plan);
        continue;
      }
      return { snapshot: { id, state }, batches: plan.batches, warnings: [...fallback(`the older snapshot state/${id}.json`), ...plan.warnings] };
    }
    const plan = this.replayPlan(-1, last);
    if (typeof plan === 'string' || (snapIds.length > 0 && last < 0)) {
      if (typeof plan === 'string') damage.push(plan);
      throw new DStreamError('E_CHECKPOINT_DAMAGED', 'recovery', `checkpoint ${this.dir} is damaged and cannot be resumed exactly (${damage.join('; ')}); restore it from a backup, or start over with a new --checkpoint directory`);
    }
    return { snapshot: null, batches: plan.batches, warnings: [...fallback('the offset log from batch 0'), ...plan.warnings] };
  }

  /** Batches `after + 1 .. last` from the logs, or why they cannot be replayed exactly. */
  private replayPlan(after: number, last: number): { batches: Recovery['batches']; warnings: string[] } | string {
    const batches: Recovery['batches'] = [];
    const warnings: string[] = [];
    let prevTimeMs = -Infinity;
    for (let id = after + 1; id <= last; id++) {
      const name = `offsets/${id}.json`;
      const o = readDurable(join(this.dir, name));
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
      const c = readDurable(join(this.dir, 'commits', `${id}.json`));
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

  /** Durably logs batch `entry.id` before it runs. */
  writeOffsets(entry: OffsetEntry): void {
    this.guard(() => writeDurable(join(this.dir, 'offsets', `${entry.id}.json`), encodeState(entry)), `offsets/${entry.id}.json`);
  }

  /** Durably writes the full state after batch `id`. */
  writeSnapshot(id: number, state: unknown): void {
    this.guard(() => writeDurable(join(this.dir, 'state', `${id}.json`), encodeState(state)), `state/${id}.json`);
  }

  /** Durably commits batch `entry.id` (after its output is durable), then prunes old generations. */
  writeCommit(entry: CommitEntry): void {
    this.guard(() => writeDurable(join(this.dir, 'commits', `${entry.id}.json`), encodeState(entry)), `commits/${entry.id}.json`);
    if (entry.snapshot !== null) this.prune();
  }

  /** Keeps the two newest snapshots and the logs needed after the older one. */
  private prune(): void {
    const snaps = ids(join(this.dir, 'state'));
    if (snaps.length <= 2) return;
    const keepFrom = snaps[snaps.length - 2]!;
    for (const id of snaps) if (id < keepFrom) rmSync(join(this.dir, 'state', `${id}.json`), { force: true });
    for (const sub of ['offsets', 'commits']) {
      for (const id of ids(join(this.dir, sub))) if (id <= keepFrom) rmSync(join(this.dir, sub, `${id}.json`), { force: true });
    }
  }

  private guard(write: () => void, file?: string): void {
    const startedMs = performance.now();
    let last: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        write();
        this.onWrite?.(performance.now() - startedMs, false);
        return;
      } catch (e) {
        last = e;
      }
    }
    this.onWrite?.(performance.now() - startedMs, true);
    const where = file ? `${join(this.dir, file)}` : `the checkpoint in ${this.dir}`;
    throw new DStreamError('E_CHECKPOINT_WRITE', 'checkpoint', `cannot write ${where}: ${(last as Error).message}; the previous checkpoint stays valid`, { cause: last });
  }

  /** Releases the lock. */
  close(): void {
    this.lock.release();
  }
}
