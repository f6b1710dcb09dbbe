/**
 * Watched directories under a checkpoint (Structured Streaming's file source
 * with its offset log): instead of streaming each file as it settles, the
 * files that are ready at a batch time become that batch (`planBatch`: up to
 * `--max-files-per-batch`, in modification time then name order), their
 * identities are logged, and they are read whole, synchronously, at the batch
 * (`replayBatch`) — so a re-run after a crash reads exactly the same files.
 * A file is read up to the size it had when planned (bytes appended later are
 * not part of that batch). `--after-read` waits until a durable snapshot
 * covers the file's batch, since a replay may still need it.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { IssueLog } from '../engine/issues.js';
import { HEAD_BYTES, headHash, type FileIdentity, type ProcessedFiles } from './file-identity.js';
import { isGzip } from './file-reader.js';
import { DEFAULT_MAX_LINE_BYTES, LineSplitter } from './line-splitter.js';

/** Offsets of one batch: the files it holds. */
export interface DirectoryOffsets {
  files: FileIdentity[];
}

/** Reads `path` synchronously: identity and content up to `size` bytes (all of it when `size` is undefined). */
export function readWhole(path: string, size?: number): { identity: FileIdentity; data: Buffer } {
  const fd = openSync(path, 'r');
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'ENOTREG' });
    const length = Math.min(size ?? st.size, st.size);
    const data = Buffer.allocUnsafe(length);
    let off = 0;
    while (off < length) {
      const n = readSync(fd, data, off, length - off, off);
      if (n <= 0) break;
      off += n;
    }
    const body = data.subarray(0, off);
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
 * Pushes the lines of the files of one batch (see module doc).
 * @returns the files read (for `--after-read` once durable).
 */
export function readBatchFiles(
  offsets: DirectoryOffsets,
  o: { issues: IssueLog; processed: ProcessedFiles; record: (line: string) => void; maxLineBytes?: number },
): string[] {
  const read: string[] = [];
  for (const f of offsets.files) {
    let data: Buffer;
    try {
      data = readWhole(f.path, f.size).data;
      if (isGzip(f.path)) data = gunzipSync(data);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      o.issues.unreadableFile(f.path, err.code === 'ENOENT' ? 'vanished before it could be read' : `cannot be read: ${err.message}`);
      o.processed.add({ ...f, outcome: 'failed' });
      continue;
    }
    const splitter = new LineSplitter((line) => {
      o.issues.current = line;
      o.record(line);
    }, o.issues, f.path, o.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
    splitter.push(data);
    splitter.end();
    o.processed.add({ ...f, outcome: 'read' });
    read.push(f.path);
  }
  return read;
}
