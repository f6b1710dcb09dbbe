/**
 * The contract of the watched-directories source on one screen: its options,
 * grouped by what they decide, and the events it reports. Durations in ms.
 */
import type { Clock } from '../../core/clock.js';
import type { IssueLog } from '../../core/issues.js';
import type { Millis } from '../../core/types.js';
import type { Backpressure, RateLimiter } from '../flow.js';
import type { AfterRead } from './after-read.js';
import type { OpenFile } from './file-reader.js';
import type { SettleReason } from './settle.js';
import type { WatchFactory } from './watcher.js';

/** Which files are taken (`--watch`, `--pattern`, `--recursive`, `--new-files-only`). */
export interface FileSelection {
  /** Directories to watch (resolved against the working directory). */
  dirs: string[];
  /** Glob of file names to take (default every file). @throws ConfigError from the constructor when invalid. */
  pattern?: string;
  /** Also subdirectories. */
  recursive?: boolean;
  /** Skip the files present at start. */
  newFilesOnly?: boolean;
}

/** When a file is taken, into which batch, and what happens to it after (`--settle`, `--once` …). */
export interface FileBatching {
  /** Unchanged this long counts as complete (`--settle`, default 1 s); 0 takes files as soon as they are seen. */
  settleMs?: Millis;
  /** Read the files present now, then end (`--once`): bounded input. */
  once?: boolean;
  /** Most files started per batch (`--max-files-per-batch`; default unlimited). */
  maxFilesPerBatch?: number;
  /** `--after-read` once the batch holding a file's last line is output (default keep). */
  afterRead?: AfterRead;
}

/** How a file's lines are read (shared with the other line sources). */
export interface LineReading {
  maxLineBytes?: number;
  /** Called before the first line of each file is handed on (a csv parser reads each file's own header). */
  onFileStart?: (path: string) => void;
  /** Called after the last line of each file was handed on (a csv parser reports a record the file left open, naming it). */
  onFileEnd?: (path: string) => void;
  rate?: RateLimiter;
  backpressure?: Backpressure;
}

/** How directories are watched. */
export interface Watching {
  /** Poll instead of OS notifications (also the automatic fallback at the OS watch limit). */
  polling?: boolean;
  /** Polling interval (default 1 s). */
  pollIntervalMs?: Millis;
}

/** Where the source reports, and its clock. */
export interface SourceEnvironment {
  issues: IssueLog;
  /** Clock of the settle rule and its timers (default the system clock). */
  clock?: Clock;
  /** Warnings and notices, without the `dstream: ` prefix. */
  log?: (message: string) => void;
}

/** Test hooks: open files, create watchers, observe the life of files (tests wait on events, never sleep). */
export interface DirectoryTestHooks {
  openFile?: OpenFile;
  watchFactory?: WatchFactory;
  onEvent?: (event: DirectoryEvent) => void;
}

/** Options of a `DirectorySource`: one flat object, typed by group. */
export interface DirectorySourceOptions extends FileSelection, FileBatching, LineReading, Watching, SourceEnvironment, DirectoryTestHooks {}

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
