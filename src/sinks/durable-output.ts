/**
 * Outputs that take part in exactly-once checkpointing.
 *
 * - `FileOutput` (`--output FILE`): appends; its position is the file length.
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
 * flight started.
 */
import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileDurable, writeFully } from '../checkpoint/durable-file.js';
import { ConfigError } from '../core/errors.js';
import type { Millis } from '../core/types.js';
import { committedBefore, type Sink, type SinkLog } from './sink.js';
import { makeDirs } from '../core/make-dirs.js';

/** A sink whose position is logged with each batch (see module doc). */
export type DurableOutput = Sink;

/** `--output FILE` (see module doc). */
export class FileOutput implements DurableOutput {
  readonly name: string;
  private fd: number;
  private parts: string[] = [];
  private log: SinkLog | null = null;

  /** @throws ConfigError when the file cannot be opened. */
  constructor(readonly path: string) {
    this.name = `file:${path}`;
    try {
      this.fd = openSync(path, 'a', 0o644);
    } catch (e) {
      throw new ConfigError(`--output: cannot open '${path}': ${(e as Error).message}`);
    }
  }
  write(text: string): void {
    this.parts.push(text);
  }
  flush(): void {
    if (this.parts.length === 0) return;
    const buf = Buffer.from(this.parts.join(''));
    this.parts = [];
    writeFully(this.fd, buf, this.path);
  }
  position(): number {
    return fstatSync(this.fd).size;
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
    if (committedBefore(this.log, batchId)) this.parts = [];
    else if (this.log) this.sync();
    else this.flush();
  }
  close(): void {
    closeSync(this.fd);
  }
}

/** `--output-dir DIR` (see module doc). */
export class BatchDirOutput implements DurableOutput {
  readonly name: string;
  private parts: string[] = [];
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
    this.parts.push(text);
  }
  flush(): void {
    if (this.parts.length === 0) return;
    const text = this.parts.join('');
    this.parts = [];
    writeFileDurable(join(this.dir, this.fileName(this.batchTimeMs())), text, 0o666);
  }
  position(): null {
    return null;
  }
  recover(log: SinkLog): void {
    this.log = log;
  }
  /** A re-run batch writes the identical file again (atomically); one committed before is dropped. */
  addBatch(batchId: number): void {
    if (committedBefore(this.log, batchId)) this.parts = [];
    else this.flush();
  }
}
