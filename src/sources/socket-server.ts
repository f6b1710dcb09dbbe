/**
 * `--listen [HOST:]PORT`: a TCP server for many producers at once, each
 * connection a stream of lines (`seq 1 100000 | nc 127.0.0.1 PORT`).
 *
 * - Binds in `prepare()` (before any input is read): a port in use, a
 *   forbidden port or an address not on this machine is a `ConfigError`
 *   (exit 2). Binds to 127.0.0.1 unless a host is given; port 0 takes a free
 *   port. Logs `listening on HOST:PORT` with the bound port.
 * - One `LineSplitter` per connection, so lines never mix and
 *   `--max-line-bytes` applies per connection; a partial last line of a
 *   connection that closes (FIN, reset, idle timeout) is kept as a record —
 *   the producer is gone and will not finish it. At `stop()` an open
 *   connection's partial line is dropped (its producer was still writing).
 * - At most `maxConnections` (default 1024) open at once; further clients are
 *   refused (closed at once by Node's `server.maxConnections`), counted in
 *   `refused` and logged (the first 5, then a total at stop).
 * - A connection silent for `idleTimeoutMs` (default 5 min; 0 = never) is
 *   closed, freeing its slot; time spent paused by backpressure or
 *   `--max-rate` does not count.
 * - Unbounded: never ends the job, except with `once` — then it ends when no
 *   connection has been open for `idleTimeoutMs` (counted from the bind or
 *   from the last close).
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { SystemClock, type Clock } from '../core/clock.js';
import { formatDuration } from '../core/duration.js';
import { ConfigError, DStreamError } from '../core/errors.js';
import type { Millis } from '../core/types.js';
import type { IssueLog } from '../core/issues.js';
import { formatHostPort, type HostPort } from './address.js';
import { DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_MAX_CONNECTIONS } from './socket-defaults.js';
import type { Backpressure, RateLimiter } from './flow.js';
import { LineReader } from './line-reader.js';
import { PushSource } from './push-source.js';
import type { Source, SourceSink } from './source.js';

/** Options of a `ListenSource`. Durations in ms. */
export interface ListenSourceOptions {
  address: HostPort;
  issues: IssueLog;
  /** Progress messages (bound port, refusals), without the `dstream: ` prefix. */
  log?: (message: string) => void;
  /** Clock of the `once` idle timer (default the system clock). Per-connection idle timeouts use socket timers. */
  clock?: Clock;
  /** Most connections open at once (default 1024; `--max-connections`). */
  maxConnections?: number;
  /** Close a connection silent this long (default 5 min; 0 = never; `--idle-timeout`). */
  idleTimeoutMs?: Millis;
  /** End when no connection has been open for `idleTimeoutMs` (`--once`). */
  once?: boolean;
  maxLineBytes?: number;
  rate?: RateLimiter;
  backpressure?: Backpressure;
}

export { DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_MAX_CONNECTIONS };
/** Refusals and idle closes logged one by one before only being counted. */
const LOGGED_PER_KIND = 5;

/** A TCP line server (see module doc). */
export class ListenSource extends PushSource implements Source {
  readonly name: string;
  /** Connections accepted so far. */
  accepted = 0;
  /** Connections refused over `maxConnections`. */
  refused = 0;
  /** Connections closed for being idle. */
  idleClosed = 0;
  private readonly clock: Clock;
  private server: Server | null = null;
  private bound: HostPort | null = null;
  private preparing: Promise<void> | null = null;
  private readonly open = new Map<Socket, LineReader | null>();
  private cancelIdleEnd: () => void = () => {};

  constructor(private readonly options: ListenSourceOptions) {
    super(options.log);
    this.name = `--listen ${formatHostPort(options.address)}`;
    this.clock = options.clock ?? new SystemClock();
  }

  /** The bound address (with the real port when 0 was asked), once `prepare()` has resolved. */
  get address(): HostPort | null {
    return this.bound;
  }

  /** Connections open now. */
  get openConnections(): number {
    return this.open.size;
  }

  /**
   * Binds the port.
   * @throws ConfigError (rejects) when the port is in use, forbidden, or the host is not local.
   */
  prepare(): Promise<void> {
    this.preparing ??= this.bind();
    return this.preparing;
  }

