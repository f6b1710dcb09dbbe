/**
 * Which `LogBackend` serves a log URL, by its scheme (redis://; kafka:// joins here). Apart from
 * log-backend.ts so that the contract does not import its implementations.
 */
import { ConfigError } from '../core/errors.js';
import type { BackendOptions, LogBackend } from './log-backend.js';
import type { LogUrl } from './log-url.js';

/**
 * Opens the backend of a log URL (its client is loaded on first use).
 * @throws ConfigError (exit 2) for a scheme without a backend.
 */
export async function openBackend(url: LogUrl, o: BackendOptions): Promise<LogBackend> {
  switch (url.scheme) {
    case 'redis': {
      const { RedisBackend } = await import('./redis/backend.js');
      return new RedisBackend(url, o);
    }
    case 'kafka':
      // Kafka's group coordinator assigns and fences, and a transaction commits: kafka/run.ts drives its own worker.
      throw new ConfigError(`${url.text}: kafka:// jobs run through src/distributed/kafka/run.ts, not this interface`);
  }
}
