/**
 * `--watch DIR`: the files of watched directories, each read once, whole
 * (Spark's `textFileStream`, with Structured Streaming's
 * `maxFilesPerTrigger` and `cleanSource`, minus their traps).
 *
 * Life of a file:
 * 1. found — by the watcher (chokidar; `directory-watcher.ts`), or by one scan
 *    with `once`; names are filtered there (pattern, hidden, `*.tmp` …);
 * 2. settled — complete by the rule of `settle.ts` (renamed in, or unchanged
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
import { lstat, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { SystemClock, type Clock } from '../core/clock.js';
import { ConfigError } from '../core/errors.js';
import type { BatchInfo, Millis } from '../core/types.js';
import type { IssueLog } from '../core/issues.js';
import { applyAfterRead, prepareAfterRead, type AfterRead } from './after-read.js';
import { checkDirectory, FileFilter, scanDirectory, watchDirectory, type WatchFactory } from './directory-watcher.js';
import { HEAD_BYTES, ProcessedFiles, type FileIdentity } from './file-identity.js';
import { defaultOpenFile, takeFile, type OpenFile } from './file-reader.js';
import type { Backpressure, RateLimiter } from './flow.js';
import { ReadyQueue } from './ready-queue.js';
import { DEFAULT_SETTLE_MS, SettleTracker, type SettleReason } from './settle.js';
import type { Source, SourceSink } from './source.js';
import type { Replayable } from './replayable.js';
import { checkDirectoryOffsets, readBatchFiles, readWhole, type DirectoryOffsets } from './directory-replay.js';

/** Options of a `DirectorySource`. Durations in ms. */
export interface DirectorySourceOptions {
  /** Directories to watch (resolved against the working directory). */
  dirs: string[];
  issues: IssueLog;
  /** Glob of file names to take (`--pattern`; default every file). */
  pattern?: string;
  /** Also subdirectories (`--recursive`). */
  recursive?: boolean;
  /** `--settle`, default 1 s; 0 takes files as soon as they are seen. */
  settleMs?: Millis;
  /** Skip the files present at start (`--new-files-only`). */
  newFilesOnly?: boolean;
  /** Most files started per batch (`--max-files-per-batch`; default unlimited). */
  maxFilesPerBatch?: number;
  /** `--after-read` (default keep). */
  afterRead?: AfterRead;
  /** Read the files present now, then end (`--once`). */
  once?: boolean;
  /** Clock of the settle rule and its timers (default the system clock). */
  clock?: Clock;
  /** Warnings and notices, without the `dstream: ` prefix. */
  log?: (message: string) => void;
  maxLineBytes?: number;
  rate?: RateLimiter;
  backpressure?: Backpressure;
  /** Poll instead of OS notifications (also the automatic fallback). */
  polling?: boolean;
  /** Polling interval (default 1 s). */
  pollIntervalMs?: Millis;
  /** Test hooks: open files, create watchers. */
  openFile?: OpenFile;
  watchFactory?: WatchFactory;
  /** Observes the life of files (tests wait on these instead of sleeping). */
  onEvent?: (event: DirectoryEvent) => void;
}

/** What happened to a file; for tests and diagnostics. */
export type DirectoryEvent =
  | { type: 'seen'; path: string; size: number }
  | { type: 'settled'; path: string; reason: SettleReason }
  | { type: 'reading'; path: string }
  | { type: 'read'; path: string; lines: number }
  | { type: 'skipped'; path: string; reason: 'already-read' | 'modified' | 'present-at-start' | 'unsettled' }
  | { type: 'failed'; path: string; message: string }
  | { type: 'cleaned'; path: string; to: string | null }
  | { type: 'ready' };

interface Root {
  dir: string;
  filter: FileFilter;
}

/** The watched-directories source (see module doc). */
export class DirectorySource implements Source, Replayable {
  readonly name: string;
  /** Files read (or skipped) so far, by identity; `snapshot()`/`restore()` persist it. */
  readonly processed = new ProcessedFiles();
  private readonly roots: Root[];
  private readonly clock: Clock;
  private readonly tracker: SettleTracker;
  private readonly waiting = new Map<string, { root: Root; checkAtMs: Millis; looks: number }>();
  private readonly ready = new ReadyQueue<Root>();
  private readonly inflight = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly rootsReady = new Set<Root>();
  private readonly warnedModified = new Set<string>();
  private readonly reportedLinks = new Set<string>();
  private finished: { root: Root; path: string }[] = [];
  private reading: { path: string; stop(): void } | null = null;
  private sink: SourceSink | null = null;
  private closers: (() => Promise<void>)[] = [];
  private cancelTimer: () => void = () => {};
  private timerAtMs = Infinity;
  private startedThisBatch = 0;
  /** Checkpoint mode: files are taken by `planBatch` and read by `replayBatch` (directory-replay.ts). */
  private replayMode = false;
  /** The offsets `planBatch` returned last (a `replayBatch` of other offsets replays the log after a restart). */
  private planned: DirectoryOffsets | null = null;
  /** Files read in batches not yet covered by a durable snapshot (checkpoint mode). */
  private pendingCleanup: { root: Root; path: string }[] = [];
  private initialDone = false;
  private stopped = false;
  private ended = false;

