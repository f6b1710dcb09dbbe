/**
 * The test harness itself: redis-server starts on a free port, answers PING,
 * keeps acknowledged writes across a kill -9 (AOF, fsync always) when restarted
 * on the same dir and port, and the real-data generator shifts time as promised.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { APACHE, bigApacheLog, removeDataFiles, shiftApacheTime } from './data.js';
import { redisAvailable, startRedis, type RedisServer } from './redis-harness.js';

describe.skipIf(!redisAvailable())('redis harness', () => {
  const servers: RedisServer[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });

  it('starts, answers PING, survives kill -9 with its AOF on the same dir and port', async () => {
    const a = await startRedis();
    servers.push(a);
    expect(a.url('t', 'g')).toBe(`redis://127.0.0.1:${a.port}/t?group=g`);
    const c = new Redis({ host: '127.0.0.1', port: a.port, lazyConnect: true, maxRetriesPerRequest: null });
    try {
      await c.connect();
      expect(await c.ping()).toBe('PONG');
      await c.xadd('s', '*', 'l', 'hello');
      await a.kill('SIGKILL');
      const b = await startRedis({ dir: a.dir, port: a.port });
      servers.push(b);
      expect(b.pid).not.toBe(a.pid);
      // ioredis reconnects by itself to the restarted server.
      expect(await c.xlen('s')).toBe(1);
      await b.stop();
      await b.stop(); // idempotent
      expect(existsSync(a.dir), 'the temp dir is removed by stop()').toBe(false);
    } finally {
      c.disconnect();
    }
  });
});

describe('real-data generator', () => {
  afterAll(() => removeDataFiles());

  it('shifts Apache timestamps across month and year ends', () => {
    expect(shiftApacheTime('[17/May/2015:10:05:03 +0000]', 4 * 86_400_000)).toBe('[21/May/2015:10:05:03 +0000]');
    expect(shiftApacheTime('[30/Dec/2015:23:59:59 +0000]', 2 * 86_400_000)).toBe('[01/Jan/2016:23:59:59 +0000]');
  });

  it('bigApacheLog(3): 3 copies, copy i shifted by 4i days, cached', () => {
    const p = bigApacheLog(3);
    expect(bigApacheLog(3)).toBe(p);
    const orig = readFileSync(APACHE, 'utf8').split('\n').filter(Boolean);
    const big = readFileSync(p, 'utf8').split('\n').filter(Boolean);
    expect(big.length).toBe(3 * orig.length);
    expect(big[0]).toBe(orig[0]);
    expect(big[orig.length]).toBe(orig[0]!.replace('[17/May/2015:10:05:03', '[21/May/2015:10:05:03'));
    expect(big[2 * orig.length]).toBe(orig[0]!.replace('[17/May/2015:10:05:03', '[25/May/2015:10:05:03'));
    expect(statSync(p).size).toBeGreaterThan(3 * statSync(APACHE).size - 100);
  });
});
