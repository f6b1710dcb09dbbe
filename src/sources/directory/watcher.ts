/**
 * Finding files in watched directories: which names count (`FileFilter`),
 * a one-shot scan (`scanDirectory`, for `--once`), and change notification
 * with chokidar (`watchDirectory`) that falls back to polling, with a
 * warning, when the OS limit on watches or open files is hit (ENOSPC from
 * inotify's `max_user_watches`, EMFILE).
 *
 * Watch events only say "look at this path"; whether a file is complete, new
 * or already read is decided by the directory source (settle rule, identity).
 */
import { statSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { watch as chokidarWatch } from 'chokidar';
import picomatch from 'picomatch';
import { ConfigError } from '../../core/errors.js';

/** Suffixes of files still being written by common tools, never taken. */
export const IGNORED_SUFFIXES = ['.tmp', '.part', '.swp'] as const;

/**
 * Which files under a watched directory are candidates: not hidden (no path
 * component starting with `.`), not ending in `.tmp`, `.part` or `.swp`, in
 * the directory itself (or below it with `recursive`), and matching `pattern`
 * — a picomatch glob against the path relative to the directory; a pattern
 * without `/` matches the file name (`*.log`). Default: every file.
 */
export class FileFilter {
  private readonly match: ((rel: string) => boolean) | null;

  /**
   * @param root the watched directory (absolute).
   * @param options glob and recursion.
   * @throws Error from picomatch for an invalid glob.
   */
  constructor(readonly root: string, readonly options: { pattern?: string; recursive?: boolean } = {}) {
    const p = options.pattern;
    this.match = p ? picomatch(p, { basename: !p.includes('/'), dot: false }) : null;
  }

  /** True when `name` (one path component) is hidden or a known temporary file. */
  static ignoredName(name: string): boolean {
    if (name.startsWith('.')) return true;
    const lower = name.toLowerCase();
    return IGNORED_SUFFIXES.some((s) => lower.endsWith(s));
  }

  private relParts(path: string): string[] | null {
    const rel = relative(this.root, path);
    if (rel === '' || rel.startsWith('..')) return null;
    return rel.split(sep);
  }

  /** True when the file at absolute `path` is a candidate. */
  acceptsFile(path: string): boolean {
    const parts = this.relParts(path);
    if (!parts) return false;
    if (parts.length > 1 && !this.options.recursive) return false;
    if (parts.some((p) => p.startsWith('.'))) return false;
    if (FileFilter.ignoredName(parts[parts.length - 1]!)) return false;
    return this.match ? this.match(parts.join('/')) : true;
  }

  /** True when the directory at absolute `path` may hold candidates (the root, or a non-hidden subdirectory with `recursive`). */
  entersDirectory(path: string): boolean {
    const parts = this.relParts(path);
    if (!parts) return path === this.root;
    return Boolean(this.options.recursive) && !parts.some((p) => p.startsWith('.'));
  }
}

/**
 * Checks that `dir` is an existing directory, before anything is read.
 * @throws ConfigError naming the directory and the problem.
 */
export function checkDirectory(dir: string): void {
  let st;
  try {
    st = statSync(dir);
  } catch (e) {
    throw new ConfigError(`--watch: cannot use '${dir}': ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory' : (e as Error).message}`);
  }
  if (!st.isDirectory()) throw new ConfigError(`--watch: '${dir}' is not a directory`);
}

/**
 * Every candidate file under `filter.root` now (symlinks followed to files).
 * Unreadable subdirectories are passed to `onError` and skipped.
 */
export async function scanDirectory(filter: FileFilter, onError: (path: string, err: Error) => void): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      onError(dir, e as Error);
      return;
    }
    for (const d of entries) {
      const path = join(dir, d.name);
      let isDir = d.isDirectory();
      let isFile = d.isFile();
      if (d.isSymbolicLink()) {
        try {
          const s = await stat(path);
          isDir = s.isDirectory();
          isFile = s.isFile();
        } catch {
          isFile = filter.acceptsFile(path); // a broken link: reported when it cannot be opened
        }
      }
      if (isDir) {
        if (filter.entersDirectory(path)) await walk(path);
      } else if (isFile && filter.acceptsFile(path)) {
        out.push(path);
      }
    }
  };
  await walk(filter.root);
  return out;
}

/** What a directory watcher reports. Paths are absolute. */
export interface WatchHandlers {
  /** A candidate file appeared or changed: look at it. */
  file(path: string): void;
  /** A file disappeared. */
  gone(path: string): void;
  /** The initial scan is complete: every file present at start was reported. */
  ready(): void;
  /** A warning for stderr (fallback to polling, an unreadable subdirectory). */
  warn(message: string): void;
}

