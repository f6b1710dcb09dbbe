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
 * Journal (sd-daemon(3), systemd.exec(5) "JOURNAL_STREAM"): when stderr is
 * connected to journald, `JOURNAL_STREAM` is `DEVICE:INODE` (decimal) of that
 * stream, and a line that starts with `<N>` is logged at syslog priority N.
 *
 * Transports. Node cannot send datagrams to a unix socket, so file-system
 * addresses go through the `unix-dgram` native addon (a new socket per
 * notification, as libsystemd does, so that no open handle keeps the process
 * alive). `unix-dgram` cannot address abstract sockets (it copies the address
 * with `strncpy`, which stops at the leading NUL, and always passes the full
 * `sizeof(struct sockaddr_un)` as the address length), so `@` addresses, and
 * any address when the addon cannot be loaded, are handled by running
 * `systemd-notify VARIABLE=VALUE…` when it is on the PATH. Such messages come
 * from a child process: unless dstream runs as root, the unit then needs
 * `NotifyAccess=all` instead of `main`.
 */
import { accessSync, constants as fsConstants, fstatSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants as osConstants } from 'node:os';
import { delimiter, join } from 'node:path';

/** The environment variables read here; `process.env` fits. */
export type SystemdEnv = Readonly<Record<string, string | undefined>>;

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

/** Sends one notification datagram (newline-separated assignments). */
export interface NotifyTransport {
  /** How the message is sent, for messages and tests: `unix-dgram` or `systemd-notify`. */
  readonly kind: 'unix-dgram' | 'systemd-notify';
  /** Sends `message`; failures go to `onError`, nothing is thrown. */
  send(message: string, onError: (err: Error) => void): void;
}

/** The part of the `unix-dgram` module used here (it ships no types). */
interface UnixDgramModule {
  createSocket(type: 'unix_dgram'): UnixDgramSocket;
}
interface UnixDgramSocket {
  on(event: 'error', listener: (err: Error) => void): void;
  send(buf: Buffer, offset: number, length: number, path: string, callback: (err?: Error) => void): void;
  close(): void;
}

let unixDgram: UnixDgramModule | null | undefined;
/** The `unix-dgram` addon, or `null` when it cannot be loaded (not built, other platform). */
function loadUnixDgram(): UnixDgramModule | null {
  if (unixDgram === undefined) {
    try {
      unixDgram = createRequire(import.meta.url)('unix-dgram') as UnixDgramModule;
    } catch {
      unixDgram = null;
    }
  }
  return unixDgram;
}

/** A transport over a file-system datagram socket, one socket per message (as libsystemd does). */
export function unixDgramTransport(path: string): NotifyTransport | undefined {
  const lib = loadUnixDgram();
  if (!lib) return undefined;
  return {
    kind: 'unix-dgram',
    send(message, onError) {
      let socket: UnixDgramSocket;
      try {
        socket = lib.createSocket('unix_dgram');
      } catch (e) {
        onError(e as Error);
        return;
      }
      socket.on('error', onError);
      const buf = Buffer.from(message, 'utf8');
      // The send is synchronous (sendmsg on a non-blocking socket); the callback runs before it returns.
      socket.send(buf, 0, buf.length, path, (err) => {
        if (err) onError(new Error(`cannot notify ${path}: ${errnoName(err)}`, { cause: err }));
      });
      try {
        socket.close();
      } catch {
        /* nothing left to do */
      }
    },
  };
}

/** `ENOENT` for unix-dgram's `send -2` errors (it reports negative errno numbers). */
function errnoName(err: Error): string {
  const n = Math.abs(Number((err as NodeJS.ErrnoException).code));
  const name = Number.isInteger(n) ? Object.entries(osConstants.errno).find(([, v]) => v === n)?.[0] : undefined;
  return name ?? err.message;
}

/** The first executable `name` on `PATH`, or `undefined`. */
export function findOnPath(name: string, pathVar: string | undefined): string | undefined {
  for (const dir of (pathVar ?? '').split(delimiter)) {
    if (!dir) continue;
    const file = join(dir, name);
    try {
      accessSync(file, fsConstants.X_OK);
      return file;
    } catch {
      /* next */
    }
  }
  return undefined;
}

/**
 * A transport that runs `command VARIABLE=VALUE…` with `NOTIFY_SOCKET` set
 * (systemd-notify(1)); works for any address systemd-notify knows, abstract
 * ones included. One child at a time, so notifications keep their order
 * (systemd-notify waits until the manager has read each one); children are
 * not waited for at exit.
 */
export function systemdNotifyTransport(command: string, socket: string, env: SystemdEnv): NotifyTransport {
  const queue: { message: string; onError: (err: Error) => void }[] = [];
  let running = false;
  const runNext = (): void => {
    const item = queue.shift();
    if (!item) {
      running = false;
      return;
    }
    running = true;
    const { message, onError } = item;
    let done = false;
    const finish = (err?: Error): void => {
      if (done) return;
      done = true;
      if (err) onError(err);
      runNext();
    };
    try {
      // node:child_process is required here, not at start-up, where it costs more than it is used.
      const { spawn } = createRequire(import.meta.url)('node:child_process') as typeof import('node:child_process');
      const child = spawn(command, message.split('\n'), {
        env: { ...env, NOTIFY_SOCKET: socket },
        stdio: 'ignore',
        timeout: 10_000,
      });
      child.on('error', (e) => finish(new Error(`cannot run ${command}: ${e.message}`, { cause: e })));
      child.on('exit', (code, signal) => {
        finish(code === 0 ? undefined : new Error(`${command} ${message.split('\n').join(' ')} failed (${signal ?? `exit ${code}`})`));
      });
      child.unref();
    } catch (e) {
      finish(e as Error);
    }
  };
  return {
    kind: 'systemd-notify',
    send(message, onError) {
      queue.push({ message, onError });
      if (!running) runNext();
    },
  };
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

/** `unix-dgram` for file-system addresses; `systemd-notify` for abstract ones or when the addon is missing. */
function chooseTransport(socket: string, env: SystemdEnv, onError: (err: Error) => void): NotifyTransport | undefined {
  if (socket.startsWith('/')) {
    const t = unixDgramTransport(socket);
    if (t) return t;
  }
  const command = findOnPath('systemd-notify', env['PATH']);
  if (command) return systemdNotifyTransport(command, socket, env);
  const why = socket.startsWith('/')
    ? 'the unix-dgram addon could not be loaded'
    : socket.startsWith('@')
      ? 'abstract socket addresses need systemd-notify(1)'
      : 'this address type needs systemd-notify(1)';
  onError(new Error(`NOTIFY_SOCKET=${socket}: cannot notify the service manager: ${why}, and systemd-notify is not on the PATH`));
  return undefined;
}
