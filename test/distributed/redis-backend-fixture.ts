/** For tests that call the Redis backend directly: a redis-server of the test file's own and a `RedisBackend` on one topic. */
import { afterAll, beforeAll } from 'vitest';
import { parseLogUrl } from '../../src/distributed/log-url.js';
import { RedisBackend } from '../../src/distributed/redis/backend.js';
import { startRedis, type RedisServer } from './redis-harness.js';

/** Registers the hooks (call inside `describe`); `b` is set in beforeAll: topic `topic`, created with `partitions` partitions. */
export function useRedisBackend(topic: string, partitions: number): { b: RedisBackend } {
  const s = {} as { b: RedisBackend; server: RedisServer };
  beforeAll(async () => {
    s.server = await startRedis();
    s.b = new RedisBackend(parseLogUrl(s.server.url(topic), 'test', false), { persistent: false });
    await s.b.connect();
    await s.b.createTopic(partitions);
  }, 60_000);
  afterAll(async () => {
    await s.b?.close();
    await s.server?.stop();
  });
  return s;
}