  /** @throws ConfigError for an invalid `pattern`. */
  constructor(private readonly options: DirectorySourceOptions) {
    this.name = `--watch ${options.dirs.join(', ')}`;
    this.clock = options.clock ?? new SystemClock();
    this.tracker = new SettleTracker(options.settleMs ?? DEFAULT_SETTLE_MS, this.clock);
    this.roots = options.dirs.map((d) => {
      const dir = resolve(d);
      try {
        return { dir, filter: new FileFilter(dir, { pattern: options.pattern, recursive: options.recursive }) };
      } catch (e) {
        throw new ConfigError(`--pattern: '${options.pattern}' is not a valid glob: ${(e as Error).message}`);
      }
    });
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
    if (this.options.once) {
      void this.scanOnce();
      return;
    }
    for (const root of this.roots) {
      this.closers.push(
        watchDirectory(root.filter, {
          file: (p) => this.look(p, root),
          gone: (p) => this.gone(p),
          ready: () => this.rootReady(root),
          warn: (m) => this.log(m),
        }, { factory: this.options.watchFactory, polling: this.options.polling, pollIntervalMs: this.options.pollIntervalMs }),
      );
    }
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.cancelTimer();
    for (const close of this.closers) void close().catch(() => {});
    this.reading?.stop();
  }

  onBatch(): void {
    this.startedThisBatch = 0;
    this.pump();
  }

  /** Replayable: batches take the ready files at batch time (see directory-replay.ts). */
  beginReplayMode(): void {
    this.replayMode = true;
  }

