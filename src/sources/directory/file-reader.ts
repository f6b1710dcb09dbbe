/**
 * Reading one file of a watched directory: open it once, take its identity
 * from the open descriptor (so a rename or delete during the read changes
 * nothing: on POSIX an open file is read to its end even after it is
 * unlinked), check it against the processed set, then stream its lines —
 * through gunzip when the name ends in `.gz` — with the flow control of
 * `LineReader`. A file that cannot be read is counted (`unreadable-file`)
 * and remembered as failed, so it is tried again only once it changes.
 */
import { open as fsOpen, stat, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { IssueLog } from '../../core/issues.js';
import { HEAD_BYTES, headHash, type FileIdentity, type ProcessedFiles } from './file-identity.js';
import { LineReader, type LineReaderOptions } from '../line-reader.js';

/** Opens a file for reading; tests inject failures (e.g. EACCES, which root never gets). */
export type OpenFile = (path: string) => Promise<FileHandle>;

/** The default `OpenFile`: `fs.promises.open(path, 'r')`. */
export const defaultOpenFile: OpenFile = (path) => fsOpen(path, 'r');

/** A file opened for reading, with its identity and first bytes. */
export interface OpenedFile {
  path: string;
  handle: FileHandle;
  identity: FileIdentity;
  /** The first up to `HEAD_BYTES` bytes (raw, before gunzip). */
  head: Buffer;
}

/** True for names read through gunzip. */
export function isGzip(path: string): boolean {
  return path.toLowerCase().endsWith('.gz');
}

/**
 * Opens `path`, stats the descriptor and reads its first bytes.
 * @throws the fs error (ENOENT when it vanished, EACCES, EISDIR, ELOOP …); the handle is closed then.
 */
export async function openFile(path: string, open: OpenFile = defaultOpenFile): Promise<OpenedFile> {
  const handle = await open(path);
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw Object.assign(new Error(`not a regular file`), { code: 'ENOTREG' });
    const buf = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await handle.read(buf, 0, HEAD_BYTES, 0);
    const head = buf.subarray(0, bytesRead);
    const identity: FileIdentity = {
      path, size: st.size, mtimeMs: st.mtimeMs, dev: st.dev, ino: st.ino, headHash: headHash(head), headBytes: bytesRead,
    };
    return { path, handle, identity, head };
  } catch (e) {
    await handle.close().catch(() => {});
    throw e;
  }
}

/** How streaming a file ended: all lines handed on, the read failed, or it was stopped. */
export type StreamOutcome = { kind: 'done'; lines: number } | { kind: 'error'; lines: number; error: Error } | { kind: 'stopped'; lines: number };

/** Read chunk size for files: 256 KiB (fewer, larger chunks for the line splitter). */
const FILE_CHUNK_BYTES = 256 * 1024;

/**
 * Streams the lines of an opened file from byte 0. `line` is called for each
 * line; `fail` when handing a line on threw (processing error: the job should
 * stop). The returned `done` never rejects; `stop()` abandons the read.
 */
export function streamLines(
  file: OpenedFile,
  handlers: { line(line: string): void; fail(err: unknown): void },
  options: LineReaderOptions,
): { done: Promise<StreamOutcome>; stop(): void } {
  let lines = 0;
  let settle!: (o: StreamOutcome) => void;
  const done = new Promise<StreamOutcome>((res) => (settle = res));
  // A file that fit in its first read (≤ 4 KiB: most small files) is not read again.
  const whole = file.head.length === file.identity.size;
  if (whole) void file.handle.close().catch(() => {});
  const raw: Readable = whole ? Readable.from([file.head]) : file.handle.createReadStream({ start: 0, highWaterMark: FILE_CHUNK_BYTES, autoClose: true });
  let stream: NodeJS.ReadableStream & { destroy(err?: Error): void } = raw;
  if (isGzip(file.path)) {
    const gunzip = createGunzip({ chunkSize: FILE_CHUNK_BYTES });
    raw.on('error', (e) => gunzip.destroy(e));
    raw.pipe(gunzip);
    stream = gunzip;
  }
  const cleanup = () => {
    raw.destroy();
    if (stream !== raw) stream.destroy();
  };
  const reader = new LineReader(
    stream,
    {
      line: (l) => {
        lines++;
        handlers.line(l);
      },
      end: () => {
        cleanup();
        settle({ kind: 'done', lines });
      },
      error: (error) => {
        reader.stop();
        cleanup();
        settle({ kind: 'error', lines, error });
      },
      fail: (err) => {
        cleanup();
        settle({ kind: 'stopped', lines });
        handlers.fail(err);
      },
    },
    options,
  );
  reader.start();
  return {
    done,
    stop: () => {
      reader.stop();
      cleanup();
      settle({ kind: 'stopped', lines });
    },
  };
}

