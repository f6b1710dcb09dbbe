/**
 * Durable, atomic, checksummed files for the checkpoint directory.
 *
 * Write: a temp file in the same directory, written fully and fsync'ed, then
 * renamed over the target (write-file-atomic), then the directory is fsync'ed
 * so the rename itself survives a power loss. Files are created 0600.
 *
 * Format: one JSON object per file, `{"v":1,"sha256":"<hex>","body":<json>}`,
 * where the checksum is over the exact text of `body` (`JSON.stringify`). A
 * reader never crashes on any byte string: it returns a reason instead.
 */
import { createHash } from '../core/hash.js';
import { closeSync, fsyncSync, lstatSync, openSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createRequire } from 'node:module';
import { CorruptStateError, parseJson } from './codec.js';

/** write-file-atomic's sync writer, loaded on first use (it loads worker_threads and signal-exit: start-up cost). */
export const writeFileAtomicSync = (): typeof import('write-file-atomic').sync => (createRequire(import.meta.url)('write-file-atomic') as typeof import('write-file-atomic')).sync;

/** Version of the file envelope. */
export const FILE_FORMAT_VERSION = 1;

/** fsyncs a directory (makes renames and creations in it durable). */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Writes `body` (JSON-compatible) to `path` atomically and durably.
 * @throws the underlying fs error (ENOSPC, EIO, …): the previous file is then untouched.
 */
export function writeDurable(path: string, body: unknown): void {
  const text = JSON.stringify(body);
  const envelope = `{"v":${FILE_FORMAT_VERSION},"sha256":"${sha256(text)}","body":${text}}\n`;
  writeFileAtomicSync()(path, envelope, { mode: 0o600, fsync: true });
  fsyncDir(dirname(path));
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
    const st = lstatSync(path);
    if (st.isSymbolicLink()) return { ok: false, reason: 'is a symbolic link (refused)' };
    if (!st.isFile()) return { ok: false, reason: 'is not a regular file (refused)' };
    text = readFileSync(path, 'utf8');
  } catch (e) {
    return { ok: false, reason: (e as NodeJS.ErrnoException).code ?? (e as Error).message };
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
