/**
 * How an sd_notify(3) message reaches the service manager.
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
import { accessSync, constants as fsConstants } from 'node:fs';
import { createRequire } from 'node:module';
import { constants as osConstants } from 'node:os';
import { delimiter, join } from 'node:path';

/** The environment variables read by the systemd integration; `process.env` fits. */
export type SystemdEnv = Readonly<Record<string, string | undefined>>;

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

/** `unix-dgram` for file-system addresses; `systemd-notify` for abstract ones or when the addon is missing. */
export function chooseTransport(socket: string, env: SystemdEnv, onError: (err: Error) => void): NotifyTransport | undefined {
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
