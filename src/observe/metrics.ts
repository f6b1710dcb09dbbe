/**
 * `--metrics-port PORT`: Prometheus metrics of a running job, served as the
 * Prometheus text exposition format (version 0.0.4) on `GET /metrics`,
 * loopback only unless a host is given.
 *
 * Metrics (Prometheus naming: base units, seconds; counters end in `_total`):
 *
 * | name                                   | type      | meaning                                             |
 * | -------------------------------------- | --------- | --------------------------------------------------- |
 * | `dstream_records_in_total`             | counter   | records read by the sources                         |
 * | `dstream_records_out_total`            | counter   | records written by the sink                         |
 * | `dstream_records_skipped_total`        | counter   | bad input skipped (throwing FN, bad event time, …)  |
 * | `dstream_records_late_total`           | counter   | records behind the watermark, dropped               |
 * | `dstream_batches_total`                | counter   | batches completed                                   |
 * | `dstream_batch_processing_seconds`     | histogram | processing time of each batch                       |
 * | `dstream_scheduling_delay_seconds`     | gauge     | last batch: start of processing − batch time        |
 * | `dstream_state_keys`                   | gauge     | keys held in state after the last batch             |
 * | `dstream_batch_interval_seconds`       | gauge     | the batch interval (compare with processing time)   |
 * | `dstream_checkpoint_duration_seconds`  | histogram | time to write each checkpoint (commit or snapshot)  |
 * | `dstream_checkpoint_failures_total`    | counter   | checkpoint writes that failed                       |
 *
 * plus prom-client's default `process_*` and `nodejs_*` metrics. Names and
 * conventions: https://prometheus.io/docs/practices/naming/ ; Spark's
 * StreamingListener reports the same batch fields (processing delay,
 * scheduling delay, input size).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { ConfigError } from '../core/errors.js';

/** What one batch did; counts are for this batch only (deltas), times in milliseconds. */
export interface BatchMetrics {
  /** Records read by the sources for this batch. */
  recordsIn: number;
  /** Records written to the output for this batch. */
  recordsOut: number;
  /** Records skipped as bad input in this batch (default 0). */
  skipped?: number;
  /** Late records dropped in this batch (default 0). */
  late?: number;
  /** Processing time of the batch, ms. */
  processingMs: number;
  /** Start of processing minus batch time, ms (Spark's scheduling delay). */
  schedulingDelayMs?: number;
  /** Keys held in state after the batch (all stateful operators together). */
  stateKeys?: number;
}

/** Options of {@link DStreamMetrics}. */
export interface MetricsOptions {
  /** Batch interval in ms, exported as `dstream_batch_interval_seconds`. */
  batchIntervalMs?: number;
  /** Also collect prom-client's default process and Node.js metrics (default true). */
  defaultMetrics?: boolean;
}

/** Histogram buckets in seconds, from 1 ms to 1 min: batch and checkpoint times. */
export const DURATION_BUCKETS_SECONDS: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** A count for a counter: a finite number ≥ 0, else a `RangeError` naming the field. */
function count(name: string, n: number | undefined): number {
  if (n === undefined) return 0;
  if (!Number.isFinite(n) || n < 0) throw new RangeError(`metrics: ${name} must be a finite number ≥ 0, got ${n}`);
  return n;
}

/**
 * The job's metrics in a registry of its own (never prom-client's global
 * one, so that several jobs in one process, or tests, do not collide).
 */
export class DStreamMetrics {
  /** The registry holding every metric below; `registry.metrics()` is the scrape body. */
  readonly registry = new Registry();
  private readonly recordsIn: Counter;
  private readonly recordsOut: Counter;
  private readonly skipped: Counter;
  private readonly late: Counter;
  private readonly batches: Counter;
  private readonly batchProcessing: Histogram;
  private readonly schedulingDelay: Gauge;
  private readonly stateKeys: Gauge;
  private readonly checkpointDuration: Histogram;
  private readonly checkpointFailures: Counter;

