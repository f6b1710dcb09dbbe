/**
 * Outputs that take part in exactly-once checkpointing.
 *
 * - `FileOutput` (`--output FILE`): appends, with the file's line end (CRLF
 *   when its first line has one); its position is the file length.
 *   Before a batch is re-run after a crash the file is truncated to the length
 *   it had when that batch started, so it holds each batch exactly once.
 * - `BatchDirOutput` (`--output-dir DIR`): one file per batch named like
 *   Spark's `saveAsTextFiles`: `PREFIX-<batch time ms>[.SUFFIX]`, written in
 *   full to a temp name, fsync'ed, renamed, directory fsync'ed
 *   (`writeFileDurable`; a short write or ENOSPC commits nothing): a re-run
 *   batch writes the identical file, never a duplicate or a partial one.
 *   Batches with no output write no file.
 * - stdout is at-least-once across a crash (the running batch may print twice).
 *
 * Each is a `Sink` (sink.ts): `addBatch` drops the rows of a batch committed
 * before the crash, and `recover` cuts a file back to where the batch in
 * flight started. Both hold a batch's rows as UTF-8 bytes until it ends
 * (`BatchBytes`), which json, tsv and csv rows are formatted into directly
 * (`rowBytes`, row-bytes.ts), as on stdout.
 */
import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileDurable, writeFully } from '../checkpoint/durable-file.js';
import { ConfigError } from '../core/errors.js';
import type { Millis } from '../core/types.js';
import { committedBefore, type Sink, type SinkLog } from './sink.js';
import { makeDirs } from '../core/make-dirs.js';
import { RowBytes } from './row-bytes.js';
import { firstLine, lineEndOf } from './appended-header.js';

/** The UTF-8 bytes written since the last `take`: a `RowBytes` whose full chunks are kept, not handed on. */
class BatchBytes {
  private chunks: Buffer[] = [];
  /** `text` was called since the last `take`/`clear` (an empty text still makes a batch file). */
  private wrote = false;
  readonly rows = new RowBytes((chunk) => this.chunks.push(chunk));
  text(s: string): void {
    this.wrote = true;
    this.rows.text(s);
  }
  /** All the bytes written since the last `take` or `clear`; null when nothing was. */
  take(): Buffer | null {
    this.rows.flush();
    const chunks = this.chunks;
    const wrote = this.wrote;
    [this.chunks, this.wrote] = [[], false];
    if (chunks.length === 0) return wrote ? Buffer.alloc(0) : null;
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  }
  clear(): void {
    this.rows.clear();
    [this.chunks, this.wrote] = [[], false];
  }
}

/** A sink whose position is logged with each batch (see module doc). */
export type DurableOutput = Sink;

/** `--output FILE` (see module doc). */
export class FileOutput implements DurableOutput {
  readonly name: string;
  private fd: number;
  private readonly pending = new BatchBytes();
  private log: SinkLog | null = null;

  /** The file's last byte was checked before this run's first write (`flush`). */
  private endChecked = false;
  /** The file's line end (`lineEnd`), read once. */
  private eol: '\n' | '\r\n' | null = null;

  /**
   * @param onWarning told when the file did not end with a line end and one was written first.
   * @throws ConfigError when the file cannot be opened.
   */
  constructor(readonly path: string, private readonly onWarning?: (message: string) => void) {
    this.name = `file:${path}`;
    try {
      this.fd = openSync(path, 'a', 0o644);
    } catch (e) {
      throw new ConfigError(`--output: cannot open '${path}': ${(e as Error).message}`);
    }
  }
  write(text: string): void {
    this.pending.text(text);
  }
  rowBytes(): RowBytes {
    return this.pending.rows;
  }
  flush(): void {
    const buf = this.pending.take();
    if (!buf) return;
    if (!this.endChecked) {
      this.endChecked = true;
      if (!endsWithNewline(this.path, this.position())) {
        this.onWarning?.(`--output ${this.path} did not end with a line end (a run stopped in the middle of a row?): one is written first, so this run's rows start on a line of their own`);
        writeFully(this.fd, Buffer.from(this.lineEnd()), this.path);
      }
    }
    writeFully(this.fd, buf, this.path);
  }
  position(): number {
    return fstatSync(this.fd).size;
  }
  /** The file's line end, its first line's: CRLF or LF (appended-header.ts `lineEndOf`), read once. */
  lineEnd(): '\n' | '\r\n' {
    return (this.eol ??= lineEndOf(this.path));
  }
  /** The file's first line (`--header` appending: its header), or null while it is empty. @throws DStreamError when unreadable. */
  firstLine(): string | null {
    return firstLine(this.path);
  }
  /** Writes what is buffered and makes it durable (fsync). */
  sync(): void {
    this.flush();
    fsyncSync(this.fd);
  }
  /** The batch in flight at the crash is cut off: the file goes back to the length it had when that batch started. */
  recover(log: SinkLog): void {
    this.log = log;
    const start = log.inFlight?.startedAt;
    if (typeof start === 'number' && start < this.position()) ftruncateSync(this.fd, start);
  }
  addBatch(batchId: number): void {
    if (committedBefore(this.log, batchId)) this.pending.clear();
    else if (this.log) this.sync();
    else this.flush();
  }
  close(): void {
    closeSync(this.fd);
  }
}

/** True when the file at `path` of `size` bytes is empty or its last byte is a line end (LF). */
function endsWithNewline(path: string, size: number): boolean {
  if (size === 0) return true;
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(1);
    readSync(fd, b, 0, 1, size - 1);
    return b[0] === 10;
  } finally {
    closeSync(fd);
  }
}

/** `--output-dir DIR` (see module doc). */
export class BatchDirOutput implements DurableOutput {
  readonly name: string;
  private readonly pending = new BatchBytes();
  private log: SinkLog | null = null;

  /**
   * @param batchTimeMs the time of the batch being output.
   * @throws ConfigError when the directory cannot be created.
   */
  constructor(readonly dir: string, private readonly batchTimeMs: () => Millis, private readonly prefix = 'batch', private readonly suffix = '') {
    this.name = `dir:${dir}`;
    try {
      makeDirs(dir);
    } catch (e) {
      throw new ConfigError(`--output-dir: cannot create '${dir}': ${(e as Error).message}`);
    }
  }
  /** The file name of batch `timeMs`. */
  fileName(timeMs: Millis): string {
    return `${this.prefix}-${timeMs}${this.suffix ? `.${this.suffix}` : ''}`;
  }
  write(text: string): void {
    this.pending.text(text);
  }
  rowBytes(): RowBytes {
    return this.pending.rows;
  }
  flush(): void {
    const buf = this.pending.take();
    if (buf) writeFileDurable(join(this.dir, this.fileName(this.batchTimeMs())), buf, 0o666);
  }
  position(): null {
    return null;
  }
  recover(log: SinkLog): void {
    this.log = log;
  }
  /** A re-run batch writes the identical file again (atomically); one committed before is dropped. */
  addBatch(batchId: number): void {
    if (committedBefore(this.log, batchId)) this.pending.clear();
    else this.flush();
  }
}
