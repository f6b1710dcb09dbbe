/**
 * Which `LogBackend` serves a log URL, by its scheme (redis://, kafka://). Apart from
 * log-backend.ts so that the contract does not import its implementations.
 */
import type { BackendOptions, LogBackend } from './log-backend.js';
import type { LogUrl } from './log-url.js';

/** Opens the backend of a log URL (its client is loaded on first use). */
export async function openBackend(url: LogUrl, o: BackendOptions): Promise<LogBackend> {
  switch (url.scheme) {
    case 'redis': {
      const { RedisBackend } = await import('./redis/backend.js');
      return new RedisBackend(url, o);
    }
    case 'kafka': {
      const { KafkaBackend } = await import('./kafka/backend.js');
      return new KafkaBackend(url, o);
    }
  }
}