/** What `takeFile` needs from its directory source. */
export interface TakeContext {
  processed: ProcessedFiles;
  issues: IssueLog;
  openFile: OpenFile;
  /** Flow control and limits for the file's lines (`where` is the path). */
  reader: Omit<LineReaderOptions, 'where' | 'issues'>;
  /** Hands on one line (the sink's `record`). */
  record(line: string): void;
  /** A processing error: the job stops. */
  fail(err: unknown): void;
  /** True once the source has stopped (an opened file is then closed unread). */
  stopped(): boolean;
  /** Lets the owner abandon the read at `stop()`. */
  onStart(stop: () => void): void;
}

/** How taking a file ended; `modified`: it changed after being read (ignored). */
export type TakeResult =
  | { kind: 'read'; lines: number }
  | { kind: 'skipped'; reason: 'already-read' | 'modified' }
  | { kind: 'failed'; message: string }
  | { kind: 'stopped' };

/**
 * Takes one settled file: opens it, skips it when the processed set knows it,
 * else streams its lines and remembers it. Never rejects for fs errors (they
 * are counted as `unreadable-file` issues and returned as `failed`).
 */
export async function takeFile(path: string, ctx: TakeContext): Promise<TakeResult> {
  let file: OpenedFile;
  try {
    file = await openFile(path, ctx.openFile);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const message = err.code === 'ENOENT' ? 'vanished before it could be read' : `cannot be read: ${err.message}`;
    ctx.issues.unreadableFile(path, message);
    const st = await stat(path).catch(() => null);
    if (st) ctx.processed.add({ path, size: st.size, mtimeMs: st.mtimeMs, dev: st.dev, ino: st.ino, headHash: '', headBytes: 0, outcome: 'failed' });
    return { kind: 'failed', message };
  }
  if (ctx.stopped()) {
    await file.handle.close().catch(() => {});
    return { kind: 'stopped' };
  }
  const known = ctx.processed.lookup(path, file.identity, file.head);
  if (known.status !== 'new') {
    await file.handle.close().catch(() => {});
    if (known.status === 'modified') ctx.processed.add({ ...known.entry, size: file.identity.size, mtimeMs: file.identity.mtimeMs });
    return { kind: 'skipped', reason: known.status === 'same' ? 'already-read' : 'modified' };
  }
  const run = streamLines(file, { line: ctx.record, fail: ctx.fail }, { ...ctx.reader, where: path, issues: ctx.issues });
  ctx.onStart(run.stop);
  const outcome = await run.done;
  if (outcome.kind === 'done') {
    ctx.processed.add({ ...file.identity, outcome: 'read' });
    return { kind: 'read', lines: outcome.lines };
  }
  if (outcome.kind === 'error') {
    const message = `read failed after ${outcome.lines} line${outcome.lines === 1 ? '' : 's'} (kept): ${outcome.error.message}`;
    ctx.processed.add({ ...file.identity, outcome: 'failed' });
    ctx.issues.unreadableFile(path, message);
    return { kind: 'failed', message };
  }
  return { kind: 'stopped' };
}
