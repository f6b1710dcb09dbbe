/**
 * sd_notify(3) on a real unix datagram socket standing in for systemd's
 * NOTIFY_SOCKET, the watchdog on fake timers, and journal priority prefixes.
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, fstatSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  SystemdNotifier,
  findOnPath,
  formatLogLine,
  isJournalStream,
  journalPrefix,
  watchdogIntervalMs,
  type NotifyTransport,
} from '../../src/observe/systemd.js';

interface DgramSocket {
  on(event: 'message', listener: (buf: Buffer) => void): void;
  bind(path: string): void;
  send(buf: Buffer, offset: number, length: number, path: string, cb: (err?: Error) => void): void;
  close(): void;
}
const unix = createRequire(import.meta.url)('unix-dgram') as { createSocket(type: 'unix_dgram'): DgramSocket };

const cleanup: (() => void)[] = [];
afterEach(() => {
  vi.useRealTimers();
  for (const c of cleanup.splice(0).reverse()) c();
});

/**
 * A fake service manager: a datagram socket bound in a temp dir. `next()`
 * resolves with the next datagram received, in order.
 */
function fakeNotifySocket() {
  const dir = mkdtempSync(join(tmpdir(), 'dstream-notify-'));
  const path = join(dir, 'notify');
  const received: string[] = [];
  const waiters: ((m: string) => void)[] = [];
  const sock = unix.createSocket('unix_dgram');
  sock.on('message', (buf) => {
    const m = buf.toString('utf8');
    const w = waiters.shift();
    if (w) w(m);
    else received.push(m);
  });
  sock.bind(path);
  cleanup.push(() => {
    sock.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const next = (): Promise<string> => {
    const m = received.shift();
    return m !== undefined ? Promise.resolve(m) : new Promise((resolve) => waiters.push(resolve));
  };
  /**
   * Everything the notifier sent so far: a marker datagram is sent to the
   * socket and messages are read up to it (datagrams from one machine arrive in order).
   */
  const drain = async (): Promise<string[]> => {
    const marker = `MARKER=${Math.random()}`;
    const client = unix.createSocket('unix_dgram');
    const buf = Buffer.from(marker);
    client.send(buf, 0, buf.length, path, (err) => {
      if (err) throw err;
    });
    client.close();
    const got: string[] = [];
    for (let m = await next(); m !== marker; m = await next()) got.push(m);
    return got;
  };
  return { path, next, drain };
}

describe('SystemdNotifier over NOTIFY_SOCKET', () => {
  beforeEach(() => {
    // Only timers are faked: socket I/O and promises run for real.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'] });
  });

  it('sends READY=1, then WATCHDOG=1 every WATCHDOG_USEC/2, then STOPPING=1, and nothing after close', async () => {
    const manager = fakeNotifySocket();
    const errors: Error[] = [];
    // WATCHDOG_USEC is in microseconds: 3 s → a ping every 1500 ms.
    const sd = new SystemdNotifier({ NOTIFY_SOCKET: manager.path, WATCHDOG_USEC: '3000000', WATCHDOG_PID: '4242' }, { pid: 4242, onError: (e) => errors.push(e) });
    expect(sd.enabled).toBe(true);
    expect(sd.transport?.kind).toBe('unix-dgram');
    expect(sd.watchdogIntervalMs).toBe(1500);

    expect(await manager.drain()).toEqual([]); // nothing before ready()
    sd.ready();
    expect(await manager.drain()).toEqual(['READY=1']);

    vi.advanceTimersByTime(1499);
    expect(await manager.drain()).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(await manager.drain()).toEqual(['WATCHDOG=1']);
    vi.advanceTimersByTime(1500);
    expect(await manager.drain()).toEqual(['WATCHDOG=1']);
    vi.advanceTimersByTime(3000);
    expect(await manager.drain()).toEqual(['WATCHDOG=1', 'WATCHDOG=1']);

    sd.ready(); // a second ready() does not start a second watchdog
    vi.advanceTimersByTime(1500);
    expect(await manager.drain()).toEqual(['READY=1', 'WATCHDOG=1']);

    sd.stopping();
    expect(await manager.drain()).toEqual(['STOPPING=1']);

    sd.close();
    vi.advanceTimersByTime(60_000);
    expect(await manager.drain()).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
    expect(errors).toEqual([]);
  });

  it('sends STATUS= on one line, and READY=1 with a status in one datagram', async () => {
    const manager = fakeNotifySocket();
    const sd = new SystemdNotifier({ NOTIFY_SOCKET: manager.path });
    sd.status('recovering checkpoint\nREADY=1'); // a newline must not smuggle in an assignment
    sd.ready('reading 127.0.0.1:9000');
    sd.extendTimeout(20_000);
    expect(await manager.drain()).toEqual(['STATUS=recovering checkpoint READY=1', 'READY=1\nSTATUS=reading 127.0.0.1:9000', 'EXTEND_TIMEOUT_USEC=20000000']);
    expect(sd.watchdogIntervalMs).toBeUndefined(); // no WATCHDOG_USEC: no timer
    expect(vi.getTimerCount()).toBe(0);
    sd.close();
  });

  it('does nothing, and throws nothing, without NOTIFY_SOCKET', () => {
    const errors: Error[] = [];
    const sd = new SystemdNotifier({ WATCHDOG_USEC: '1000000' }, { onError: (e) => errors.push(e) });
    expect(sd.enabled).toBe(false);
    expect(sd.socket).toBeUndefined();
    expect(sd.watchdogIntervalMs).toBeUndefined();
    sd.ready();
    sd.status('x');
    sd.watchdog();
    sd.stopping();
    expect(vi.getTimerCount()).toBe(0);
    sd.close();
    sd.close();
    expect(errors).toEqual([]);
    expect(new SystemdNotifier({ NOTIFY_SOCKET: '' }).enabled).toBe(false);
  });

  it('reports a socket that is not there once, without throwing', () => {
    const errors: Error[] = [];
    const dir = mkdtempSync(join(tmpdir(), 'dstream-notify-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const sd = new SystemdNotifier({ NOTIFY_SOCKET: join(dir, 'gone'), WATCHDOG_USEC: '2000' }, { onError: (e) => errors.push(e) });
    sd.ready();
    vi.advanceTimersByTime(10); // five watchdog pings, all failing the same way
    sd.stopping();
    sd.close();
    expect(errors.length).toBe(1);
    expect(errors[0]!.message).toContain(join(dir, 'gone'));
  });
});

describe('the watchdog interval', () => {
  it('is half of WATCHDOG_USEC, converted from microseconds to milliseconds', () => {
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '30000000' }, 1)).toBe(15_000); // WatchdogSec=30
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '1000' }, 1)).toBe(1); // never 0 ms
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '7' }, 7)).toBe(15_000);
  });

  it('is off without WATCHDOG_USEC, for a bad value, or for another process', () => {
    expect(watchdogIntervalMs({}, 1)).toBeUndefined();
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '0' }, 1)).toBeUndefined();
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '30s' }, 1)).toBeUndefined();
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '-5' }, 1)).toBeUndefined();
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '8' }, 7)).toBeUndefined();
  });

  it('runs on an unref()ed timer, so it never keeps dstream alive', () => {
    const sent: string[] = [];
    const transport: NotifyTransport = { kind: 'unix-dgram', send: (m) => sent.push(m) };
    const sd = new SystemdNotifier({ NOTIFY_SOCKET: '/run/systemd/notify', WATCHDOG_USEC: '30000000' }, { transport });
    sd.ready();
    const timer = (sd as unknown as { timer: NodeJS.Timeout }).timer;
    expect(timer.hasRef()).toBe(false);
    sd.close();
    expect(sent).toEqual(['READY=1']);
  });
});

