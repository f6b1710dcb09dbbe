/**
 * Watched directories under a checkpoint (Structured Streaming's file source
 * with its offset log): instead of streaming each file as it settles, the
 * files that are ready at a batch time become that batch (`planBatch`: up to
 * `--max-files-per-batch`, in modification time then name order), their
 * identities are logged, and they are read whole, synchronously, at the batch
 * (`replayBatch`) — so a re-run after a crash reads exactly the same bytes.
 * A file is read up to the size it had when planned (bytes appended later are
 * not part of that batch). `--after-read` waits until a durable snapshot
 * covers the file's batch, since a replay may still need it.
 *
 * The bytes read are always those of the logged file (`openLogged`): the
 * file at the logged path with the logged device/inode, at least the logged
 * size and the logged fingerprint (SHA-1 of its first bytes, as Vector's
 * checksum fingerprinting); failing that, a file of the same directory with
 * that device/inode and fingerprint (renamed by log rotation). Another file
 * under the logged name (logrotate's delete-and-recreate) is never read in
 * its place: in the batch being planned it is counted (`unreadable-file`) and
 * left for a later batch as a new file; in a batch replayed from the log
 * after a restart it stops the job (`E_CHECKPOINT_REPLAY`, exit 1), since the
 * bytes that batch held are gone.
 */
import { closeSync, fstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DStreamError } from '../../core/errors.js';
import type { IssueLog } from '../../core/issues.js';
import { HEAD_BYTES, headHash, type FileIdentity, type ProcessedFiles } from './file-identity.js';
import { isGzip } from './file-reader.js';
import { DEFAULT_MAX_LINE_BYTES, LineSplitter } from '../line-splitter.js';

/** Offsets of one batch: the files it holds. */
export interface DirectoryOffsets {
  files: FileIdentity[];
}

/** Reads up to `length` bytes of `fd` from offset 0. */
function readPrefix(fd: number, length: number): Buffer {
  const data = Buffer.allocUnsafe(length);
  let off = 0;
  while (off < length) {
    const n = readSync(fd, data, off, length - off, off);
    if (n <= 0) break;
    off += n;
  }
  return data.subarray(0, off);
}

/** Reads `path` synchronously: identity and content up to `size` bytes (all of it when `size` is undefined). */
export function readWhole(path: string, size?: number): { identity: FileIdentity; data: Buffer } {
  const fd = openSync(path, 'r');
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'ENOTREG' });
    const body = readPrefix(fd, Math.min(size ?? st.size, st.size));
    const head = body.subarray(0, HEAD_BYTES);
    return {
      identity: { path, size: st.size, mtimeMs: st.mtimeMs, dev: st.dev, ino: st.ino, headHash: headHash(head), headBytes: head.length },
      data: body,
    };
  } finally {
    closeSync(fd);
  }
}

/**
 * Checks the source offsets of a logged batch.
 * @throws DStreamError `E_CHECKPOINT_DAMAGED` (exit 1) when they are not a list of file identities.
 */
export function checkDirectoryOffsets(o: unknown, source: string): DirectoryOffsets {
  const files = (o as { files?: unknown } | null)?.files;
  const ok = Array.isArray(files) && files.every((f: Record<string, unknown>) => f !== null && typeof f === 'object'
    && typeof f.path === 'string' && isAbsolute(f.path) && typeof f.headHash === 'string'
    && ['size', 'mtimeMs', 'dev', 'ino', 'headBytes'].every((k) => typeof f[k] === 'number' && Number.isFinite(f[k])));
  if (!ok) throw new DStreamError('E_CHECKPOINT_DAMAGED', 'recovery', `checkpoint: the logged offsets of ${source} are damaged ("files" is not a list of file identities); restore the checkpoint from a backup, or start over with a new --checkpoint directory`);
  return o as DirectoryOffsets;
}

/** Opens `path` if it is the logged file `f` (see module doc); the descriptor, or why not. */
function openIfSame(path: string, f: FileIdentity): number | string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'it is gone' : `it cannot be read: ${(e as Error).message}`;
  }
  let why: string | null = null;
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) why = 'it is not a regular file';
    else if (st.dev !== f.dev || st.ino !== f.ino) why = 'another file has its name';
    else if (st.size < f.size) why = `it was cut to ${st.size} of ${f.size} bytes`;
    else if (headHash(readPrefix(fd, f.headBytes)) !== f.headHash) why = 'its first bytes changed';
  } catch (e) {
    why = `it cannot be read: ${(e as Error).message}`;
  }
  if (why === null) return fd;
  closeSync(fd);
  return why;
}

/** Opens the logged file `f` under its name or, renamed, in its directory; the descriptor, or why it cannot be. */
export function openLogged(f: FileIdentity): number | string {
  const direct = openIfSame(f.path, f);
  if (typeof direct === 'number') return direct;
  let names: string[] = [];
  try {
    names = readdirSync(dirname(f.path));
  } catch {
    /* the directory is gone too */
  }
  for (const name of names) {
    const p = join(dirname(f.path), name);
    if (p === f.path) continue;
    const fd = openIfSame(p, f);
    if (typeof fd === 'number') return fd;
  }
  return direct;
}

/**
 * Pushes the lines of the files of one batch (see module doc).
 * @param o.recovering true for a batch replayed from the log after a restart.
 * @returns the files read (for `--after-read` once durable).
 * @throws DStreamError `E_CHECKPOINT_REPLAY` when `recovering` and a logged file's bytes are gone.
 */
export function readBatchFiles(
  offsets: DirectoryOffsets,
  o: { issues: IssueLog; processed: ProcessedFiles; record: (line: string) => void; maxLineBytes?: number; recovering?: boolean; fileStart?: (path: string) => void; fileEnd?: (path: string) => void },
): string[] {
  const read: string[] = [];
  for (const f of offsets.files) {
    let data: Buffer;
    const fd = openLogged(f);
    try {
      if (typeof fd === 'string') {
        if (o.recovering) {
          throw new DStreamError('E_CHECKPOINT_REPLAY', 'recovery', `checkpoint: cannot replay a logged batch exactly: ${f.path} (${f.size} bytes, inode ${f.ino}) as it was read: ${fd}; its lines are not read again from another file. Restore the file, or start over with a new --checkpoint directory`);
        }
        o.issues.unreadableFile(f.path, fd === 'it is gone' ? 'vanished before it could be read' : `changed before it could be read (${fd}); it is read as a new file`);
        if (fd === 'it is gone') o.processed.add({ ...f, outcome: 'failed' });
        else o.processed.forget(f.path);
        continue;
      }
      try {
        data = readPrefix(fd, f.size);
        if (isGzip(f.path)) data = gunzipSync(data);
      } catch (e) {
        o.issues.unreadableFile(f.path, `cannot be read: ${(e as Error).message}`);
        o.processed.add({ ...f, outcome: 'failed' });
        continue;
      }
    } finally {
      if (typeof fd === 'number') closeSync(fd);
    }
    o.fileStart?.(f.path);
    const splitter = new LineSplitter((line) => {
      o.issues.current = line;
      o.record(line);
    }, o.issues, f.path, o.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
    splitter.push(data);
    splitter.end();
    o.fileEnd?.(f.path);
    o.processed.add({ ...f, outcome: 'read' });
    read.push(f.path);
  }
  return read;
}
