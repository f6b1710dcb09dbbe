/**
 * Durable, atomic, checksummed files for the checkpoint directory.
 *
 * Write (`writeFileDurable`): a temp file with an unpredictable name in the
 * same directory (created `O_EXCL | O_NOFOLLOW`), written to its full length
 * (a short write is continued; a write that makes no progress or fails, e.g.
 * ENOSPC, throws), fsync'ed, renamed over the target, then the directory is
 * fsync'ed so the rename itself survives a power loss. On any error the temp
 * file is removed and the target is untouched: nothing partial is committed.
 * (write-file-atomic ignores a short count from `writeSync`, follows symbolic
 * links and uses a predictable temp name, so it is not used.) A target that
 * is a symbolic link or not a regular file is refused (`ELOOP` / `EEXIST`).
 *
 * Format: one JSON object per file, `{"v":1,"sha256":"<hex>","body":<json>}`,
 * where the checksum is over the exact text of `body` (`JSON.stringify`). A
 * reader never crashes on any byte string: it returns a reason instead.
 */
import { createHash, randomBytes } from '../core/hash.js';
import { closeSync, constants, fstatSync, fsyncSync, lstatSync, openSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CorruptStateError, parseJson } from './codec.js';

const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_RDONLY, O_NONBLOCK, O_DIRECTORY } = constants;

/** Version of the file envelope. */
export const FILE_FORMAT_VERSION = 1;

/** fsyncs a directory (makes renames and creations in it durable). @throws ELOOP for a symbolic link. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function fsError(message: string, code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${message}`), { code });
}

/**
 * Writes all of `buf` at the current position of `fd`, continuing after short writes.
 * @throws the fs error (ENOSPC, EIO …), or `EIO` "short write" when a write makes no progress.
 */
export function writeFully(fd: number, buf: Buffer, what: string): void {
  let off = 0;
  while (off < buf.length) {
    const n = writeSync(fd, buf, off, buf.length - off);
    if (!(n > 0)) throw fsError(`short write to ${what}: ${off} of ${buf.length} bytes written`, 'EIO');
    off += n;
  }
}

/**
 * Replaces `path` with `data` atomically and durably (see module doc).
 * @param mode permission bits of a new file (before the umask).
 * @throws the fs error (ENOSPC, EIO, ELOOP for a symbolic link at `path` …): `path` is then untouched.
 */
export function writeFileDurable(path: string, data: string | Buffer, mode = 0o600): void {
  const dir = dirname(path);
  const buf = typeof data === 'string' ? Buffer.from(data) : data;
  const tmp = join(dir, `.${basename(path)}.${randomBytes(8).toString('hex')}.tmp`);
  let fd: number | null = openSync(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
  let committed = false;
  try {
    writeFully(fd, buf, tmp);
    fsyncSync(fd);
    closeSync(fd);
    fd = null;
    let target: import('node:fs').Stats | null = null;
    try {
      target = lstatSync(path);
    } catch {
      /* a new file */
    }
    if (target?.isSymbolicLink()) throw fsError(`${path} is a symbolic link (refused)`, 'ELOOP');
    if (target && !target.isFile()) throw fsError(`${path} is not a regular file (refused)`, 'EEXIST');
    renameSync(tmp, path);
    committed = true;
  } finally {
    if (fd !== null) {
      try {
        closeSync(fd);
      } catch {
        /* the write error is what matters */
      }
    }
    if (!committed) {
      try {
        unlinkSync(tmp);
      } catch {
        /* already gone */
      }
    }
  }
  fsyncDir(dir);
}

/**
 * Writes `body` (JSON-compatible) to `path` atomically and durably, in the checksummed envelope.
 * @throws the underlying fs error (ENOSPC, EIO, ELOOP …): the previous file is then untouched.
 */
export function writeDurable(path: string, body: unknown): void {
  const text = JSON.stringify(body);
  writeFileDurable(path, `{"v":${FILE_FORMAT_VERSION},"sha256":"${sha256(text)}","body":${text}}\n`, 0o600);
}

/**
 * Reads a whole regular file without following a symbolic link and without
 * blocking on a FIFO.
 * @throws ELOOP (symbolic link), `ENOTREG` (not a regular file) or the read error.
 */
export function readRegularFile(path: string): Buffer {
  const fd = openSync(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw fsError(`${path} is not a regular file (refused)`, 'ENOTREG');
    const chunks: Buffer[] = [];
    for (;;) {
      const b = Buffer.allocUnsafe(Math.max(65536, st.size + 1));
      const n = readSync(fd, b, 0, b.length, null);
      if (n <= 0) break;
      chunks.push(b.subarray(0, n));
    }
    return Buffer.concat(chunks);
  } finally {
    closeSync(fd);
  }
}

/** Result of reading a durable file. */
export type ReadResult = { ok: true; body: unknown } | { ok: false; reason: string };

/**
 * Reads a file written by `writeDurable`, verifying version and checksum.
 * Never throws: a missing, unreadable, truncated, corrupt or symlinked file gives `{ ok: false, reason }`.
 */
export function readDurable(path: string): ReadResult {
  let text: string;
  try {
    text = readRegularFile(path).toString('utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') return { ok: false, reason: 'is a symbolic link (refused)' };
    if (code === 'ENOTREG') return { ok: false, reason: 'is not a regular file (refused)' };
    return { ok: false, reason: code ?? (e as Error).message };
  }
  const m = /^\{"v":(\d+),"sha256":"([0-9a-f]{64})","body":([\s\S]*)\}\n?$/.exec(text);
  if (!m) return { ok: false, reason: 'not a checkpoint file (truncated or corrupt envelope)' };
  if (Number(m[1]) !== FILE_FORMAT_VERSION) return { ok: false, reason: `format version ${m[1]} is not ${FILE_FORMAT_VERSION}` };
  if (sha256(m[3]!) !== m[2]) return { ok: false, reason: 'checksum mismatch' };
  try {
    return { ok: true, body: parseJson(m[3]!) };
  } catch (e) {
    return { ok: false, reason: e instanceof CorruptStateError ? e.message : String(e) };
  }
}