  constructor(options: MetricsOptions = {}) {
    const registers = [this.registry];
    const counter = (name: string, help: string) => new Counter({ name, help, registers });
    const gauge = (name: string, help: string) => new Gauge({ name, help, registers });
    this.recordsIn = counter('dstream_records_in_total', 'Records read by the sources.');
    this.recordsOut = counter('dstream_records_out_total', 'Records written to the output.');
    this.skipped = counter('dstream_records_skipped_total', 'Bad input records skipped (throwing function, bad event time, not a pair, line too long).');
    this.late = counter('dstream_records_late_total', 'Records behind the watermark for a window already emitted, dropped.');
    this.batches = counter('dstream_batches_total', 'Batches completed.');
    this.batchProcessing = new Histogram({
      name: 'dstream_batch_processing_seconds',
      help: 'Processing time of each batch in seconds.',
      buckets: [...DURATION_BUCKETS_SECONDS],
      registers,
    });
    this.schedulingDelay = gauge('dstream_scheduling_delay_seconds', 'Scheduling delay of the last batch in seconds: start of its processing minus its batch time.');
    this.stateKeys = gauge('dstream_state_keys', 'Keys held in state after the last batch.');
    this.checkpointDuration = new Histogram({
      name: 'dstream_checkpoint_duration_seconds',
      help: 'Time to write each checkpoint (offsets, commit, snapshot) in seconds.',
      buckets: [...DURATION_BUCKETS_SECONDS],
      registers,
    });
    this.checkpointFailures = counter('dstream_checkpoint_failures_total', 'Checkpoint writes that failed.');
    if (options.batchIntervalMs !== undefined) {
      gauge('dstream_batch_interval_seconds', 'The batch interval in seconds.').set(options.batchIntervalMs / 1000);
    }
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /**
   * Records one completed batch. Counts are deltas for this batch; times are
   * milliseconds (exported in seconds). Call once per batch, after its output.
   * @throws RangeError for a negative or non-finite count, key count or processing time (counters
   *   never decrease); nothing is recorded then.
   */
  observeBatch(batch: BatchMetrics): void {
    // Every value is checked before any metric changes: a bad call changes nothing.
    const processingMs = count('processingMs', batch.processingMs);
    const recordsIn = count('recordsIn', batch.recordsIn);
    const recordsOut = count('recordsOut', batch.recordsOut);
    const skipped = count('skipped', batch.skipped);
    const late = count('late', batch.late);
    const stateKeys = batch.stateKeys === undefined ? undefined : count('stateKeys', batch.stateKeys);
    this.recordsIn.inc(recordsIn);
    this.recordsOut.inc(recordsOut);
    this.skipped.inc(skipped);
    this.late.inc(late);
    this.batches.inc();
    this.batchProcessing.observe(processingMs / 1000);
    // A wall-clock step backwards can make the delay negative: shown as 0, never thrown.
    if (batch.schedulingDelayMs !== undefined && Number.isFinite(batch.schedulingDelayMs)) this.schedulingDelay.set(Math.max(0, batch.schedulingDelayMs) / 1000);
    if (stateKeys !== undefined) this.stateKeys.set(stateKeys);
  }

  /** Records a checkpoint write that took `durationMs` milliseconds; `failed` also counts a failure. */
  observeCheckpoint(durationMs: number, failed = false): void {
    this.checkpointDuration.observe(count('durationMs', durationMs) / 1000);
    if (failed) this.checkpointFailures.inc();
  }

  /** Counts a failed checkpoint write whose duration is unknown. */
  checkpointFailed(): void {
    this.checkpointFailures.inc();
  }

  /** The scrape body: every metric in the Prometheus text format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** The content type of {@link text}: `text/plain; version=0.0.4; charset=utf-8`. */
  get contentType(): string {
    return this.registry.contentType;
  }
}

/** A running metrics endpoint: the metrics to update, where it listens, and `close()`. */
export interface MetricsServer {
  readonly metrics: DStreamMetrics;
  /** The bound host and port (the real port when 0 was asked for). */
  readonly host: string;
  readonly port: number;
  /** `http://HOST:PORT/metrics`, IPv6 hosts in brackets. */
  readonly url: string;
  /** Same as `metrics.observeBatch`. */
  observeBatch(batch: BatchMetrics): void;
  /** Same as `metrics.observeCheckpoint`. */
  observeCheckpoint(durationMs: number, failed?: boolean): void;
  /** Stops listening and closes open connections. Idempotent. */
  close(): Promise<void>;
}

/** A bind failure as a one-line configuration error (exit 2), in the words of `--listen`. */
function bindError(host: string, port: number, err: NodeJS.ErrnoException): ConfigError {
  const flag = `--metrics-port ${port}`;
  switch (err.code) {
    case 'EADDRINUSE':
      return new ConfigError(`${flag}: port ${port} is already in use on ${host}; choose another port or stop the process using it`, { cause: err });
    case 'EACCES':
      return new ConfigError(`${flag}: permission denied to listen on port ${port} (ports below 1024 need privileges)`, { cause: err });
    case 'EADDRNOTAVAIL':
      return new ConfigError(`${flag}: ${host} is not an address of this machine`, { cause: err });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new ConfigError(`${flag}: cannot resolve host '${host}'`, { cause: err });
    default:
      return new ConfigError(`${flag}: cannot listen on ${host}: ${err.message}`, { cause: err });
  }
}

function handle(metrics: DStreamMetrics, req: IncomingMessage, res: ServerResponse): void {
  const path = (req.url ?? '/').split('?')[0];
  if (path !== '/metrics') {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found: metrics are at /metrics\n');
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' }).end('Method not allowed\n');
    return;
  }
  metrics.text().then(
    (body) => {
      res.writeHead(200, { 'Content-Type': metrics.contentType, 'Content-Length': Buffer.byteLength(body) });
      res.end(req.method === 'HEAD' ? undefined : body);
    },
    (err: Error) => {
      res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`cannot collect metrics: ${err.message}\n`);
    },
  );
}

/**
 * Serves the job's metrics on `http://host:port/metrics` (404 for any other
 * path, 405 for methods other than GET and HEAD). Port 0 picks a free port
 * (see `port` of the result). The server does not keep the process alive;
 * call `close()` at exit all the same.
 *
 * @param port 0–65535.
 * @param host default `127.0.0.1`: loopback only; `0.0.0.0` or `::` for all interfaces.
 * @throws ConfigError (exit 2) for an invalid port, a port in use, a host that is not local.
 */
export async function startMetricsServer(port: number, host = '127.0.0.1', options: MetricsOptions = {}): Promise<MetricsServer> {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`--metrics-port ${port}: not a port number; use an integer from 0 to 65535`);
  }
  const metrics = new DStreamMetrics(options);
  const server: Server = createServer((req, res) => handle(metrics, req, res));
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => reject(bindError(host, port, err));
    server.once('error', onError);
    server.listen({ host, port }, () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.unref(); // a scrape endpoint must not keep a finished job running
  server.on('error', () => {}); // after binding, errors belong to single connections
  const bound = server.address() as AddressInfo;
  const urlHost = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  let closing: Promise<void> | undefined;
  return {
    metrics,
    host: bound.address,
    port: bound.port,
    url: `http://${urlHost}:${bound.port}/metrics`,
    observeBatch: (batch) => metrics.observeBatch(batch),
    observeCheckpoint: (durationMs, failed) => metrics.observeCheckpoint(durationMs, failed),
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // keep-alive scrapers would otherwise hold close() open
      });
      return closing;
    },
  };
}
