/**
 * One server per `describe` of a distributed test: a Kafka broker (test/kafka/broker.ts) or a
 * redis-server (test/distributed/redis-harness.ts), started in `beforeAll` and stopped in
 * `afterAll`. Call inside the `describe` (under its `skipIf` for a missing java or redis-server).
 */
import { afterAll, beforeAll } from 'vitest';
import { startBroker, type Broker } from '../kafka/broker.js';
import { startRedis, type RedisServer } from '../distributed/redis-harness.js';

/**
 * A Kafka broker for the enclosing `describe`.
 * @param startTimeoutMs how long `beforeAll` may take (a JVM start on a loaded machine).
 * @returns the broker (valid from the first test on).
 */
export function brokerPerSuite(startTimeoutMs = 120_000): () => Broker {
  let broker: Broker | undefined;
  beforeAll(() => {
    broker = startBroker();
  }, startTimeoutMs);
  afterAll(() => broker?.close());
  return () => broker!;
}

/**
 * A redis-server for the enclosing `describe`.
 * @returns the server (valid from the first test on).
 */
export function redisPerSuite(): () => RedisServer {
  let redis: RedisServer | undefined;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => redis?.stop());
  return () => redis!;
}
