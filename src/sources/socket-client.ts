/**
 * `--connect HOST:PORT`: a TCP client reading lines, as Spark's
 * `socketTextStream` (whose receiver is restarted when the connection drops).
 *
 * - Reconnects with capped exponential backoff when the peer goes away or
 *   cannot be reached: waits `initialBackoffMs` (default 250 ms), doubling
 *   up to `maxBackoffMs` (default 10 s); each wait is logged. After
 *   `retries` consecutive failed attempts (default unlimited) the job fails
 *   (`E_CONNECT`, exit 1). A connection that was established resets the count.
 * - No complete line that was read is lost: the lines of every chunk are
 *   pushed as it arrives; when the connection is half-closed (FIN), reset or
 *   times out, a partial last line is kept as a record (the peer will not
 *   finish it on a new connection).
 * - Unbounded: it never ends the job, except with `once` — then the first
 *   established connection is read to its end (like `nc HOST PORT`) and the
 *   source ends, without reconnecting.
 * - One `LineReader` per connection, so backpressure, `--max-rate` and
 *   `--max-line-bytes` apply.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { SystemClock, type Clock } from '../core/clock.js';
import { formatDuration } from '../core/duration.js';
import { DStreamError } from '../core/errors.js';
import type { Millis } from '../core/types.js';
import type { IssueLog } from '../core/issues.js';
import { formatHostPort, type HostPort } from './address.js';
import type { Backpressure, RateLimiter } from './flow.js';
import { LineReader } from './line-reader.js';
import { PushSource } from './push-source.js';
import type { Source, SourceSink } from './source.js';

/** Options of a `ConnectSource`. Durations in ms. */
export interface ConnectSourceOptions {
  address: HostPort;
  issues: IssueLog;
  /** Progress messages (reconnecting, gave up), one line each, without the `dstream: ` prefix. */
  log?: (message: string) => void;
  /** Clock of the backoff timers (default the system clock). */
  clock?: Clock;
  /** Consecutive failed attempts tolerated before the job fails (default `Infinity`; `--connect-retries`). */
  retries?: number;
  /** First wait before reconnecting (default 250 ms). */
  initialBackoffMs?: Millis;
  /** Longest wait between attempts (default 10 s). */
  maxBackoffMs?: Millis;
  /** An attempt that has not connected after this long fails (default 10 s). */
  connectTimeoutMs?: Millis;
  /** Read one connection to its end, then end (`--once`). */
  once?: boolean;
  maxLineBytes?: number;
  rate?: RateLimiter;
  backpressure?: Backpressure;
  /** Opens the socket (tests inject failures); default `net.connect`. */
  connect?: (address: HostPort) => Socket;
}

/** Default first backoff: 250 ms. */
export const DEFAULT_INITIAL_BACKOFF_MS = 250;
/** Default backoff cap: 10 s. */
export const DEFAULT_MAX_BACKOFF_MS = 10_000;

/** A reconnecting TCP line client (see module doc). */
export class ConnectSource extends PushSource implements Source {
  readonly name: string;
  /** Connections established so far. */
  connections = 0;
  private readonly clock: Clock;
  private socket: Socket | null = null;
  private reader: LineReader | null = null;
  private cancelTimer: () => void = () => {};
  private failures = 0;

  constructor(private readonly options: ConnectSourceOptions) {
    super(options.log);
    this.name = `--connect ${formatHostPort(options.address)}`;
    this.clock = options.clock ?? new SystemClock();
  }

  start(sink: SourceSink): void {
    this.sink = sink;
    this.attempt();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.cancelTimer();
    this.reader?.stop();
    this.socket?.destroy();
    this.socket = null;
  }

  private attempt(): void {
    if (this.stopped) return;
    const o = this.options;
    const socket = (o.connect ?? ((a: HostPort) => netConnect({ host: a.host, port: a.port })))(o.address);
    this.socket = socket;
    let connected = false;
    let reason = 'connection closed by the peer';
    const reader = new LineReader(
      socket,
      {
        line: (line) => this.sink!.record(line),
        end: () => {},
        error: (err) => {
          reason = describe(err);
        },
        fail: (err) => {
          this.stop();
          this.sink!.fail(err);
        },
      },
      { where: this.name, issues: o.issues, maxLineBytes: o.maxLineBytes, rate: o.rate, backpressure: o.backpressure },
    );
    this.reader = reader;
    socket.setTimeout(o.connectTimeoutMs ?? 10_000);
    socket.once('timeout', () => {
      if (connected) return;
      reason = `no connection after ${formatDuration(o.connectTimeoutMs ?? 10_000)}`;
      socket.destroy();
    });
    socket.once('connect', () => {
      connected = true;
      socket.setTimeout(0);
      this.connections++;
      if (this.failures > 0 || this.connections > 1) this.log('connected');
      this.failures = 0;
    });
    socket.on('error', () => {}); // reported through the reader; 'close' follows
    socket.once('close', () => {
      if (this.stopped || this.socket !== socket) return;
      this.socket = null;
      try {
        if (connected) reader.finish();
        else reader.stop();
      } catch (e) {
        this.stop();
        this.sink!.fail(e);
        return;
      }
      this.disconnected(connected, reason);
    });
    reader.start();
  }

  private disconnected(wasConnected: boolean, reason: string): void {
    const o = this.options;
    if (o.once && wasConnected) {
      this.stopped = true;
      this.sink!.end();
      return;
    }
    const retries = o.retries ?? Infinity;
    if (this.failures >= retries) {
      this.stop();
      const tries = retries === 0 ? 'no retries allowed (--connect-retries 0)' : `gave up after ${retries} ${retries === 1 ? 'retry' : 'retries'} (--connect-retries)`;
      this.sink!.fail(new DStreamError('E_CONNECT', 'receiving', `${this.name}: ${reason}; ${tries}`));
      return;
    }
    this.failures++;
    const initial = o.initialBackoffMs ?? DEFAULT_INITIAL_BACKOFF_MS;
    const delay = Math.min(o.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS, initial * 2 ** (this.failures - 1));
    const of = Number.isFinite(retries) ? ` of ${retries}` : '';
    this.log(`${reason}; reconnecting in ${formatDuration(delay)} (retry ${this.failures}${of})`);
    this.cancelTimer = this.clock.schedule(this.clock.now() + delay, () => this.attempt());
  }
}

/** A socket error as a short reason: `connection refused (ECONNREFUSED)`. */
function describe(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  const known: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ECONNRESET: 'connection reset by the peer',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
    ENOTFOUND: 'host not found',
    ETIMEDOUT: 'timed out',
    EPIPE: 'broken pipe',
  };
  return code && known[code] ? `${known[code]} (${code})` : err.message;
}
