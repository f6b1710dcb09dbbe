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
import { existsSync, lstatSync, mkdirSync, readdirSync, rmSync, statSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, DStreamError } from '../core/errors.js';
import { decodeState, encodeState } from './codec.js';
import { readDurable, writeDurable } from './durable-file.js';
import { CheckpointLock } from './lock.js';
import { describeChange, fingerprint, type PipelineDescription } from '../plan/fingerprint.js';

/** Version of the checkpoint layout. */
export const CHECKPOINT_FORMAT = 1;

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


function ids(dir: string): number[] {
  try {
    return readdirSync(dir)
      .map((f) => /^(\d+)\.json$/.exec(f))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
  } catch {
    return [];
  }
}

/** An open, locked checkpoint directory (see module doc). */
export class CheckpointStore {
  /**
   * Told about every write of an offset, commit or snapshot file: how long it
   * took in ms (retries included) and whether it failed. Feeds the
   * `dstream_checkpoint_*` metrics (cli/metrics.ts).
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
  static open(dir: string, description: PipelineDescription, mismatch: 'fail' | 'reset' = 'fail', warn: (m: string) => void = () => {}): CheckpointStore {
    if (existsSync(dir) && lstatSync(dir).isSymbolicLink()) throw new ConfigError(`--checkpoint ${dir} is a symbolic link; give the real directory`);
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      if (!statSync(dir).isDirectory()) throw new Error('not a directory');
      chmodSync(dir, 0o700);
      for (const sub of ['offsets', 'commits', 'state']) {
        const p = join(dir, sub);
        if (existsSync(p) && lstatSync(p).isSymbolicLink()) throw new Error(`${sub} is a symbolic link`);
        mkdirSync(p, { recursive: true, mode: 0o700 });
      }
    } catch (e) {
      throw new ConfigError(`--checkpoint ${dir}: cannot use it: ${(e as Error).message}`);
    }
    const lock = CheckpointLock.acquire(dir);
    const store = new CheckpointStore(dir, lock);
    try {
      store.checkPipeline(description, mismatch, warn);
    } catch (e) {
      lock.release();
      throw e;
    }
    return store;
  }

  private checkPipeline(description: PipelineDescription, mismatch: 'fail' | 'reset', warn: (m: string) => void): void {
    const path = join(this.dir, 'metadata.json');
    const fp = fingerprint(description);
    if (existsSync(path)) {
      const r = readDurable(path);
      const stored = r.ok ? (r.body as { format: number; fingerprint: string; pipeline: PipelineDescription }) : null;
      if (stored && stored.format === CHECKPOINT_FORMAT && stored.fingerprint === fp) return;
      if (!stored || typeof stored.fingerprint !== 'string') {
        throw new ConfigError(`--checkpoint ${this.dir} is not a dstream checkpoint (metadata.json: ${r.ok ? 'not checkpoint metadata' : r.reason}); give a new or empty directory`);
      }
      if (mismatch === 'fail') {
        const what = stored ? describeChange(stored.pipeline ?? {}, description) : `metadata unreadable (${r.ok ? 'format' : r.reason})`;
        throw new ConfigError(`--checkpoint ${this.dir} was written by a different pipeline (${what}); restore the old flags, use a new --checkpoint directory, or add --checkpoint-mismatch reset to start over`);
      }
      warn(`dstream: --checkpoint-mismatch reset: clearing ${this.dir}`);
      this.clear();
    }
    writeDurable(path, { format: CHECKPOINT_FORMAT, fingerprint: fp, pipeline: description });
  }

  private clear(): void {
    for (const sub of ['offsets', 'commits', 'state']) {
      rmSync(join(this.dir, sub), { recursive: true, force: true });
      mkdirSync(join(this.dir, sub), { mode: 0o700 });
    }
  }

  /** Reads what a restart must do (never throws on corrupt files: they are skipped with a warning). */
  recover(): Recovery {
    const warnings: string[] = [];
    let snapshot: Recovery['snapshot'] = null;
    for (const id of ids(join(this.dir, 'state')).reverse()) {
      const r = readDurable(join(this.dir, 'state', `${id}.json`));
      if (r.ok) {
        try {
          snapshot = { id, state: decodeState(r.body) };
          break;
        } catch (e) {
          warnings.push(`state/${id}.json: ${(e as Error).message}; using an older snapshot`);
          continue;
        }
      }
      warnings.push(`state/${id}.json: ${r.reason}; using an older snapshot`);
    }
    const batches: Recovery['batches'] = [];
    const after = snapshot?.id ?? -1;
    for (const id of ids(join(this.dir, 'offsets'))) {
      if (id <= after) continue;
      const o = readDurable(join(this.dir, 'offsets', `${id}.json`));
      if (!o.ok) {
        warnings.push(`offsets/${id}.json: ${o.reason}; batches from ${id} on are not replayed`);
        break;
      }
      const c = readDurable(join(this.dir, 'commits', `${id}.json`));
      if (!c.ok && existsSync(join(this.dir, 'commits', `${id}.json`))) warnings.push(`commits/${id}.json: ${c.reason}; batch ${id} is re-run`);
      batches.push({ offsets: decodeState(o.body) as OffsetEntry, commit: c.ok ? (decodeState(c.body) as CommitEntry) : null });
      if (!c.ok) break; // only the last logged batch can be uncommitted
    }
    return { snapshot, batches, warnings };
  }

