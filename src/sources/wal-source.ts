/**
 * A receiver with a write-ahead log (Spark's receiver WAL, `--wal`): what a
 * non-replayable receiver gets — the bytes of stdin, or the lines of a TCP
 * source (`--connect`, `--listen`), one per line — is appended to the log
 * directory and fsync'ed before it can belong to a batch (at batch time,
 * before the batch's offsets are logged). Batches are cut
 * from the log by byte offsets at batch time (`planBatch`: up to the last
 * complete line), logged by the engine, then read back and split into lines
 * (`replayBatch`), so after a crash a batch re-runs with exactly the same
 * lines, and lines received but not yet in a batch are not lost.
 *
 * Segments are files `wal/<first offset>.log` of at most 64 MiB; a segment is
 * deleted once a durable state snapshot lies past its end. After a restart,
 * new input is appended after what the log holds; a partial last line left by
 * the crash is cut off (it was never part of a batch: batches take complete
 * lines only), so a producer that resends from the log's length
 * (`durableLength()`) delivers every line exactly once.
 */
import { closeSync, existsSync, fsyncSync, ftruncateSync, openSync, readdirSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { IssueLog } from '../core/issues.js';
import { fsyncDir } from '../checkpoint/durable-file.js';
import { ByteOrderMark } from './byte-order-mark.js';
import { DEFAULT_MAX_LINE_BYTES, LineSplitter } from './line-splitter.js';
import type { Replayable, Source, SourceSink } from './source.js';
import { makeDirs } from '../core/make-dirs.js';

const SEGMENT_BYTES = 64 * 1024 * 1024;

function isStream(x: NodeJS.ReadableStream | Source): x is NodeJS.ReadableStream {
  return typeof (x as NodeJS.ReadableStream).on === 'function' && typeof (x as Source).start !== 'function';
}

/** Offsets of one batch in the log: bytes `[from, to)`; `eof`: the input ended there. */
export interface WalOffsets {
  from: number;
  to: number;
  eof: boolean;
}

/** A write-ahead-logged line receiver (see module doc). */
export class WalLineSource implements Source, Replayable {
  private dirty = false;
  private readonly dir: string;
  private segments: { start: number; path: string }[] = [];
  private fd = -1;
  private segStart = 0;
  /** Bytes in the log (global offset of its end). */
  private written = 0;
  /** Global offset just after the last LF written. */
  private lineEnd = 0;
  /** Next byte not yet planned into a batch. */
  private next = 0;
  private eof = false;
  private sink: SourceSink | null = null;
  private cleanup: () => void = () => {};

  /**
   * @param input a byte stream (stdin), or a line receiver whose records are logged one per line.
   * @param walDir the log directory (inside the checkpoint).
   */
  constructor(
    readonly name: string,
    private readonly input: NodeJS.ReadableStream | Source,
    walDir: string,
    private readonly issues: IssueLog,
    private readonly maxLineBytes = DEFAULT_MAX_LINE_BYTES,
  ) {
    this.dir = walDir;
    makeDirs(this.dir, 0o700);
    for (const f of readdirSync(this.dir)) {
      const m = /^(\d+)\.log$/.exec(f);
      if (m) this.segments.push({ start: Number(m[1]), path: join(this.dir, f) });
    }
    this.segments.sort((a, b) => a.start - b.start);
    this.cutPartialLine();
    const last = this.segments[this.segments.length - 1];
    if (last) {
      this.segStart = last.start;
      this.written = last.start + statSync(last.path).size;
      this.fd = openSync(last.path, 'a', 0o600);
      this.lineEnd = this.written;
    } else {
      this.openSegment(0);
    }
    this.next = this.segments[0]?.start ?? 0;
  }

  /** Truncates the log after its last LF (see module doc). */
  private cutPartialLine(): void {
    const buf = Buffer.allocUnsafe(64 * 1024);
    for (let i = this.segments.length - 1; i >= 0; i--) {
      const seg = this.segments[i]!;
      const fd = openSync(seg.path, 'r+');
      try {
        let end = statSync(seg.path).size;
        while (end > 0) {
          const start = Math.max(0, end - buf.length);
          const n = readSync(fd, buf, 0, end - start, start);
          const nl = buf.subarray(0, n).lastIndexOf(10);
          if (nl >= 0) {
            ftruncateSync(fd, start + nl + 1);
            fsyncSync(fd);
            return;
          }
          end = start;
        }
        ftruncateSync(fd, 0);
      } finally {
        closeSync(fd);
      }
    }
  }

  /** Bytes durably in the log: where a producer resending after a crash should resume. */
  durableLength(): number {
    return this.written;
  }

  private openSegment(start: number): void {
    if (this.fd >= 0) closeSync(this.fd);
    const path = join(this.dir, `${start}.log`);
    this.fd = openSync(path, 'a', 0o600);
    fsyncDir(this.dir);
    this.segments.push({ start, path });
    this.segStart = start;
  }

  /** Appends a chunk (fsync'ed at the next `planBatch`); throws on a write error (the job then fails). */
  private append(chunk: Buffer): void {
    if (this.written - this.segStart >= SEGMENT_BYTES) {
      if (this.dirty) fsyncSync(this.fd);
      this.openSegment(this.written);
    }
    let off = 0;
    while (off < chunk.length) off += writeSync(this.fd, chunk, off);
    this.dirty = true;
    const nl = chunk.lastIndexOf(10);
    if (nl >= 0) this.lineEnd = this.written + nl + 1;
    this.written += chunk.length;
  }

  /** Line receivers: bind ports etc. before any input (see Source.prepare). */
  async prepare(): Promise<void> {
    if (!isStream(this.input)) await this.input.prepare?.();
  }

  start(sink: SourceSink): void {
    this.sink = sink;
    if (!isStream(this.input)) {
      const inner = this.input;
      inner.start({
        record: (line) => {
          try {
            this.append(Buffer.from(`${String(line)}\n`));
          } catch (e) {
            this.stop();
            sink.fail(e);
          }
        },
        end: () => {
          this.eof = true;
          sink.end();
        },
        fail: (e) => sink.fail(e),
      });
      this.cleanup = () => inner.stop();
      return;
    }
    const stream = this.input;
    // A BOM at the start of stdin is not logged (see line-splitter.ts).
    const bom = new ByteOrderMark();
    const onData = (chunk: Buffer | string) => {
      try {
        let buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        if (bom.pending) {
          const { skip, held } = bom.scan(buf);
          if (held) this.append(held);
          buf = buf.subarray(skip);
        }
        if (buf.length > 0) this.append(buf);
      } catch (e) {
        this.stop();
        sink.fail(e);
      }
    };
    const onEnd = () => {
      const held = bom.end();
      try {
        if (held) this.append(held);
      } catch (e) {
        this.stop();
        sink.fail(e);
        return;
      }
      this.eof = true;
      this.cleanup();
      sink.end();
    };
    const onError = (e: Error) => {
      this.stop();
      sink.fail(e);
    };
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    this.cleanup = () => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
    };
  }

  stop(): void {
    this.cleanup();
    if (isStream(this.input)) this.input.pause();
  }

  /** Line receivers: see Source.commit. */
  commit(batch: import('../core/types.js').BatchInfo): void {
    if (!isStream(this.input)) this.input.commit?.(batch);
  }

  planBatch(): WalOffsets {
    if (this.dirty) {
      fsyncSync(this.fd); // durable before it belongs to a batch
      this.dirty = false;
    }
    const to = this.eof ? this.written : this.lineEnd;
    const o = { from: this.next, to: Math.max(this.next, to), eof: this.eof };
    this.next = o.to;
    return o;
  }

  private readRange(from: number, to: number, onChunk: (b: Buffer) => void): void {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (let i = 0; i < this.segments.length; i++) {
      const seg = this.segments[i]!;
      const segEnd = this.segments[i + 1]?.start ?? this.written;
      if (segEnd <= from || seg.start >= to) continue;
      const fd = openSync(seg.path, 'r');
      try {
        let pos = Math.max(from, seg.start);
        const end = Math.min(to, segEnd);
        while (pos < end) {
          const n = readSync(fd, buf, 0, Math.min(buf.length, end - pos), pos - seg.start);
          if (n <= 0) break;
          onChunk(buf.subarray(0, n));
          pos += n;
        }
      } finally {
        closeSync(fd);
      }
    }
  }

  replayBatch(offsets: unknown): void {
    const o = offsets as WalOffsets | undefined;
    if (!o || o.to <= o.from) return;
    const sink = this.sink;
    if (!sink) return;
    const issues = this.issues;
    const splitter = new LineSplitter((line) => {
      issues.current = line;
      sink.record(line);
    }, issues, this.name, this.maxLineBytes, false); // the log holds no BOM (dropped before logging)
    this.readRange(o.from, o.to, (chunk) => splitter.push(chunk));
    splitter.end();
    this.next = Math.max(this.next, o.to);
  }

  snapshot(): unknown {
    return { next: this.next };
  }

  restore(data: unknown): void {
    const d = data as { next?: number };
    if (typeof d?.next === 'number') this.next = Math.min(d.next, this.written);
  }

  durable(): void {
    // Segments that end before the next unplanned byte are covered by the snapshot.
    while (this.segments.length > 1 && this.segments[1]!.start <= this.next) {
      const seg = this.segments.shift()!;
      if (existsSync(seg.path)) rmSync(seg.path);
    }
  }
}
