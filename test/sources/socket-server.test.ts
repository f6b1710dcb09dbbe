/** --listen on real sockets (127.0.0.1, port 0). */
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { ConfigError } from '../../src/core/errors.js';
import { IssueLog } from '../../src/core/issues.js';
import type { Backpressure } from '../../src/sources/flow.js';
import { ListenSource, type ListenSourceOptions } from '../../src/sources/socket-server.js';
import { CollectingSink, EventLog } from './helpers.js';

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup.splice(0)) c();
});

async function listen(extra: Partial<ListenSourceOptions> = {}) {
  const log = new EventLog<string>();
  const issues = new IssueLog();
  const src = new ListenSource({ address: { host: '127.0.0.1', port: 0 }, issues, log: log.push, ...extra });
  cleanup.push(() => src.stop());
  await src.prepare();
  const sink = new CollectingSink();
  src.start(sink);
  return { src, sink, log, issues, port: src.address!.port };
}

function producer(port: number): Promise<Socket> {
  const s = connect(port, '127.0.0.1');
  cleanup.push(() => s.destroy());
  s.on('error', () => {});
  return once(s, 'connect').then(() => s);
}

/** A `Backpressure` the test turns on and off. */
class ManualBackpressure implements Backpressure {
  behind = false;
  private waiters: (() => void)[] = [];
  private onWait: () => void = () => {};
  /** Resolves when a reader first waits for the output to catch up: it has paused its stream. */
  readonly waited = new Promise<void>((r) => (this.onWait = r));
  whenCaughtUp(fn: () => void): () => void {
    this.onWait();
    this.waiters.push(fn);
    return () => (this.waiters = this.waiters.filter((w) => w !== fn));
  }
  release(): void {
    this.behind = false;
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

describe('--listen (a server for many producers)', () => {
  it('1,000 concurrent producers: every line counted exactly once', async () => {
    const { sink, src, port } = await listen();
    const PRODUCERS = 1000;
    const LINES = 100;
    await Promise.all(Array.from({ length: PRODUCERS }, async (_, p) => {
      const s = await producer(port);
      const lines = Array.from({ length: LINES }, (_, i) => `p${p}-${i}`);
      // Two writes, the second one without its final newline: the partial last line is kept at close.
      s.write(lines.slice(0, 50).join('\n') + '\n');
      s.end(lines.slice(50).join('\n'));
    }));
    await sink.count(PRODUCERS * LINES);
    expect(sink.records).toHaveLength(PRODUCERS * LINES);
    expect(new Set(sink.records).size).toBe(PRODUCERS * LINES);
    expect(src.accepted).toBe(PRODUCERS);
    expect(src.refused).toBe(0);
  });

  it('one line splitter per connection: interleaved partial lines never mix', async () => {
    const { sink, port } = await listen();
    const a = await producer(port);
    const b = await producer(port);
    a.write('hel');
    b.write('wor');
    await new Promise((r) => setImmediate(r));
    a.end('lo\n');
    b.end('ld');
    await sink.count(2);
    expect([...sink.records].sort()).toEqual(['hello', 'world']);
  });

  it('refuses connections over --max-connections, counts and logs them', async () => {
    const { sink, src, log, port } = await listen({ maxConnections: 2 });
    const a = await producer(port);
    const b = await producer(port);
    a.write('a\n');
    b.write('b\n');
    await sink.count(2);
    const c = connect(port, '127.0.0.1');
    c.on('error', () => {});
    cleanup.push(() => c.destroy());
    await once(c, 'close'); // the server closes it at once
    expect(src.refused).toBe(1);
    await log.until((l) => l.some((m) => m.includes('refused a connection from 127.0.0.1:') && m.includes('2 open (--max-connections)')));
    a.end();
    await once(a, 'close');
    while (src.openConnections !== 1) await new Promise((r) => setImmediate(r)); // the server side closes too
    const d = await producer(port);
    d.end('d\n');
    await sink.count(3);
    expect(sink.records).toEqual(['a', 'b', 'd']);
  });

  it('closes a connection idle for --idle-timeout and keeps its partial line', async () => {
    const { sink, src, log, port } = await listen({ idleTimeoutMs: 50 });
    const s = await producer(port);
    s.write('one\ntw');
    await once(s, 'close');
    await sink.count(2);
    expect(sink.records).toEqual(['one', 'tw']);
    expect(src.idleClosed).toBe(1);
    expect(log.events.some((m) => m.includes('idle for 50ms (--idle-timeout)'))).toBe(true);
  });

  it('a port in use is a ConfigError (exit 2) from prepare(), before any input', async () => {
    const other = createServer();
    other.listen(0, '127.0.0.1');
    await once(other, 'listening');
    cleanup.push(() => other.close());
    const port = (other.address() as AddressInfo).port;
    const src = new ListenSource({ address: { host: '127.0.0.1', port }, issues: new IssueLog() });
    const err = await src.prepare().then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).exitCode).toBe(2);
    expect((err as Error).message).toBe(`--listen 127.0.0.1:${port}: port ${port} is already in use on 127.0.0.1; choose another port or stop the process using it`);
  });

  it('logs the bound address when asked for port 0', async () => {
    const { log, port } = await listen();
    expect(port).toBeGreaterThan(0);
    expect(log.events).toContain(`listening on 127.0.0.1:${port}`);
  });

  it('slow consumer: while the output is behind, sockets are paused and memory stays bounded', async () => {
    const bp = new ManualBackpressure();
    const { sink, port } = await listen({ backpressure: bp });
    const s = await producer(port);
    const line = 'x'.repeat(99) + '\n';
    const chunk = Buffer.from(line.repeat(10_000)); // 1 MB
    const TOTAL_MB = 128;
    const rssBefore = process.memoryUsage().rss;
    let written = 0;
    let stalled: () => void = () => {};
    const stall = new Promise<void>((r) => (stalled = r));
    const writing = (async () => {
      for (let i = 0; i < TOTAL_MB; i++) {
        if (!s.write(chunk)) {
          stalled();
          await once(s, 'drain');
        }
        written++;
      }
      s.end();
    })();
    await sink.count(1);
    bp.behind = true; // the output falls behind: the server stops reading
    await stall;
    // TCP flow control holds the producer: its writes stop being accepted. The chunk being
    // processed when the output fell behind completes, then the reader waits for the output to
    // catch up (an event); after it nothing is read. "Nothing happens" has no event, so this test
    // then samples for 200 ms: a window that can only miss a fault, never make a correct run fail.
    await bp.waited;
    const received = sink.records.length;
    let peakRss = 0;
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setTimeout(r, 10));
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }
    expect(sink.records.length).toBe(received); // nothing read while behind
    expect(received).toBeLessThan(TOTAL_MB * 10_000);
    expect(written).toBeLessThan(TOTAL_MB); // the producer is blocked, not buffered without limit
    expect(peakRss - rssBefore).toBeLessThan(48 * 1024 * 1024);
    bp.release();
    await writing;
    await sink.count(TOTAL_MB * 10_000);
    expect(sink.records).toHaveLength(TOTAL_MB * 10_000);
  });

  it('--once: ends when no connection has been open for the idle timeout', async () => {
    const clock = new ManualClock(0);
    const { sink, port } = await listen({ once: true, idleTimeoutMs: 1000, clock });
    const s = await producer(port);
    s.write('a\n');
    await sink.count(1);
    clock.advance(5000); // a connection is open: no end
    expect(sink.ended).toBe(false);
    s.end('b\n');
    await sink.count(2);
    await new Promise((r) => s.once('close', r));
    await sink.until(() => true);
    clock.advance(999);
    expect(sink.ended).toBe(false);
    clock.advance(1);
    expect(sink.ended).toBe(true);
    expect(sink.records).toEqual(['a', 'b']);
  });
});