  private bind(): Promise<void> {
    const o = this.options;
    const server = createServer((socket) => this.accept(socket));
    server.maxConnections = o.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    server.on('drop', (info) => {
      this.refused++;
      if (this.refused <= LOGGED_PER_KIND) {
        const from = info?.remoteAddress ? ` from ${info.remoteAddress}:${info.remotePort}` : '';
        this.log(`refused a connection${from}: ${server.maxConnections} open (--max-connections)`);
        if (this.refused === LOGGED_PER_KIND) this.log('further refused connections are counted and reported at exit');
      }
    });
    this.server = server;
    return new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) => {
        this.server = null;
        reject(bindError(this.name, o.address, err));
      };
      server.once('error', onError);
      server.listen({ host: o.address.host, port: o.address.port, backlog: Math.max(511, server.maxConnections) }, () => {
        server.off('error', onError);
        server.on('error', (err) => this.fail(new DStreamError('E_LISTEN', 'receiving', `${this.name}: ${err.message}`, { cause: err })));
        const a = server.address() as AddressInfo;
        this.bound = { host: a.address, port: a.port };
        this.options.log?.(`listening on ${formatHostPort(this.bound)}`); // no prefix: scripts read the port from this line
        if (o.once) this.armIdleEnd();
        resolve();
      });
    });
  }

  start(sink: SourceSink): void {
    this.sink = sink;
    this.prepare().then(
      () => {
        for (const socket of [...this.open.keys()]) this.attach(socket);
        if (this.options.once && this.open.size === 0) this.armIdleEnd();
      },
      (e) => this.fail(e),
    );
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.cancelIdleEnd();
    this.server?.close();
    for (const [socket, reader] of this.open) {
      reader?.stop();
      socket.destroy();
    }
    this.open.clear();
    if (this.refused > LOGGED_PER_KIND) this.log(`${this.refused} connections refused in all (--max-connections ${this.options.maxConnections ?? DEFAULT_MAX_CONNECTIONS})`);
  }

  private accept(socket: Socket): void {
    if (this.stopped) {
      socket.destroy();
      return;
    }
    this.accepted++;
    this.cancelIdleEnd();
    this.open.set(socket, null);
    socket.on('error', () => {}); // a reset: 'close' follows, what was read is kept
    socket.once('close', () => this.closed(socket));
    if (this.sink) this.attach(socket);
    else socket.pause(); // accepted before start(): wait
  }

  private attach(socket: Socket): void {
    if (this.open.get(socket) || socket.destroyed) return;
    const o = this.options;
    const reader = new LineReader(
      socket,
      {
        line: (line) => this.sink!.record(line),
        end: () => {},
        error: () => {},
        fail: (err) => this.fail(err),
      },
      { where: this.name, issues: o.issues, maxLineBytes: o.maxLineBytes, rate: o.rate, backpressure: o.backpressure },
    );
    this.open.set(socket, reader);
    const idleMs = o.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    if (idleMs > 0) {
      socket.setTimeout(idleMs);
      socket.on('timeout', () => {
        if (reader.paused) {
          socket.setTimeout(idleMs); // paused by us, not idle: re-arm
          return;
        }
        this.idleClosed++;
        if (this.idleClosed <= LOGGED_PER_KIND) {
          this.log(`closed a connection from ${socket.remoteAddress}:${socket.remotePort} idle for ${formatDuration(idleMs)} (--idle-timeout)`);
        }
        socket.destroy();
      });
    }
    reader.start();
  }

  private closed(socket: Socket): void {
    const reader = this.open.get(socket);
    if (!this.open.delete(socket) || this.stopped) return;
    try {
      reader?.finish(); // keeps a partial last line (see module doc)
    } catch (e) {
      this.fail(e);
      return;
    }
    if (this.options.once && this.open.size === 0) this.armIdleEnd();
  }

  private armIdleEnd(): void {
    this.cancelIdleEnd();
    const idleMs = this.options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    this.cancelIdleEnd = this.clock.schedule(this.clock.now() + idleMs, () => {
      if (this.stopped || this.open.size > 0 || !this.sink) return;
      this.stopped = true;
      this.server?.close();
      this.sink.end();
    });
  }
}

/** A bind failure as a one-line configuration error. */
function bindError(name: string, address: HostPort, err: NodeJS.ErrnoException): ConfigError {
  switch (err.code) {
    case 'EADDRINUSE':
      return new ConfigError(`${name}: port ${address.port} is already in use on ${address.host}; choose another port or stop the process using it`, { cause: err });
    case 'EACCES':
      return new ConfigError(`${name}: permission denied to listen on port ${address.port} (ports below 1024 need privileges)`, { cause: err });
    case 'EADDRNOTAVAIL':
      return new ConfigError(`${name}: ${address.host} is not an address of this machine`, { cause: err });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new ConfigError(`${name}: cannot resolve host '${address.host}'`, { cause: err });
    default:
      return new ConfigError(`${name}: cannot listen: ${err.message}`, { cause: err });
  }
}