  /** Replayable: the ready files (up to `--max-files-per-batch`) become this batch. */
  planBatch(): DirectoryOffsets {
    const files: FileIdentity[] = [];
    const cap = this.options.maxFilesPerBatch;
    while (this.initialDone && this.inflight.size === 0 && (cap === undefined || files.length < cap)) {
      const next = this.ready.pop();
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
    const read = readBatchFiles(o, { issues: this.options.issues, processed: this.processed, record: (l) => sink.record(l), maxLineBytes: this.options.maxLineBytes, recovering });
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

  private log(message: string): void {
    this.options.log?.(`${this.name}: ${message}`);
  }

  private async scanOnce(): Promise<void> {
    for (const root of this.roots) {
      const paths = await scanDirectory(root.filter, (p, err) => this.log(`cannot list ${p}: ${err.message}`));
      for (const p of paths) this.look(p, root);
    }
    this.initialDone = true;
    this.emit({ type: 'ready' });
    this.pump();
    this.maybeEnd();
  }

  private rootReady(root: Root): void {
    this.rootsReady.add(root);
    if (this.rootsReady.size === this.roots.length && !this.initialDone) {
      this.initialDone = true;
      this.emit({ type: 'ready' });
      this.pump();
    }
  }

  /** Something happened at `path`: stat it and judge it (one stat per path at a time). */
  private look(path: string, root: Root): void {
    if (this.stopped || this.reading?.path === path) return;
    if (this.inflight.has(path)) {
      this.dirty.add(path);
      return;
    }
    const initial = !this.options.once && !this.rootsReady.has(root);
    this.inflight.add(path);
    stat(path).then(
      (st) => this.judge(path, root, st, initial),
      (e: NodeJS.ErrnoException) => this.statFailed(path, e),
    ).finally(() => {
      this.inflight.delete(path);
      if (this.dirty.delete(path)) this.look(path, root);
      this.pump();
      this.maybeEnd();
    }).catch((e) => this.fail(e));
  }

  private judge(path: string, root: Root, st: import('node:fs').Stats, initial: boolean): void {
    if (this.stopped || !st.isFile()) return;
    if (this.options.newFilesOnly && initial) {
      this.processed.add({ path, size: st.size, mtimeMs: st.mtimeMs, dev: st.dev, ino: st.ino, headHash: '', headBytes: 0, outcome: 'present-at-start' });
      this.emit({ type: 'skipped', path, reason: 'present-at-start' });
      return;
    }
    // Same name, inode, size and mtime is no proof of the same file (a new file on a reused inode):
    // its first bytes decide, read in take() or planBatch() ("when in doubt, read").
    const known = this.processed.lookup(path, st, null);
    if (known.status === 'modified' && known.entry.outcome === 'present-at-start') {
      this.processed.add({ ...known.entry, size: st.size, mtimeMs: st.mtimeMs });
      return;
    }
    this.emit({ type: 'seen', path, size: st.size });
    const verdict = this.options.settleMs === 0 ? { settled: true as const, reason: 'quiet' as const } : this.tracker.observe(path, st);
    const prev = this.waiting.get(path);
    if (verdict.settled) {
      this.waiting.delete(path);
      this.emit({ type: 'settled', path, reason: verdict.reason });
      this.ready.add(path, st.mtimeMs, root);
      this.pump();
      return;
    }
    this.ready.delete(path);
    const looks = (prev?.looks ?? 0) + 1;
    if (this.options.once && looks > 1) {
      this.waiting.delete(path);
      this.tracker.forget(path);
      this.log(`${path} is still being written; left for the next run`);
      this.emit({ type: 'skipped', path, reason: 'unsettled' });
      return;
    }
    this.waiting.set(path, { root, checkAtMs: verdict.checkAtMs, looks });
    if (verdict.checkAtMs < this.timerAtMs) this.scheduleCheck(verdict.checkAtMs);
  }

  private scheduleCheck(atMs: Millis): void {
    this.cancelTimer();
    this.timerAtMs = atMs;
    this.cancelTimer = this.clock.schedule(atMs, () => {
      this.timerAtMs = Infinity;
      this.cancelTimer = () => {};
      const now = this.clock.now();
      let next = Infinity;
      for (const [path, w] of this.waiting) {
        if (w.checkAtMs <= now) {
          w.checkAtMs = Infinity;
          this.look(path, w.root);
        } else next = Math.min(next, w.checkAtMs);
      }
      if (next < this.timerAtMs) this.scheduleCheck(next);
    });
  }

  /** A path that cannot be stat'ed: gone, or a broken symbolic link (reported once). */
  private async statFailed(path: string, err: NodeJS.ErrnoException): Promise<void> {
    this.gone(path);
    const link = await lstat(path).then((l) => l.isSymbolicLink(), () => false);
    if (!link || this.reportedLinks.has(path)) return;
    this.reportedLinks.add(path);
    const message = `broken symbolic link (${err.code ?? err.message})`;
    this.options.issues.unreadableFile(path, message);
    this.emit({ type: 'failed', path, message });
  }

  private gone(path: string): void {
    this.tracker.forget(path);
    this.waiting.delete(path);
    this.ready.delete(path);
  }

  private fail(e: unknown): void {
    if (this.stopped) return;
    this.stop();
    this.sink?.fail(e);
  }

  private maybeEnd(): void {
    if (!this.options.once || this.ended || this.stopped || !this.initialDone) return;
    if (this.waiting.size > 0 || this.reading || this.inflight.size > 0) return;
    if (this.replayMode) {
      const cap = this.options.maxFilesPerBatch;
      if (cap !== undefined && this.ready.size > cap) {
        this.sink?.cut?.(); // a batch of `cap` files (planBatch); replayBatch calls back here
        return;
      }
      // The rest is taken by the final batch's planBatch.
    } else if (this.ready.size > 0) return;
    this.ended = true;
    this.stopped = true;
    this.sink?.end();
  }

  /**
   * Starts reading the next ready file, if allowed. Waits for the initial
   * files and for stats in flight, so that files ready together are read in
   * (mtime, path) order rather than in the order their stats completed.
   */
  private pump(): void {
    if (this.replayMode) return;
    if (this.stopped || this.reading || !this.sink || !this.initialDone || this.inflight.size > 0) return;
    const cap = this.options.maxFilesPerBatch;
    if (cap !== undefined && this.startedThisBatch >= cap) {
      // Bounded input: the batch is full; cutting it starts the next one (onBatch pumps again).
      if (this.options.once && this.ready.size > 0) this.sink.cut?.();
      return;
    }
    const next = this.ready.pop();
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
    const result = await takeFile(path, {
      processed: this.processed,
      issues: o.issues,
      openFile: o.openFile ?? defaultOpenFile,
      reader: { maxLineBytes: o.maxLineBytes, rate: o.rate, backpressure: o.backpressure },
      record: (line) => this.sink!.record(line),
      fail: (e) => this.fail(e),
      stopped: () => this.stopped,
      onStart: (stop) => {
        slot.stop = stop;
        this.emit({ type: 'reading', path });
      },
    });
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
