/**
 * The CLI's few words with the process: one line on stderr (with the
 * journal's priority prefix under systemd), the one renderer of errors, the
 * exit once stdout has drained, whether stdin is a regular file, and the
 * handlers of the stop signals.
 */
import { fstatSync, readFileSync, readSync } from 'node:fs';
import { DStreamError, ExitCode } from '../core/errors.js';
import { StopSignals } from '../core/stop-signals.js';
import { startsWithGzipMagic } from '../sources/gzip-start.js';
import { isJournalStream, formatLogLine, type LogLevel } from '../observe/journal.js';

const journal = isJournalStream(process.env.JOURNAL_STREAM);

/** One line on stderr; under systemd's journal with its priority prefix. */
export function errLine(line: string, level: LogLevel = 'warning'): void {
  process.stderr.write(formatLogLine(level, line, journal) + '\n');
}

/** stdin read in 1 MiB blocks when it is a regular file (fd-line-source.ts), else as a stream. */
export function stdinIsFile(): boolean {
  try {
    return fstatSync(0).isFile();
  } catch {
    return false;
  }
}

/**
 * stdin is a regular file that starts with the gzip magic bytes (read with pread at offset 0,
 * so stdin's own offset does not move). False for a pipe, a terminal, or an unreadable file.
 */
export function stdinFileIsGzip(): boolean {
  if (!stdinIsFile()) return false;
  const head = Buffer.alloc(2);
  try {
    return startsWithGzipMagic(head.subarray(0, readSync(0, head, 0, 2, 0)));
  } catch {
    return false;
  }
}

/**
 * Where stdin's file offset stands (bytes from the file's start), from /proc/self/fdinfo/0's `pos:`.
 * It is not 0 when something read part of the file before dstream (`{ read -r header; dstream …; } <
 * file`, `dd`): a thread reading stdin from there sees only the rest, and threads given parts of the
 * file must start there too. undefined where it cannot be read (no /proc).
 */
export function stdinOffset(): number | undefined {
  try {
    const pos = /^pos:\s*(\d+)$/m.exec(readFileSync('/proc/self/fdinfo/0', 'latin1'))?.[1];
    return pos === undefined ? undefined : Number(pos);
  } catch {
    return undefined;
  }
}

/** Prints an error (its stack with `verbose`) and returns its exit code: a `DStreamError`'s, else 1 (internal error). */
export function renderError(e: unknown, verbose: boolean): number {
  if (e instanceof DStreamError) {
    errLine(`dstream: ${e.message}`, 'error');
    if (verbose && e.cause instanceof Error && e.cause.stack) errLine(e.cause.stack, 'error');
    return e.exitCode;
  }
  errLine(`dstream: internal error: ${e instanceof Error ? e.message : String(e)}`, 'error');
  if (verbose && e instanceof Error && e.stack) errLine(e.stack, 'error');
  return ExitCode.RUNTIME;
}

/** Exits once stdout has taken everything written. */
export function exitAfterFlush(code: number): void {
  process.exitCode = code;
  if (process.stdout.writableLength === 0) process.exit(code);
  process.stdout.write('', () => process.exit(code));
}

/**
 * Handles SIGINT and SIGTERM as core/stop-signals.ts says: `stop` on the first; a repeated SIGTERM
 * is noted with `say`; a SIGINT after the first signal calls `abort` (default: says
 * `dstream: SIGINT again: aborting`), then exits 130.
 * @returns the counter, whose `received` tells the caller whether it was stopped.
 */
export function onStopSignals(
  stop: (sig: NodeJS.Signals) => void,
  say: (line: string) => void,
  abort: (sig: NodeJS.Signals) => void = (sig) => say(`dstream: ${sig} again: aborting`),
): StopSignals {
  const signals = new StopSignals();
  const on = (sig: NodeJS.Signals): void => {
    const action = signals.next(sig);
    if (action === 'stop') {
      stop(sig);
    } else if (action === 'repeat') {
      say(`dstream: ${StopSignals.repeatLine(sig)}`);
    } else {
      abort(sig);
      process.exit(ExitCode.INTERRUPTED);
    }
  };
  process.on('SIGINT', on);
  process.on('SIGTERM', on);
  return signals;
}
