/**
 * Which files a directory source has already processed, remembered by
 * identity so that a file is read once, whole — also across a restart when a
 * checkpoint stores `snapshot()` and gives it back to `restore()`.
 *
 * A file's identity is its path, size, modification time, device and inode,
 * and a SHA-1 of its first bytes (up to 4 KiB). Rules (`lookup`):
 * - same path, same device/inode and the same first bytes: the same file —
 *   `same` if size and mtime are unchanged, else `modified` (it changed after
 *   being read: files are read once, so it is not read again; Spark's
 *   textFileStream ignores such updates too). A file whose read failed is
 *   tried again once it changes.
 * - another path, but the same device/inode, size, mtime and first bytes: the
 *   same file renamed — `same`.
 * - anything else (a new path, or an inode reused by new content): `new`.
 *
 * Plain data throughout; the snapshot is JSON-serialisable (version 1).
 */
import { createHash } from '../../core/hash.js';
import { DStreamError } from '../../core/errors.js';

/** Bytes at the start of a file that are hashed into its identity. */
export const HEAD_BYTES = 4096;

/** What identifies a file (see module doc). Times in epoch ms, sizes in bytes. */
export interface FileIdentity {
  /** Absolute path. */
  path: string;
  size: number;
  mtimeMs: number;
  dev: number;
  ino: number;
  /** SHA-1 (hex) of the first `headBytes` bytes; `''` when not computed. */
  headHash: string;
  headBytes: number;
}

/** How processing a file ended. `present-at-start`: skipped by `--new-files-only`. */
export type FileOutcome = 'read' | 'failed' | 'present-at-start';

/** One remembered file. */
export interface ProcessedFile extends FileIdentity {
  outcome: FileOutcome;
}

/** Result of `ProcessedFiles.lookup`. */
export type FileLookup = { status: 'new' } | { status: 'same' | 'modified'; entry: ProcessedFile };

/** The stat fields `lookup` compares. */
export type StatLike = Pick<FileIdentity, 'size' | 'mtimeMs' | 'dev' | 'ino'>;

/** SHA-1 (hex) of `head` — the identity hash of a file starting with these bytes. */
export function headHash(head: Buffer): string {
  return createHash('sha1').update(head).digest('hex');
}

function headMatches(entry: FileIdentity, head: Buffer | null): boolean {
  if (entry.headHash === '' || head === null) return true;
  if (head.length < entry.headBytes) return false;
  return headHash(head.subarray(0, entry.headBytes)) === entry.headHash;
}

/** The set of processed files (see module doc). */
export class ProcessedFiles {
  private readonly byPath = new Map<string, ProcessedFile>();
  private readonly byInode = new Map<string, ProcessedFile>();

  /** Number of files remembered. */
  get size(): number {
    return this.byPath.size;
  }

  /** The entry remembered for `path`, if any. */
  get(path: string): ProcessedFile | undefined {
    return this.byPath.get(path);
  }

  /**
   * Has this file been processed?
   * @param path absolute path.
   * @param stat the file's current size, mtime, device and inode.
   * @param head its first bytes (up to `HEAD_BYTES`), or `null` to decide on stat alone.
   */
  lookup(path: string, stat: StatLike, head: Buffer | null): FileLookup {
    const e = this.byPath.get(path);
    if (e && e.dev === stat.dev && e.ino === stat.ino && headMatches(e, head)) {
      if (e.size === stat.size && e.mtimeMs === stat.mtimeMs) return { status: 'same', entry: e };
      return e.outcome === 'failed' ? { status: 'new' } : { status: 'modified', entry: e };
    }
    const r = this.byInode.get(`${stat.dev}:${stat.ino}`);
    if (r && r.path !== path && r.size === stat.size && r.mtimeMs === stat.mtimeMs && r.outcome !== 'failed' && headMatches(r, head)) {
      return { status: 'same', entry: r };
    }
    return { status: 'new' };
  }

  /**
   * Remembers a file (replacing what was remembered for its path). A file
   * that had the path before, on another inode, stays known by its inode: it
   * may live on under another name (log rotation by rename), and must not be
   * read again there.
   */
  add(file: ProcessedFile): void {
    const entry = { ...file };
    const old = this.byPath.get(entry.path);
    if (old && old.dev === entry.dev && old.ino === entry.ino) this.dropInode(old);
    this.byPath.set(entry.path, entry);
    this.byInode.set(`${entry.dev}:${entry.ino}`, entry);
  }

  /** Forgets `path` (the file was deleted or moved away by `--after-read`). */
  forget(path: string): void {
    const old = this.byPath.get(path);
    if (!old) return;
    this.byPath.delete(path);
    this.dropInode(old);
  }

  private dropInode(entry: ProcessedFile): void {
    const key = `${entry.dev}:${entry.ino}`;
    if (this.byInode.get(key) === entry) this.byInode.delete(key);
  }

  /**
   * Plain, JSON-serialisable data: `{ version: 1, files: ProcessedFile[] }`:
   * first the files known only by inode (renamed away), then one per path.
   */
  snapshot(): unknown {
    const renamed = [...this.byInode.values()].filter((f) => this.byPath.get(f.path) !== f);
    return { version: 1, files: [...renamed, ...this.byPath.values()].map((f) => ({ ...f })) };
  }

  /**
   * Replaces the set with a `snapshot()`.
   * @throws DStreamError `E_CHECKPOINT_FORMAT` (stage `recovery`) when `data` is not a version-1 snapshot.
   */
  restore(data: unknown): void {
    const bad = (why: string) => new DStreamError('E_CHECKPOINT_FORMAT', 'recovery', `processed-files snapshot: ${why}`);
    if (typeof data !== 'object' || data === null) throw bad('not an object');
    const d = data as { version?: unknown; files?: unknown };
    if (d.version !== 1) throw bad(`unknown version ${JSON.stringify(d.version)} (expected 1)`);
    if (!Array.isArray(d.files)) throw bad('"files" is not an array');
    const files: ProcessedFile[] = [];
    for (const f of d.files as Record<string, unknown>[]) {
      const ok = typeof f === 'object' && f !== null && typeof f.path === 'string' && typeof f.headHash === 'string'
        && ['size', 'mtimeMs', 'dev', 'ino', 'headBytes'].every((k) => typeof f[k] === 'number')
        && (f.outcome === 'read' || f.outcome === 'failed' || f.outcome === 'present-at-start');
      if (!ok) throw bad(`bad entry ${JSON.stringify(f)}`);
      files.push(f as unknown as ProcessedFile);
    }
    this.byPath.clear();
    this.byInode.clear();
    for (const f of files) this.add(f);
  }
}
