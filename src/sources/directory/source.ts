/**
 * `--watch DIR`: the files of watched directories, each read once, whole
 * (Spark's `textFileStream`, with Structured Streaming's
 * `maxFilesPerTrigger` and `cleanSource`, minus their traps).
 *
 * Life of a file:
 * 1. found — by the watcher (chokidar; `watcher.ts`); stat'ed and, or by one scan
 *    with `once`; names are filtered there (pattern, hidden, `*.tmp` …);
 * 2. settled (`discovery.ts`) — complete by the rule of `settle.ts` (renamed in, or unchanged
 *    for `settleMs`); an old mtime never makes a file be skipped;
 * 3. queued by (mtime, path) and read one at a time (`maxFilesPerBatch`
 *    files started per batch at most), after an identity check
 *    (`file-identity.ts`): a file already read is not read again;
 * 4. after the batch holding its last line has been output, `commit` applies
 *    `--after-read` (`after-read.ts`).
 *
 * A file that cannot be read (open fails, it vanished, a corrupt `.gz`, a
 * read error) is counted as an `unreadable-file` issue and skipped — never
 * fatal; it is tried again only if it changes. Files present at start are read
 * too, unless `newFilesOnly`. With `once`, the files present at start are
 * read (each given one settle period to be complete; a file still changing is
 * left for the next run and reported) and the source ends. Without `once` it
 * never ends the job.
 *
 * Bounded input (`once`): the source cuts batches itself (`SourceSink.cut`)
 * after `maxFilesPerBatch` files, or, in checkpoint mode, whenever files are
 * ready and none is still being looked at, so batches hold the same files on
 * every run.
 */
import type { BatchInfo } from '../../core/types.js';
import { PushSource } from '../push-source.js';
import type { Replayable, Source, SourceSink } from '../source.js';
import { applyAfterRead, prepareAfterRead } from './after-read.js';
import { FileDiscovery, type Root } from './discovery.js';
import { HEAD_BYTES, ProcessedFiles, type FileIdentity } from './file-identity.js';
import { defaultOpenFile, takeFile } from './file-reader.js';
import type { DirectoryEvent, DirectorySourceOptions } from './options.js';
import { checkDirectoryOffsets, readBatchFiles, readWhole, type DirectoryOffsets } from './replay.js';
import { checkDirectory } from './watcher.js';

export type { DirectoryEvent, DirectorySourceOptions } from './options.js';

/** The watched-directories source (see module doc; its options and events: `options.ts`). */
export class DirectorySource extends PushSource implements Source, Replayable {
  readonly name: string;
  /** Files read (or skipped) so far, by identity; `snapshot()`/`restore()` persist it. */
  readonly processed = new ProcessedFiles();
  private readonly discovery: FileDiscovery;
  private readonly warnedModified = new Set<string>();
  private finished: { root: Root; path: string }[] = [];
  private reading: { path: string; stop(): void } | null = null;
  private startedThisBatch = 0;
  /** Checkpoint mode: files are taken by `planBatch` and read by `replayBatch` (replay.ts). */
  private replayMode = false;
  /** The offsets `planBatch` returned last (a `replayBatch` of other offsets replays the log after a restart). */
  private planned: DirectoryOffsets | null = null;
  /** Files read in batches not yet covered by a durable snapshot (checkpoint mode). */
  private pendingCleanup: { root: Root; path: string }[] = [];
  private ended = false;

  /** @throws ConfigError for an invalid `pattern`. */
  constructor(private readonly options: DirectorySourceOptions) {
    super(options.log);
    this.name = `--watch ${options.dirs.join(', ')}`;
    this.discovery = new FileDiscovery(options, this.processed, {
      changed: () => {
        this.pump();
        this.maybeEnd();
      },
      reading: () => this.reading?.path,
      emit: (e) => this.emit(e),
      log: (m) => this.log(m),
      fail: (e) => this.fail(e),
    });
  }

  private get roots(): Root[] {
    return this.discovery.roots;
  }

  /** The processed-files set as plain data (for a checkpoint). */
  snapshot(): unknown {
    return this.processed.snapshot();
  }

  /** Takes back a `snapshot()` before `start()`. @throws DStreamError `E_CHECKPOINT_FORMAT`. */
  restore(data: unknown): void {
    this.processed.restore(data);
  }

  /**
   * Checks the directories and prepares `move:DIR`.
   * @throws ConfigError when a directory is missing or not a directory, or the
   *   move target cannot be created or lies inside a watched directory.
   */
  async prepare(): Promise<void> {
    for (const r of this.roots) checkDirectory(r.dir);
    prepareAfterRead(this.options.afterRead ?? { kind: 'keep' }, this.roots.map((r) => r.dir), Boolean(this.options.recursive));
  }

  start(sink: SourceSink): void {
    this.sink = sink;
    this.discovery.start();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.discovery.stop();
    this.reading?.stop();
  }

  onBatch(): void {
    this.startedThisBatch = 0;
    this.pump();
  }

  /** Replayable: batches take the ready files at batch time (see replay.ts). */
  beginReplayMode(): void {
    this.replayMode = true;
  }

