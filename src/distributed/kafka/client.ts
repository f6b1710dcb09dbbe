/**
 * What every Kafka client of a job shares: its connection options, a deadline
 * for calls that may never settle, and reading the client's errors.
 */
import type { KafkaUrl } from './url.js';

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

/** True when `e` or an error it aggregates is the Kafka protocol error `apiId`. */
export function hasApiError(e: unknown, apiId: string): boolean {
  if ((e as { apiId?: unknown })?.apiId === apiId) return true;
  const errs = (e as { errors?: unknown[] })?.errors;
  return Array.isArray(errs) && errs.some((x) => hasApiError(x, apiId));
}

/** An error's message with its first cause (the client wraps protocol errors). */
export function errorText(e: unknown): string {
  const errs = (e as { errors?: unknown[] })?.errors;
  return `${e instanceof Error ? e.message : String(e)}${Array.isArray(errs) && errs.length ? `: ${errorText(errs[0])}` : ''}`;
}

/** Connection options of every client of a job. */
export function clientOptions(url: KafkaUrl, clientId = 'dstream'): { clientId: string; bootstrapBrokers: string[]; retries: number; retryDelay: number; timeout: number } {
  return { clientId, bootstrapBrokers: url.brokers, retries: 3, retryDelay: 250, timeout: 10_000 };
}
