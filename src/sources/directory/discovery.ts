/**
 * Steps 1–3 of a watched file's life (see source.ts): found by the watcher,
 * or by one scan with `once`; stat'ed (one stat per path at a time); judged
 * complete by the settle rule (`settle.ts`), or looked at again later on the
 * injected clock; then queued by (mtime, path) in `ready`. Reading is the
 * directory source's part.
 *
 * With `once`, a file gets one settle period: still changing at the second
 * look, it is left for the next run and reported. Files present at start are
 * remembered as `present-at-start` with `newFilesOnly`, never read.
 */
import { lstat, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { resolve } from 'node:path';
import { SystemClock, type Clock } from '../../core/clock.js';
import { ConfigError } from '../../core/errors.js';
import type { Millis } from '../../core/types.js';
import type { ProcessedFiles } from './file-identity.js';
import type { DirectoryEvent, DirectorySourceOptions } from './options.js';
import { ReadyQueue } from './ready-queue.js';
import { DEFAULT_SETTLE_MS, SettleTracker } from './settle.js';
import { FileFilter, scanDirectory, watchDirectory } from './watcher.js';

/** A watched directory and the filter of its names. */
export interface Root {
  dir: string;
  filter: FileFilter;
}

/** What discovery tells the source. */
export interface DiscoveryHandlers {
  /** Something changed (a file queued, a stat done, the initial files known): read or end if possible. */
  changed(): void;
  /** The path being read now, if any (not looked at meanwhile). */
  reading(): string | undefined;
  emit(event: DirectoryEvent): void;
  log(message: string): void;
  fail(e: unknown): void;
}

/** Finds, settles and queues the files of the watched directories (see module doc). */
export class FileDiscovery {
  readonly roots: Root[];
  /** Settled files, by (mtime, path). */
  readonly ready = new ReadyQueue<Root>();
  private readonly clock: Clock;
  private readonly tracker: SettleTracker;
  private readonly waiting = new Map<string, { root: Root; checkAtMs: Millis; looks: number }>();
  private readonly inflight = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly rootsReady = new Set<Root>();
  private readonly reportedLinks = new Set<string>();
  private closers: (() => Promise<void>)[] = [];
  private cancelTimer: () => void = () => {};
  private timerAtMs = Infinity;
  private initialDoneValue = false;
  private stopped = false;

  /** @throws ConfigError for an invalid `pattern`. */
  constructor(private readonly options: DirectorySourceOptions, private readonly processed: ProcessedFiles, private readonly on: DiscoveryHandlers) {
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

  /** Every file present at start has been found (and stat'ed or queued for a stat). */
  get initialDone(): boolean {
    return this.initialDoneValue;
  }

  /** Stats in flight (files ready together are read in order only once these are done). */
  get busy(): boolean {
    return this.inflight.size > 0;
  }

  /** Files seen but not yet settled. */
  get unsettled(): number {
    return this.waiting.size;
  }

  /** Starts watching (or, with `once`, scans once). */
  start(): void {
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
          warn: (m) => this.on.log(m),
        }, { factory: this.options.watchFactory, polling: this.options.polling, pollIntervalMs: this.options.pollIntervalMs }),
      );
    }
  }

  stop(): void {
    this.stopped = true;
    this.cancelTimer();
    for (const close of this.closers) void close().catch(() => {});
  }

  private async scanOnce(): Promise<void> {
    for (const root of this.roots) {
      const paths = await scanDirectory(root.filter, (p, err) => this.on.log(`cannot list ${p}: ${err.message}`));
      for (const p of paths) this.look(p, root);
    }
    this.initialDoneValue = true;
    this.on.emit({ type: 'ready' });
    this.on.changed();
  }

  private rootReady(root: Root): void {
    this.rootsReady.add(root);
    if (this.rootsReady.size === this.roots.length && !this.initialDoneValue) {
      this.initialDoneValue = true;
      this.on.emit({ type: 'ready' });
      this.on.changed();
    }
  }

  /** Something happened at `path`: stat it and judge it (one stat per path at a time). */
  private look(path: string, root: Root): void {
    if (this.stopped || this.on.reading() === path) return;
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
      this.on.changed();
    }).catch((e) => this.on.fail(e));
  }

  private judge(path: string, root: Root, st: Stats, initial: boolean): void {
    if (this.stopped || !st.isFile()) return;
    if (this.options.newFilesOnly && initial) {
      this.processed.add({ path, size: st.size, mtimeMs: st.mtimeMs, dev: st.dev, ino: st.ino, headHash: '', headBytes: 0, outcome: 'present-at-start' });
      this.on.emit({ type: 'skipped', path, reason: 'present-at-start' });
      return;
    }
    // Same name, inode, size and mtime is no proof of the same file (a new file on a reused inode):
    // its first bytes decide, read when it is taken ("when in doubt, read").
    const known = this.processed.lookup(path, st, null);
    if (known.status === 'modified' && known.entry.outcome === 'present-at-start') {
      this.processed.add({ ...known.entry, size: st.size, mtimeMs: st.mtimeMs });
      return;
    }
    this.on.emit({ type: 'seen', path, size: st.size });
    const verdict = this.options.settleMs === 0 ? { settled: true as const, reason: 'quiet' as const } : this.tracker.observe(path, st);
    const prev = this.waiting.get(path);
    if (verdict.settled) {
      this.waiting.delete(path);
      this.on.emit({ type: 'settled', path, reason: verdict.reason });
      this.ready.add(path, st.mtimeMs, root);
      this.on.changed();
      return;
    }
    this.ready.delete(path);
    const looks = (prev?.looks ?? 0) + 1;
    if (this.options.once && looks > 1) {
      this.waiting.delete(path);
      this.tracker.forget(path);
      this.on.log(`${path} is still being written; left for the next run`);
      this.on.emit({ type: 'skipped', path, reason: 'unsettled' });
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
    this.on.emit({ type: 'failed', path, message });
  }

  private gone(path: string): void {
    this.tracker.forget(path);
    this.waiting.delete(path);
    this.ready.delete(path);
  }
}
