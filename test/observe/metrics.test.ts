/** --metrics-port: a real HTTP server on 127.0.0.1, scraped with fetch and parsed. */
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DStreamMetrics, startMetricsServer, type MetricsServer } from '../../src/observe/metrics.js';
import { ConfigError, DStreamError, ExitCode } from '../../src/core/errors.js';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function start(options?: Parameters<typeof startMetricsServer>[2]): Promise<MetricsServer> {
  const server = await startMetricsServer(0, '127.0.0.1', options);
  cleanup.push(() => server.close());
  return server;
}

/**
 * Samples of the Prometheus text format 0.0.4: `name{labels} value` lines
 * keyed by `name{labels}`; `# TYPE` lines give each family's type.
 */
function parse(text: string): { samples: Map<string, number>; types: Map<string, string> } {
  const samples = new Map<string, number>();
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) {
      types.set(type[1]!, type[2]!);
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)(?: \d+)?$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${JSON.stringify(line)}`);
    samples.set(m[1]!, Number(m[2]));
  }
  return { samples, types };
}

async function scrape(server: MetricsServer): Promise<Map<string, number>> {
  const res = await fetch(server.url);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return parse(await res.text()).samples;
}

const COUNTERS = ['dstream_records_in_total', 'dstream_records_out_total', 'dstream_records_skipped_total', 'dstream_records_late_total', 'dstream_batches_total', 'dstream_checkpoint_failures_total'];

describe('startMetricsServer', () => {
  it('serves every dstream metric with its type on /metrics, loopback only by default', async () => {
    const server = await start({ batchIntervalMs: 2000 });
    expect(server.host).toBe('127.0.0.1');
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/metrics`);
    const res = await fetch(server.url);
    const { samples, types } = parse(await res.text());
    expect(Object.fromEntries([...types].filter(([name]) => name.startsWith('dstream_')))).toEqual({
      dstream_records_in_total: 'counter',
      dstream_records_out_total: 'counter',
      dstream_records_skipped_total: 'counter',
      dstream_records_late_total: 'counter',
      dstream_batches_total: 'counter',
      dstream_batch_processing_seconds: 'histogram',
      dstream_scheduling_delay_seconds: 'gauge',
      dstream_state_keys: 'gauge',
      dstream_checkpoint_duration_seconds: 'histogram',
      dstream_checkpoint_failures_total: 'counter',
      dstream_batch_interval_seconds: 'gauge',
    });
    for (const c of COUNTERS) expect(samples.get(c)).toBe(0);
    expect(samples.get('dstream_batch_interval_seconds')).toBe(2);
    expect(types.get('process_cpu_user_seconds_total')).toBe('counter'); // prom-client's default metrics
  });

  it('adds up two batches, in seconds, and its counters never decrease', async () => {
    const server = await start();
    const before = await scrape(server);

    server.observeBatch({ recordsIn: 100, recordsOut: 7, skipped: 2, late: 1, processingMs: 30, schedulingDelayMs: 5, stateKeys: 40 });
    const first = await scrape(server);
    server.observeBatch({ recordsIn: 50, recordsOut: 3, processingMs: 1500, schedulingDelayMs: 250, stateKeys: 42 });
    server.observeCheckpoint(12);
    server.observeCheckpoint(80, true);
    const second = await scrape(server);

    expect(first.get('dstream_records_in_total')).toBe(100);
    expect(second.get('dstream_records_in_total')).toBe(150);
    expect(second.get('dstream_records_out_total')).toBe(10);
    expect(second.get('dstream_records_skipped_total')).toBe(2); // skipped and late default to 0
    expect(second.get('dstream_records_late_total')).toBe(1);
    expect(second.get('dstream_batches_total')).toBe(2);

    // Gauges hold the last batch; milliseconds in, seconds out.
    expect(first.get('dstream_scheduling_delay_seconds')).toBe(0.005);
    expect(second.get('dstream_scheduling_delay_seconds')).toBe(0.25);
    expect(second.get('dstream_state_keys')).toBe(42);

    // Histograms: 0.03 s and 1.5 s.
    expect(second.get('dstream_batch_processing_seconds_count')).toBe(2);
    expect(second.get('dstream_batch_processing_seconds_sum')).toBeCloseTo(1.53, 9);
    expect(second.get('dstream_batch_processing_seconds_bucket{le="0.025"}')).toBe(0);
    expect(second.get('dstream_batch_processing_seconds_bucket{le="0.05"}')).toBe(1);
    expect(second.get('dstream_batch_processing_seconds_bucket{le="1"}')).toBe(1);
    expect(second.get('dstream_batch_processing_seconds_bucket{le="2.5"}')).toBe(2);
    expect(second.get('dstream_batch_processing_seconds_bucket{le="+Inf"}')).toBe(2);
    expect(second.get('dstream_checkpoint_duration_seconds_count')).toBe(2);
    expect(second.get('dstream_checkpoint_duration_seconds_sum')).toBeCloseTo(0.092, 9);
    expect(second.get('dstream_checkpoint_failures_total')).toBe(1);

    const monotonic = [...COUNTERS, 'dstream_batch_processing_seconds_count', 'dstream_batch_processing_seconds_sum', 'dstream_checkpoint_duration_seconds_count'];
    for (const name of monotonic) {
      expect(first.get(name)!, name).toBeGreaterThanOrEqual(before.get(name)!);
      expect(second.get(name)!, name).toBeGreaterThanOrEqual(first.get(name)!);
    }
  });

  it('refuses counts that would make a counter decrease, and changes nothing', async () => {
    const metrics = new DStreamMetrics({ defaultMetrics: false });
    expect(() => metrics.observeBatch({ recordsIn: -1, recordsOut: 0, processingMs: 1 })).toThrow(RangeError);
    expect(() => metrics.observeBatch({ recordsIn: 1, recordsOut: Number.NaN, processingMs: 1 })).toThrow('recordsOut');
    expect(() => metrics.observeBatch({ recordsIn: 1, recordsOut: 1, processingMs: -3 })).toThrow('processingMs');
    metrics.observeBatch({ recordsIn: 1, recordsOut: 1, processingMs: 1, schedulingDelayMs: -20 }); // clock stepped back
    const { samples } = parse(await metrics.text());
    expect(samples.get('dstream_records_in_total')).toBe(1);
    expect(samples.get('dstream_batches_total')).toBe(1);
    expect(samples.get('dstream_scheduling_delay_seconds')).toBe(0);
  });

  it('answers 404 for any other path, 405 for other methods', async () => {
    const server = await start();
    const base = `http://127.0.0.1:${server.port}`;
    for (const path of ['/', '/metrics/', '/metricsx', '/favicon.ico']) {
      const res = await fetch(base + path);
      expect(res.status, path).toBe(404);
      await res.text();
    }
    const withQuery = await fetch(`${base}/metrics?name[]=dstream_records_in_total`);
    expect(withQuery.status).toBe(200);
    await withQuery.text();
    const post = await fetch(server.url, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    await post.text();
    const head = await fetch(server.url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('refuses a port in use with a ConfigError (exit 2) that says so', async () => {
    const other = createServer();
    other.listen(0, '127.0.0.1');
    await once(other, 'listening');
    cleanup.push(() => new Promise((r) => other.close(r)));
    const { port } = other.address() as AddressInfo;

    const err = await startMetricsServer(port).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as DStreamError).exitCode).toBe(ExitCode.USAGE);
    expect((err as Error).message).toBe(`--metrics-port ${port}: port ${port} is already in use on 127.0.0.1; choose another port or stop the process using it`);
  });

  it('refuses a port number out of range', async () => {
    for (const port of [-1, 65536, 1.5, Number.NaN]) {
      await expect(startMetricsServer(port), String(port)).rejects.toThrow(ConfigError);
    }
  });

  it('closes with scrapers still connected, and twice', async () => {
    const server = await startMetricsServer(0);
    await (await fetch(server.url)).text(); // fetch keeps the connection alive
    await server.close();
    await server.close();
    await expect(fetch(server.url)).rejects.toThrow();
  });
});