describe('abstract NOTIFY_SOCKET (@name)', () => {
  it('is refused with one clear error when systemd-notify is not on the PATH', () => {
    const errors: Error[] = [];
    const sd = new SystemdNotifier({ NOTIFY_SOCKET: '@/org/freedesktop/systemd1/notify', PATH: '' }, { onError: (e) => errors.push(e) });
    expect(sd.enabled).toBe(false);
    sd.ready();
    expect(errors.map((e) => e.message)).toEqual([
      'NOTIFY_SOCKET=@/org/freedesktop/systemd1/notify: cannot notify the service manager: abstract socket addresses need systemd-notify(1), and systemd-notify is not on the PATH',
    ]);
  });

  const notifyCommand = findOnPath('systemd-notify', process.env['PATH']);
  const python = findOnPath('python3', process.env['PATH']);
  const pythonWorks = python !== undefined && spawnSync(python, ['-c', 'import socket'], { stdio: 'ignore' }).status === 0;

  // Node cannot bind an abstract datagram socket either; Python's socket module can.
  it.skipIf(!notifyCommand || !pythonWorks)('goes through systemd-notify and arrives', async () => {
    const name = `dstream-test-${process.pid}-${Date.now()}`;
    const script = [
      'import socket, sys',
      's = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)',
      `s.bind("\\0${name}")`,
      'print("bound", flush=True)',
      's.settimeout(60)', // a safety net only: the messages come at once
      // systemd-notify(1) follows each message with a BARRIER=1 and fails when nobody reads it.
      'got = barriers = 0',
      'while got < 2 or barriers < 2:',
      '    m = s.recv(4096).decode()',
      '    if m == "BARRIER=1": barriers += 1',
      '    else:',
      '        print(repr(m), flush=True)',
      '        got += 1',
    ].join('\n');
    const receiver = spawn(python!, ['-c', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = once(receiver, 'exit');
    cleanup.push(() => receiver.kill());
    let out = '';
    receiver.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    while (!out.includes('bound')) await once(receiver.stdout, 'data');

    const errors: Error[] = [];
    const sd = new SystemdNotifier({ NOTIFY_SOCKET: `@${name}`, PATH: process.env['PATH'] }, { onError: (e) => errors.push(e) });
    expect(sd.transport?.kind).toBe('systemd-notify');
    sd.ready();
    sd.stopping(); // one child at a time: the order is kept
    await exited;
    expect(out.trim().split('\n').slice(1)).toEqual(["'READY=1'", "'STOPPING=1'"]);
    expect(errors).toEqual([]);
  });
});

describe('journal priority prefixes (sd-daemon(3))', () => {
  it('maps error, warning, info to <3>, <4>, <6>', () => {
    expect(journalPrefix('error')).toBe('<3>');
    expect(journalPrefix('warning')).toBe('<4>');
    expect(journalPrefix('info')).toBe('<6>');
  });

  it('prefixes every line when stderr is the journal, and nothing otherwise', () => {
    expect(formatLogLine('error', 'dstream: cannot write output: EIO', true)).toBe('<3>dstream: cannot write output: EIO');
    expect(formatLogLine('warning', 'dstream: falling behind', true)).toBe('<4>dstream: falling behind');
    expect(formatLogLine('info', 'dstream: listening on 127.0.0.1:9000', true)).toBe('<6>dstream: listening on 127.0.0.1:9000');
    expect(formatLogLine('error', 'first\nsecond', true)).toBe('<3>first\n<3>second');
    expect(formatLogLine('error', 'dstream: cannot write output: EIO', false)).toBe('dstream: cannot write output: EIO');
    expect(formatLogLine('info', '<6>looks like a prefix', false)).toBe('<6>looks like a prefix');
  });

  it('knows stderr is the journal when JOURNAL_STREAM is the device:inode of that descriptor', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dstream-journal-'));
    const fd = openSync(join(dir, 'stderr'), 'w');
    const other = openSync(join(dir, 'other'), 'w');
    cleanup.push(() => {
      closeSync(fd);
      closeSync(other);
      rmSync(dir, { recursive: true, force: true });
    });
    const st = fstatSync(fd, { bigint: true });
    const stream = `${st.dev}:${st.ino}`;
    expect(isJournalStream(stream, fd)).toBe(true);
    expect(isJournalStream(stream, other)).toBe(false); // stderr redirected elsewhere
    expect(isJournalStream(undefined, fd)).toBe(false);
    expect(isJournalStream('', fd)).toBe(false);
    expect(isJournalStream(`${st.dev}-${st.ino}`, fd)).toBe(false);
    expect(isJournalStream(stream, 987_654)).toBe(false); // not an open descriptor

    const sd = new SystemdNotifier({ JOURNAL_STREAM: stream }, { stderrFd: fd });
    expect(sd.journal).toBe(true);
    expect(sd.enabled).toBe(false); // the journal does not need NOTIFY_SOCKET
    expect(sd.format('warning', 'dstream: 3 late records dropped')).toBe('<4>dstream: 3 late records dropped');
    expect(new SystemdNotifier({ JOURNAL_STREAM: stream }, { stderrFd: other }).format('warning', 'x')).toBe('x');
  });
});
