/**
 * Service-manager integration: the sd_notify(3) readiness protocol, the
 * service watchdog, and sd-daemon(3) priority prefixes for log lines written
 * to the journal.
 *
 * Protocol (sd_notify(3), "NOTIFY_SOCKET"): the service manager passes the
 * address of a unix datagram socket in `NOTIFY_SOCKET`; a notification is one
 * datagram of newline-separated `VARIABLE=VALUE` assignments, e.g. `READY=1`,
 * `STATUS=recovering checkpoint`, `WATCHDOG=1`, `STOPPING=1`. An address that
 * starts with `/` is a file-system socket; one that starts with `@` is in the
 * Linux abstract namespace (the `@` stands for a leading NUL byte).
 *
 * Watchdog (sd_watchdog_enabled(3)): `WATCHDOG_USEC` is the watchdog timeout
 * in MICROseconds; `WATCHDOG=1` must be sent more often than that (systemd
 * recommends every half of it). When `WATCHDOG_PID` is set and is not our pid,
 * the watchdog is meant for another process and is left alone.
 *
 * Transports (how a notification reaches the manager): notify-transport.ts.
 * Journal priority prefixes for log lines: journal.ts.
 */
import { formatLogLine, isJournalStream, type LogLevel } from './journal.js';
import { chooseTransport, type NotifyTransport, type SystemdEnv } from './notify-transport.js';

export { JOURNAL_PRIORITY, formatLogLine, isJournalStream, journalPrefix, type LogLevel } from './journal.js';
export { findOnPath, systemdNotifyTransport, unixDgramTransport, type NotifyTransport, type SystemdEnv } from './notify-transport.js';

/**
 * The watchdog ping interval in milliseconds: half of `WATCHDOG_USEC`
 * (microseconds), as sd_watchdog_enabled(3) recommends; `undefined` when
 * there is no watchdog, `WATCHDOG_USEC` is not a positive integer, or
 * `WATCHDOG_PID` names another process.
 *
 * @example watchdogIntervalMs({ WATCHDOG_USEC: '30000000' }, 1) === 15000
 */
export function watchdogIntervalMs(env: SystemdEnv, pid: number): number | undefined {
  const usecText = env['WATCHDOG_USEC'];
  if (!usecText || !/^\d+$/.test(usecText)) return undefined;
  const usec = Number(usecText);
  if (!(usec > 0)) return undefined;
  const pidText = env['WATCHDOG_PID'];
  if (pidText !== undefined && pidText !== '' && Number(pidText) !== pid) return undefined;
  return Math.max(1, Math.floor(usec / 2 / 1000));
}

/** Options of {@link SystemdNotifier}; all for tests except `onError`. */
export interface SystemdNotifierOptions {
  /** Our pid, compared with `WATCHDOG_PID`; default `process.pid`. */
  pid?: number;
  /** The descriptor compared with `JOURNAL_STREAM`; default 2 (stderr). */
  stderrFd?: number;
  /** Called once per distinct failure to notify (a warning for stderr); default: ignored. */
  onError?: (err: Error) => void;
  /** Replaces the transport chosen from `NOTIFY_SOCKET`. */
  transport?: NotifyTransport;
}

/** One `VALUE` of a notification: newlines would start a new assignment, so they become spaces. */
function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ');
}

/**
 * Tells the service manager about dstream's life cycle (sd_notify(3)).
 * Without `NOTIFY_SOCKET` every method is a no-op, so the CLI calls them
 * unconditionally:
 *
 * ```ts
 * const sd = new SystemdNotifier(process.env, { onError: (e) => warn(e.message) });
 * // … sources bound, checkpoint recovered:
 * sd.ready();            // READY=1, starts the watchdog
 * // on SIGTERM:
 * sd.stopping();         // STOPPING=1
 * // at exit:
 * sd.close();            // stops the watchdog
 * ```
 */
export class SystemdNotifier {
  /** The notification socket address (`NOTIFY_SOCKET`), or `undefined`: then nothing is sent. */
  readonly socket: string | undefined;
  /** How notifications are sent, or `undefined` when they are not (no socket, or no usable transport). */
  readonly transport: NotifyTransport | undefined;
  /** Milliseconds between `WATCHDOG=1` pings (half of `WATCHDOG_USEC`), or `undefined` for no watchdog. */
  readonly watchdogIntervalMs: number | undefined;
  /** Whether stderr is the journal (`JOURNAL_STREAM`): log lines then get priority prefixes. */
  readonly journal: boolean;

  private timer: NodeJS.Timeout | undefined;
  private readonly onError: (err: Error) => void;
  private readonly reported = new Set<string>();

  /** @param env the environment, usually `process.env`; only the variables above are read. */
  constructor(env: SystemdEnv, options: SystemdNotifierOptions = {}) {
    const report = options.onError ?? (() => {});
    this.onError = (err) => {
      if (this.reported.has(err.message)) return; // the watchdog would repeat the same failure every ping
      this.reported.add(err.message);
      report(err);
    };
    this.journal = isJournalStream(env['JOURNAL_STREAM'], options.stderrFd ?? 2);
    const socket = env['NOTIFY_SOCKET'];
    this.socket = socket ? socket : undefined;
    this.watchdogIntervalMs = this.socket ? watchdogIntervalMs(env, options.pid ?? process.pid) : undefined;
    this.transport = this.socket ? (options.transport ?? chooseTransport(this.socket, env, this.onError)) : undefined;
  }

  /** Whether notifications are sent. */
  get enabled(): boolean {
    return this.transport !== undefined;
  }

  /**
   * `READY=1` (with `STATUS=` when `status` is given): start-up is finished,
   * i.e. sources are bound and the checkpoint is recovered. Starts the
   * watchdog when `WATCHDOG_USEC` asks for one; calling it again only resends.
   */
  ready(status?: string): void {
    this.send(status === undefined ? 'READY=1' : `READY=1\nSTATUS=${oneLine(status)}`);
    if (this.watchdogIntervalMs !== undefined && this.timer === undefined && this.enabled) {
      this.timer = setInterval(() => this.watchdog(), this.watchdogIntervalMs);
      this.timer.unref(); // the watchdog never keeps dstream alive
    }
  }

  /** `STATUS=text`: a one-line status shown by `systemctl status` (newlines become spaces). */
  status(text: string): void {
    this.send(`STATUS=${oneLine(text)}`);
  }

  /** `STOPPING=1`: a graceful stop began (first SIGTERM). The watchdog keeps running until {@link close}. */
  stopping(): void {
    this.send('STOPPING=1');
  }

  /** One `WATCHDOG=1` ping; the timer started by {@link ready} calls it every {@link watchdogIntervalMs} ms. */
  watchdog(): void {
    this.send('WATCHDOG=1');
  }

  /**
   * `EXTEND_TIMEOUT_USEC=…`: asks for `ms` milliseconds more before the
   * start (or stop) timeout, e.g. while a long checkpoint recovery runs.
   * Sent in microseconds, as sd_notify(3) requires.
   */
  extendTimeout(ms: number): void {
    this.send(`EXTEND_TIMEOUT_USEC=${Math.max(0, Math.round(ms * 1000))}`);
  }

  /** The log line for stderr: {@link formatLogLine} with this process's {@link journal}. */
  format(level: LogLevel, text: string): string {
    return formatLogLine(level, text, this.journal);
  }

  /** Stops the watchdog. Idempotent; sends nothing. */
  close(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private send(message: string): void {
    this.transport?.send(message, this.onError);
  }
}