/** The part of a chokidar `FSWatcher` used here (tests inject fakes). */
export interface WatcherLike {
  on(event: 'add' | 'change' | 'unlink', fn: (path: string) => void): unknown;
  on(event: 'ready', fn: () => void): unknown;
  on(event: 'error', fn: (err: unknown) => void): unknown;
  close(): Promise<void>;
}

/** Options passed to a `WatchFactory`. */
export interface WatchFactoryOptions {
  /** Direct children only (depth 0) unless true. */
  recursive: boolean;
  /** Poll with stat instead of OS notifications. */
  polling: boolean;
  /** Polling interval (ms). */
  pollIntervalMs: number;
  /** Paths not to watch at all. */
  ignored: (path: string, stats?: { isFile(): boolean; isDirectory(): boolean }) => boolean;
}

/** Creates a watcher on `root`; default: chokidar. */
export type WatchFactory = (root: string, options: WatchFactoryOptions) => WatcherLike;

/** The default `WatchFactory`: chokidar 5, reporting files present at start. */
export const chokidarFactory: WatchFactory = (root, o) =>
  chokidarWatch(root, {
    ignoreInitial: false,
    depth: o.recursive ? undefined : 0,
    usePolling: o.polling,
    interval: o.pollIntervalMs,
    binaryInterval: o.pollIntervalMs,
    ignored: o.ignored,
    atomic: false,
    persistent: true,
    ignorePermissionErrors: false,
  }) as unknown as WatcherLike;

/** Error codes meaning "the OS will not give more watches": fall back to polling. */
const LIMIT_CODES = new Set(['ENOSPC', 'EMFILE', 'ENFILE']);

/**
 * Watches `filter.root` (see module doc). Returns a function that closes the
 * watcher. On ENOSPC/EMFILE/ENFILE the watcher is replaced by a polling one
 * (every `pollIntervalMs`, default 1 s) and a warning is given; files are
 * reported again, which the caller must tolerate.
 */
export function watchDirectory(
  filter: FileFilter,
  handlers: WatchHandlers,
  options: { factory?: WatchFactory; pollIntervalMs?: number; polling?: boolean } = {},
): () => Promise<void> {
  const factory = options.factory ?? chokidarFactory;
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  let current: WatcherLike | null = null;
  let closed = false;
  let readySent = false;
  /** Files reported by the initial scan (until ready). */
  const seen = new Set<string>();
  const ignored: WatchFactoryOptions['ignored'] = (path, stats) => {
    if (path === filter.root) return false;
    if (stats?.isDirectory()) return !filter.entersDirectory(path);
    if (stats?.isFile()) return !filter.acceptsFile(path);
    return FileFilter.ignoredName(basename(path));
  };
  const open = (polling: boolean): void => {
    const w = factory(filter.root, { recursive: Boolean(filter.options.recursive), polling, pollIntervalMs, ignored });
    current = w;
    const live = () => !closed && current === w;
    w.on('add', (p) => {
      if (!readySent) seen.add(p);
      if (live() && filter.acceptsFile(p)) handlers.file(p);
    });
    w.on('change', (p) => live() && filter.acceptsFile(p) && handlers.file(p));
    w.on('unlink', (p) => live() && handlers.gone(p));
    w.on('ready', () => {
      if (!live() || readySent) return;
      readySent = true;
      // A file created between the initial scan's readdir and the start of the OS watch is in neither:
      // one more scan once watching closes that window (repeats are tolerated by the caller).
      void scanDirectory(filter, () => undefined).then((paths) => {
        if (!live()) return;
        for (const p of paths) if (!seen.has(p)) handlers.file(p);
        seen.clear();
        handlers.ready();
      }, () => live() && handlers.ready());
    });
    w.on('error', (err) => {
      if (!live()) return;
      const code = (err as NodeJS.ErrnoException)?.code;
      if (!polling && code && LIMIT_CODES.has(code)) {
        handlers.warn(`${filter.root}: the OS limit on file watches or open files is reached (${code}); falling back to polling every ${pollIntervalMs} ms`);
        void w.close();
        open(true);
        return;
      }
      handlers.warn(`${filter.root}: ${err instanceof Error ? err.message : String(err)}`);
    });
  };
  open(Boolean(options.polling));
  return async () => {
    closed = true;
    await current?.close();
  };
}
