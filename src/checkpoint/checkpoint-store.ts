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
 * batch time and offsets (recovery-plan.ts reads them).
 */
import { existsSync, lstatSync, mkdirSync, rmSync, statSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, DStreamError } from '../core/errors.js';
import { encodeState } from './codec.js';
import { readDurable, writeDurable } from './durable-file.js';
import { CheckpointLock } from './lock.js';
import { checkEntries, checkOwnDirectory, ids, logDirs } from './directory.js';
import { makeDirs } from '../core/make-dirs.js';
import { recoverFrom, type CommitEntry, type OffsetEntry, type Recovery } from './recovery-plan.js';

export type { CommitEntry, OffsetEntry, Recovery } from './recovery-plan.js';

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

  /** What a restart must do (recovery-plan.ts `recoverFrom`). @throws as `recoverFrom`. */
  recover(accept: (id: number, state: unknown) => string | null = () => null): Recovery {
    return recoverFrom(this.dir, accept);
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
