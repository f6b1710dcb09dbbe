/**
 * Which errors end a Kafka worker rather than being retried: dstream's own (`DStreamError`:
 * `--on-error fail`, a lost input offset), and a record larger than the broker accepts, which no
 * retry can ever write.
 */
import { DStreamError } from '../../core/errors.js';
import { hasApiError } from './log.js';

/** True when `e` ends the worker (see module doc). */
export function isFatal(e: unknown): boolean {
  return e instanceof DStreamError || hasApiError(e, 'MESSAGE_TOO_LARGE');
}

/**
 * `e` (fatal) as a `DStreamError`: a record too large says which limit and what makes records smaller.
 * @param job the job's name.
 */
export function fatalError(e: unknown, job: string): DStreamError {
  if (e instanceof DStreamError) return e;
  return new DStreamError('E_LOG', 'processing', `job ${job}: a record of a transaction is larger than the broker accepts (MESSAGE_TOO_LARGE: the topic's max.message.bytes, about 1 MB by default). `
    + 'Records are the state of a key partition (more --key-partitions in a new job spread it), the partial aggregates or rows of one input partition\'s batch (a smaller --max-records-per-batch), or a record of the output; or raise max.message.bytes of the job\'s topics');
}
