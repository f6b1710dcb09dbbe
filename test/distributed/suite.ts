/**
 * The set-up the distributed tests share: a redis-server of their own, the
 * reference rows (single-process dstream) of a job over an input file,
 * optionally that file published to topic `apache` (4 partitions), and every
 * process a test started killed after it, pass or fail.
 */
import { afterAll, afterEach, beforeAll } from 'vitest';
import { removeDataFiles } from './data.js';
import { killAll, publishFile, reference, type Proc } from './procs.js';
import { startRedis, type RedisServer } from './redis-harness.js';

/** Filled in by `beforeAll`. */
export interface RedisSuite {
  redis: RedisServer;
  /** Sorted reference rows. */
  expected: string[];
  file: string;
  procs: Set<Proc>;
}

/** Registers the hooks (call inside `describe`). */
export function useRedisSuite(o: { job: string[]; file: () => string; publish: boolean; removeData: boolean; publishArgs?: string[] }): RedisSuite {
  const s = { procs: new Set<Proc>() } as RedisSuite;
  beforeAll(async () => {
    s.file = o.file();
    s.redis = await startRedis();
    s.expected = await reference(o.job, s.file);
    if (o.publish) await publishFile(s.redis.url('apache'), 4, s.file, o.publishArgs);
  }, 180_000);
  afterEach(async () => {
    await killAll(s.procs);
    s.procs.clear();
  });
  afterAll(async () => {
    await s.redis?.stop();
    if (o.removeData) removeDataFiles();
  });
  return s;
}
