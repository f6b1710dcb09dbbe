/**
 * What every Kafka client of a job shares: its connection options, a deadline
 * for calls that may never settle, and reading the client's errors.
 */
import type { KafkaUrl } from './url.js';

// Reading the client's errors, as the `--kafka` source does: `hasApiError(e, apiId)`, and an error's message with its first cause.
export { hasApiError, kafkaErrorText as errorText } from '../../sources/kafka/errors.js';

/** A Kafka call that has not settled within this many ms is taken as failed. */
export const CALL_DEADLINE_MS = 15_000;

/** `p`, or a rejection after `ms` (a request to a broker that went away may never settle). */
export function deadline<T>(p: Promise<T>, what: string, ms = CALL_DEADLINE_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, rej) => {
    timer = setTimeout(() => rej(new Error(`${what}: no answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** Connection options of every client of a job. */
export function clientOptions(url: KafkaUrl, clientId = 'dstream'): { clientId: string; bootstrapBrokers: string[]; retries: number; retryDelay: number; timeout: number } {
  return { clientId, bootstrapBrokers: url.brokers, retries: 3, retryDelay: 250, timeout: 10_000 };
}