  /** Durably logs batch `entry.id` before it runs. */
  writeOffsets(entry: OffsetEntry): void {
    this.guard(() => writeDurable(join(this.dir, 'offsets', `${entry.id}.json`), encodeState(entry)));
  }

  /** Durably writes the full state after batch `id`. */
  writeSnapshot(id: number, state: unknown): void {
    this.guard(() => writeDurable(join(this.dir, 'state', `${id}.json`), encodeState(state)));
  }

  /** Durably commits batch `entry.id` (after its output is durable), then prunes old generations. */
  writeCommit(entry: CommitEntry): void {
    this.guard(() => writeDurable(join(this.dir, 'commits', `${entry.id}.json`), encodeState(entry)));
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

  private guard(write: () => void): void {
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
    throw new DStreamError('E_CHECKPOINT_WRITE', 'checkpoint', `cannot write the checkpoint in ${this.dir}: ${(last as Error).message}; the previous checkpoint stays valid`, { cause: last });
  }

  /** Releases the lock. */
  close(): void {
    this.lock.release();
  }
}

/** Text for `dstream checkpoint inspect DIR`: metadata, latest batch, offsets, state size. Never throws on corrupt files. */
export function inspectCheckpoint(dir: string): string {
  if (!existsSync(dir)) return `${dir}: no checkpoint\n`;
  const lines: string[] = [`checkpoint ${dir}`];
  const meta = readDurable(join(dir, 'metadata.json'));
  if (meta.ok) {
    const m = meta.body as { format: number; fingerprint: string; pipeline: unknown };
    lines.push(`format: ${m.format}`, `fingerprint: ${m.fingerprint}`, `pipeline: ${JSON.stringify(m.pipeline)}`);
  } else lines.push(`metadata: unreadable (${meta.reason})`);
  const offsets = ids(join(dir, 'offsets'));
  const commits = ids(join(dir, 'commits'));
  const snaps = ids(join(dir, 'state'));
  lines.push(`batches logged: ${offsets.length ? `${offsets[0]}..${offsets[offsets.length - 1]}` : 'none'}`);
  lines.push(`last committed batch: ${commits.length ? commits[commits.length - 1] : 'none'}`);
  const lastOffsets = offsets.length ? readDurable(join(dir, 'offsets', `${offsets[offsets.length - 1]}.json`)) : null;
  if (lastOffsets?.ok) lines.push(`last offsets: ${JSON.stringify(lastOffsets.body)}`);
  for (const id of snaps) {
    const p = join(dir, 'state', `${id}.json`);
    const r = readDurable(p);
    lines.push(`state after batch ${id}: ${statSync(p).size} bytes${r.ok ? '' : ` (unreadable: ${r.reason})`}`);
  }
  const lock = join(dir, 'lock');
  if (existsSync(lock)) lines.push(`lock: present`);
  return lines.join('\n') + '\n';
}

/**
 * `dstream checkpoint reset DIR`: removes the checkpoint (refuses while a live process holds it).
 * @throws DStreamError E_CHECKPOINT_IN_USE when locked.
 */
export function resetCheckpoint(dir: string): void {
  if (!existsSync(dir)) return;
  const meta = readDurable(join(dir, 'metadata.json'));
  if (!meta.ok || typeof (meta.body as { fingerprint?: unknown })?.fingerprint !== 'string') {
    throw new ConfigError(`${dir} is not a dstream checkpoint (metadata.json: ${meta.ok ? 'not checkpoint metadata' : meta.reason}); nothing was removed`);
  }
  const lock = CheckpointLock.acquire(dir);
  for (const f of ['offsets', 'commits', 'state', 'metadata.json']) rmSync(join(dir, f), { recursive: true, force: true });
  for (const f of readdirSync(dir)) if (/^wal(-\d+)?$/.test(f)) rmSync(join(dir, f), { recursive: true, force: true });
  lock.release();
}
