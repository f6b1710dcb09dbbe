/**
 * Log lines for the journal: when stderr is connected to journald
 * (sd-daemon(3), systemd.exec(5) "JOURNAL_STREAM"), `JOURNAL_STREAM` is
 * `DEVICE:INODE` (decimal) of that stream, and a line that starts with `<N>`
 * is logged at syslog priority N.
 */
import { fstatSync } from 'node:fs';

/** Severity of a log line. */
export type LogLevel = 'error' | 'warning' | 'info';

/** sd-daemon(3) priorities: `SD_ERR` 3, `SD_WARNING` 4, `SD_INFO` 6 (syslog(3) levels). */
export const JOURNAL_PRIORITY: Readonly<Record<LogLevel, number>> = { error: 3, warning: 4, info: 6 };

/** The sd-daemon(3) prefix for `level`: `<3>` error, `<4>` warning, `<6>` info. */
export function journalPrefix(level: LogLevel): string {
  return `<${JOURNAL_PRIORITY[level]}>`;
}

/**
 * One log line (or several, separated by `\n`) for stderr. With `journal`
 * every line gets the priority prefix of `level`, since journald reads each
 * line as its own entry; without it the text is returned unchanged.
 * No trailing newline is added.
 *
 * @example formatLogLine('warning', 'dstream: falling behind', true) === '<4>dstream: falling behind'
 */
export function formatLogLine(level: LogLevel, text: string, journal: boolean): string {
  if (!journal) return text;
  const prefix = journalPrefix(level);
  return prefix + text.split('\n').join('\n' + prefix);
}

/**
 * Whether the file descriptor `fd` (stderr by default) is the journal stream
 * described by `journalStream` (the value of `JOURNAL_STREAM`, `DEVICE:INODE`
 * in decimal). False when unset, malformed, or `fd` is something else (for
 * example when stderr was redirected by a wrapper script).
 */
export function isJournalStream(journalStream: string | undefined, fd = 2): boolean {
  const m = /^(\d+):(\d+)$/.exec(journalStream ?? '');
  if (!m) return false;
  try {
    const st = fstatSync(fd, { bigint: true });
    return st.dev === BigInt(m[1]!) && st.ino === BigInt(m[2]!);
  } catch {
    return false;
  }
}
