/** --connect on real sockets (127.0.0.1, ephemeral ports). */
import { once } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DStreamError } from '../../src/core/errors.js';
import { IssueLog } from '../../src/core/issues.js';
import { ConnectSource, type ConnectSourceOptions } from '../../src/sources/socket-client.js';
import { CollectingSink, EventLog, range } from './helpers.js';

const servers: Server[] = [];
const sources: ConnectSource[] = [];
afterEach(() => {
  for (const s of sources.splice(0)) s.stop();
  for (const s of servers.splice(0)) s.close();
});

/** A server on `port` (0: any) that hands each connection to `onConn`. */
async function serve(port: number, onConn: (c: Socket) => void): Promise<{ server: Server; port: number }> {
  const server = createServer(onConn);
  servers.push(server);
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port };
}

function client(port: number, extra: Partial<ConnectSourceOptions> = {}) {
  const log = new EventLog<string>();
  const src = new ConnectSource({ address: { host: '127.0.0.1', port }, issues: new IssueLog(), log: log.push, initialBackoffMs: 10, maxBackoffMs: 50, ...extra });
  sources.push(src);
  const sink = new CollectingSink();
  src.start(sink);
  return { src, sink, log };
}

describe('--connect (socketTextStream with reconnection)', () => {
  it('reconnects after the server restarts, with every line exactly once', async () => {
    const first = await serve(0, (c) => c.end(range(1, 1000).join('\n') + '\n'));
    const { sink, log } = client(first.port);
    await sink.count(1000);
    first.server.close(); // no new connections: the client now gets ECONNREFUSED and backs off
    await log.until((l) => l.some((m) => m.includes('connection refused')));
    await serve(first.port, (c) => c.end(range(1001, 2000).join('\n') + '\n'));
    await sink.count(2000);
    expect(sink.records).toEqual(range(1, 2000));
    expect(log.events.some((m) => /reconnecting in \d+ms \(retry 1\)/.test(m))).toBe(true);
    await log.until((l) => l.some((m) => m.endsWith(': connected')));
  });

  it('a half-closed connection loses no line; a partial last line is kept as a record', async () => {
    const { port } = await serve(0, (c) => c.end('a\nb\npartial'));
    const { sink } = client(port, { once: true });
    await sink.whenEnded();
    expect(sink.records).toEqual(['a', 'b', 'partial']);
  });

  it('a reset connection keeps what was read; with --connect-retries 0 the job fails (E_CONNECT)', async () => {
    let conn: Socket | undefined;
    const { port } = await serve(0, (c) => {
      conn = c;
      c.write('x\ny\nz');
    });
    const { sink } = client(port, { retries: 0 });
    await sink.count(2);
    conn!.resetAndDestroy();
    const err = await sink.whenFailed();
    expect(sink.records).toEqual(['x', 'y', 'z']);
    expect(err).toBeInstanceOf(DStreamError);
    expect((err as DStreamError).code).toBe('E_CONNECT');
    expect((err as DStreamError).exitCode).toBe(1);
    expect((err as Error).message).toMatch(/connection reset by the peer \(ECONNRESET\); no retries allowed/);
  });

  it('gives up after --connect-retries consecutive failures, with capped exponential backoff logged', async () => {
    const { server, port } = await serve(0, () => {});
    server.close();
    await once(server, 'close');
    const { sink, log } = client(port, { retries: 3, initialBackoffMs: 5, maxBackoffMs: 12 });
    const err = (await sink.whenFailed()) as Error;
    expect(err.message).toBe(`--connect 127.0.0.1:${port}: connection refused (ECONNREFUSED); gave up after 3 retries (--connect-retries)`);
    expect(log.events.map((m) => /reconnecting in (\d+)ms/.exec(m)?.[1])).toEqual(['5', '10', '12']);
  });

  it('--once: reads one connection to its end and ends, without reconnecting', async () => {
    let connections = 0;
    const { port } = await serve(0, (c) => {
      connections++;
      c.end('1\n2\n');
    });
    const { sink, src } = client(port, { once: true });
    await sink.whenEnded();
    expect(sink.records).toEqual(['1', '2']);
    expect(src.connections).toBe(1);
    expect(connections).toBe(1);
  });
});
