/**
 * Lines from a file descriptor read in large blocks (stdin redirected from a
 * file or a pipe). `fs.read` into two reused 1 MiB buffers replaces the
 * stream API's 64 KiB chunks: one thread-pool round trip per MiB instead of
 * per 64 KiB (PERF-NOTES: the stream reader was 22 % of an access-log job;
 * block reads reached 1.8× its throughput). The next block is read while the
 * lines of the last one are processed (one read ahead, never more: processing
 * still throttles reading, memory stays bounded). The line splitter copies what
 * it keeps, so the buffers are reused without allocation.
 *
 * A descriptor that turns out to be non-blocking (`EAGAIN`) is handed to the
 * stream fallback for the rest of the input, losing nothing.
 *
 * Bounded input: when the engine says a batch is full (`--max-records-per-batch`)
 * the splitter stops at that line, and the source cuts the batch there before
 * it pushes more (not at end of input: no empty last batch). Under
 * a checkpoint a regular file is remembered by identity (device, inode, a hash
 * of its first 4 KiB) and byte offset (`position`/`resume`): the next run
 * continues a file that grew where the last one stopped, and reads a file
 * that was replaced (other identity, or shorter) from its start.
 */
import { fstatSync, read, readlinkSync, readSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { HEAD_BYTES, headHash } from './directory/file-identity.js';
import type { Backpressure } from './flow.js';
import type { IssueLog } from '../core/issues.js';
import { DEFAULT_MAX_LINE_BYTES, LineSplitter } from './line-splitter.js';
import type { Source, SourceSink } from './source.js';

/** Longest stretch of synchronous processing before yielding to the event loop, ms. */
export const SLICE_MS = 50;

/** Block size of reads, bytes. */
export const READ_BLOCK_BYTES = 1 << 20;

/** Where a run stopped reading a regular file (plain JSON data). Offsets in bytes. */
export interface FilePosition {
  dev: number;
  ino: number;
  /** SHA-1 (hex) of the first `headBytes` bytes. */
  headHash: string;
  headBytes: number;
  /** Bytes of the file consumed by the batches so far. */
  offset: number;
  /** The file's absolute path when the run first asked, where the system tells it (Linux `/proc/self/fd`); for people (`checkpoint inspect`), not for resuming. */
  path?: string;
}

/** A block read in flight or done: its result (`n` bytes into `buf`) and who waits for it. */
interface BlockRead {
  done: boolean;
  err: NodeJS.ErrnoException | null;
  n: number;
  buf: Buffer;
  then: (() => void) | null;
}

/** A line receiver over a file descriptor (see module doc). */
export class FdLineSource implements Source {
  private stopped = false;
  /** File offset of the next read, or null for sequential reads (a pipe). */
  private readPos: number | null = null;
  /** Bytes pushed into the splitter so far, from `startOffset`. */
  private consumed = 0;
  private startOffset = 0;
  private splitter: LineSplitter | null = null;
  /** Optional: told when a resumed position does not apply (e.g. the file was replaced). */
  log?: (message: string) => void;
  /** Optional: reading pauses while the output is behind (output is written as records are processed). */
  backpressure?: Backpressure;
  /**
   * Under a checkpoint: a last line without a newline at end of file is not
   * read (the file is still being written; the offset stays before it and the
   * next run reads the whole line), as log shippers do.
   */
  holdUnterminatedLine = false;
  /** `FilePosition.path`, looked up once ('' when unknown). */
  private path: string | undefined;

  /**
   * @param fallback called with the sink and splitter when block reads are not possible (EAGAIN);
   *   it must continue feeding the same splitter from a stream.
   */
  constructor(
    readonly name: string,
    private readonly fd: number,
    private readonly issues: IssueLog,
    private readonly maxLineBytes = DEFAULT_MAX_LINE_BYTES,
    private readonly fallback?: (sink: SourceSink, splitter: LineSplitter) => void,
  ) {}

  start(sink: SourceSink): void {
    const issues = this.issues;
    let full = false;
    const splitter = new LineSplitter((line) => {
      issues.current = line;
      if (sink.record(line) === true) full = true;
      return full;
    }, issues, this.name, this.maxLineBytes);
    if (sink.lines) {
      const lines = sink.lines.bind(sink);
      splitter.onText = (text, n) => {
        if (!lines(text, n)) return false;
        issues.countRecords(n);
        return true;
      };
    }
    this.splitter = splitter;
    // Two buffers: while the lines of one block are processed, the next block is read into the
    // other (read-ahead, one read in flight), so the thread pool's read overlaps processing.
    const bufs = [Buffer.allocUnsafe(READ_BLOCK_BYTES), Buffer.allocUnsafe(READ_BLOCK_BYTES)];
    let which = 0;
    /** The read ahead: its result once done, and who waits for it. */
    let ahead: BlockRead | null = null;
    const readAhead = (): void => {
      const buf = bufs[which]!;
      which ^= 1;
      const r: BlockRead = { done: false, err: null, n: 0, buf, then: null };
      ahead = r;
      read(this.fd, buf, 0, buf.length, this.readPos, (err, n) => {
        [r.done, r.err, r.n] = [true, err, n];
        if (!err && this.readPos !== null) this.readPos += n;
        r.then?.();
      });
    };
    const next = (): void => {
      if (this.backpressure?.behind) {
        this.backpressure.whenCaughtUp(next);
        return;
      }
      if (ahead === null) readAhead();
      const r = ahead!;
      if (!r.done) {
        r.then = next;
        return;
      }
      ahead = null;
      if (this.stopped) return;
      const { err, n, buf } = r;
      if (err) {
        if ((err.code === 'EAGAIN' || err.code === 'EWOULDBLOCK') && this.fallback) {
          this.fallback(sink, splitter);
          return;
        }
        this.stopped = true;
        sink.fail(err);
        return;
      }
      if (n === 0) {
        try {
          if (this.holdUnterminatedLine && splitter.heldBytes > 0) {
            this.log?.(`${this.name}: the last ${splitter.heldBytes} bytes have no newline yet: left for the next run`);
          } else {
            if (full && splitter.heldBytes > 0) cut(); // a last line without newline starts a batch
            splitter.end();
          }
        } catch (e) {
          this.stopped = true;
          sink.fail(e);
          return;
        }
        this.stopped = true;
        sink.end();
        return;
      }
      readAhead();
      feed(buf.subarray(0, n));
    };
    // Processing runs in slices of at most SLICE_MS, so timers (batches) and
    // signals are served even when user functions are slow.
    const cut = (): void => {
      full = false;
      sink.cut?.();
    };
    const feed = (chunk: Buffer): void => {
      if (this.stopped) return;
      let used: number;
      try {
        if (full) cut();
        if (this.stopped) return;
        used = splitter.push(chunk, performance.now() + SLICE_MS);
        this.consumed += used;
      } catch (e) {
        this.stopped = true;
        sink.fail(e);
        return;
      }
      if (this.stopped) return;
      if (used < chunk.length) {
        const rest = Buffer.from(chunk.subarray(used)); // the read buffers are reused
        setImmediate(() => feed(rest));
      } else next();
    };
    // The first read waits a turn: recovery calls `resume` right after `start`.
    setImmediate(next);
  }

  stop(): void {
    this.stopped = true;
  }

  /**
   * How far a regular file was read (bytes handed to the batches, from the file's start) and its
   * size now; undefined for a pipe or terminal. A stop before the end leaves `read < size`.
   */
  coverage(): { read: number; size: number } | undefined {
    try {
      const st = fstatSync(this.fd);
      if (!st.isFile()) return undefined;
      return { read: this.startOffset + this.consumed - (this.splitter?.heldBytes ?? 0), size: st.size };
    } catch {
      return undefined;
    }
  }

  /** Identity and offset of the input consumed so far; undefined when the descriptor is not a regular file. */
  position(): FilePosition | undefined {
    const id = this.identity();
    if (!id) return undefined;
    const offset = this.startOffset + this.consumed - (this.splitter?.heldBytes ?? 0);
    this.path ??= fdPath(this.fd);
    return this.path ? { ...id, offset, path: this.path } : { ...id, offset };
  }

  /**
   * Continues after `position` when the descriptor is the same file, not
   * shorter; otherwise reads from the start, saying so.
   */
  resume(position: unknown): void {
    const p = position as Partial<FilePosition> | null;
    if (!p || typeof p.offset !== 'number' || typeof p.headBytes !== 'number') return;
    let size: number;
    try {
      const st = fstatSync(this.fd);
      if (!st.isFile()) return;
      size = st.size;
    } catch {
      return;
    }
    const id = this.identity(p.headBytes);
    const same = id !== undefined && id.dev === p.dev && id.ino === p.ino && id.headHash === p.headHash && id.headBytes === p.headBytes;
    if (same && size >= p.offset) {
      this.startOffset = p.offset;
      this.readPos = p.offset;
      return;
    }
    this.readPos = 0;
    this.log?.(`${this.name}: not the file the checkpoint's last run read (${same ? 'it is shorter now' : 'replaced'}): reading it from its start`);
  }

  /** Device, inode and hash of the first `headBytes` (default up to 4 KiB) of a regular file. */
  private identity(headBytes?: number): Omit<FilePosition, 'offset'> | undefined {
    try {
      const st = fstatSync(this.fd);
      if (!st.isFile()) return undefined;
      const head = Buffer.alloc(headBytes ?? Math.min(HEAD_BYTES, st.size));
      const n = head.length ? readSync(this.fd, head, 0, head.length, 0) : 0;
      return { dev: st.dev, ino: st.ino, headHash: headHash(head.subarray(0, n)), headBytes: n };
    } catch {
      return undefined;
    }
  }
}

/** The absolute path of the file open on `fd` (Linux `/proc/self/fd`), or '' where the system does not tell it or the file was deleted. */
function fdPath(fd: number): string {
  try {
    const p = readlinkSync(`/proc/self/fd/${fd}`);
    return isAbsolute(p) && !p.endsWith(' (deleted)') ? p : '';
  } catch {
    return '';
  }
}

/**
 * The stderr line for a stop signal that ended a job before the end of a file on stdin, so that a
 * partial answer does not look like the whole file's.
 * @param read bytes of the file the output covers (one thread: its first `read` bytes; several:
 *   the sum of what each read of its part, from the part's start).
 * @param size the file's size in bytes.
 * @param threads how many threads read it (`--workers`).
 */
export function stoppedCoverageMessage(read: number, size: number, threads = 1): string {
  const covered = threads > 1
    ? `${read} of its ${size} bytes (what the ${threads} threads had read, from the start of each part)`
    : `the first ${read} of its ${size} bytes`;
  return `dstream: stopped before the end of the input: the output covers ${covered}`;
}