  /** Replayable: the ready files (up to `--max-files-per-batch`) become this batch. */
  planBatch(): DirectoryOffsets {
    const files: FileIdentity[] = [];
    const cap = this.options.maxFilesPerBatch;
    while (this.discovery.initialDone && !this.discovery.busy && (cap === undefined || files.length < cap)) {
      const next = this.discovery.ready.pop();
      if (!next) break;
      let head: { identity: FileIdentity; data: Buffer };
      try {
        head = readWhole(next.path, HEAD_BYTES);
      } catch (e) {
        this.options.issues.unreadableFile(next.path, `cannot be read: ${(e as Error).message}`);
        continue;
      }
      const known = this.processed.lookup(next.path, head.identity, head.data);
      if (known.status !== 'new') continue;
      files.push(head.identity);
      this.processed.add({ ...head.identity, outcome: 'read' });
    }
    this.planned = { files };
    return this.planned;
  }

  /** Replayable: reads the files of a batch whole and pushes their lines. */
  replayBatch(offsets: unknown): void {
    const sink = this.sink;
    if (offsets === undefined || !sink) return;
    const recovering = offsets !== this.planned;
    this.planned = null;
    const o = recovering ? checkDirectoryOffsets(offsets, this.name) : (offsets as DirectoryOffsets);
    const read = readBatchFiles(o, { issues: this.options.issues, processed: this.processed, record: (l) => sink.record(l), maxLineBytes: this.options.maxLineBytes, recovering, fileStart: this.options.onFileStart, fileEnd: this.options.onFileEnd });
    for (const path of read) {
      const root = this.roots.find((r) => path.startsWith(r.dir)) ?? this.roots[0]!;
      this.pendingCleanup.push({ root, path });
      this.emit({ type: 'read', path, lines: -1 });
    }
    queueMicrotask(() => this.maybeEnd());
  }

  /** Replayable: a durable snapshot covers every batch so far: `--after-read` may act on their files. */
  durable(): void {
    this.finished.push(...this.pendingCleanup);
    this.pendingCleanup = [];
    this.applyAfterRead();
  }

  /** Applies `--after-read` to the files whose lines are all in batches already output. */
  commit(_batch?: BatchInfo): void {
    if (this.replayMode) return; // waits for durable()
    this.applyAfterRead();
  }

  private applyAfterRead(): void {
    const action = this.options.afterRead ?? { kind: 'keep' };
    const done = this.finished;
    this.finished = [];
    if (action.kind === 'keep') return;
    for (const f of done) {
      try {
        const to = applyAfterRead(action, f.root.dir, f.path);
        this.processed.forget(f.path);
        this.emit({ type: 'cleaned', path: f.path, to });
      } catch (e) {
        this.log(`--after-read ${action.kind}: ${f.path}: ${(e as Error).message}`);
      }
    }
  }

  private emit(e: DirectoryEvent): void {
    this.options.onEvent?.(e);
  }

  private maybeEnd(): void {
    const d = this.discovery;
    if (!this.options.once || this.ended || this.stopped || !d.initialDone) return;
    if (d.unsettled > 0 || this.reading || d.busy) return;
    if (this.replayMode) {
      const cap = this.options.maxFilesPerBatch;
      if (cap !== undefined && d.ready.size > cap) {
        this.sink?.cut?.(); // a batch of `cap` files (planBatch); replayBatch calls back here
        return;
      }
      // The rest is taken by the final batch's planBatch.
    } else if (d.ready.size > 0) return;
    this.ended = true;
    this.stopped = true;
    d.stop();
    this.sink?.end();
  }

  /**
   * Starts reading the next ready file, if allowed. Waits for the initial
   * files and for stats in flight, so that files ready together are read in
   * (mtime, path) order rather than in the order their stats completed.
   */
  private pump(): void {
    const d = this.discovery;
    if (this.replayMode) return;
    if (this.stopped || this.reading || !this.sink || !d.initialDone || d.busy) return;
    const cap = this.options.maxFilesPerBatch;
    if (cap !== undefined && this.startedThisBatch >= cap) {
      // Bounded input: the batch is full; cutting it starts the next one (onBatch pumps again).
      if (this.options.once && d.ready.size > 0) this.sink.cut?.();
      return;
    }
    const next = d.ready.pop();
    if (!next) return;
    this.startedThisBatch++;
    const slot = { path: next.path, stop: () => {} };
    this.reading = slot;
    this.take(next.path, next.value, slot)
      .catch((e) => this.fail(e))
      .finally(() => {
        if (this.reading === slot) this.reading = null;
        this.pump();
        this.maybeEnd();
      });
  }

  private async take(path: string, root: Root, slot: { stop(): void }): Promise<void> {
    const o = this.options;
    let first = o.onFileStart !== undefined;
    let handedOn = false;
    const result = await takeFile(path, {
      processed: this.processed,
      issues: o.issues,
      openFile: o.openFile ?? defaultOpenFile,
      reader: { maxLineBytes: o.maxLineBytes, rate: o.rate, backpressure: o.backpressure },
      record: (line) => {
        if (first) {
          first = false;
          o.onFileStart!(path);
        }
        handedOn = true;
        this.sink!.record(line);
      },
      fail: (e) => this.fail(e),
      stopped: () => this.stopped,
      onStart: (stop) => {
        slot.stop = stop;
        this.emit({ type: 'reading', path });
      },
    });
    if (handedOn) o.onFileEnd?.(path);
    switch (result.kind) {
      case 'read':
        this.finished.push({ root, path });
        this.emit({ type: 'read', path, lines: result.lines });
        break;
      case 'skipped':
        if (result.reason === 'modified' && !this.warnedModified.has(path)) {
          this.warnedModified.add(path);
          this.log(`${path} changed after it was read; files are read once, whole: the change is ignored`);
        }
        this.emit({ type: 'skipped', path, reason: result.reason });
        break;
      case 'failed':
        this.emit({ type: 'failed', path, message: result.message });
        break;
    }
  }
}
