/**
 * What a Kafka worker says on stderr about a broker error it retries.
 *
 * A broker whose group coordinator is not ready answers the group calls with
 * COORDINATOR_NOT_AVAILABLE (or COORDINATOR_LOAD_IN_PROGRESS, NOT_COORDINATOR):
 * a fresh broker does so for the first job of its life, while it creates its
 * offsets topic (`__consumer_offsets`), and a restarted broker while it loads
 * it. That is expected and passes by itself, so it is said once per worker, in
 * plain words, instead of as an error. Every other retried error: the first of
 * a run of failures, then every 50th failure in a row (the worker's rule before).
 */
import { errorText } from './client.js';
import { isCoordinatorStarting } from '../../sources/kafka/errors.js';

export { isCoordinatorStarting }; // where tests look for it

/** The stderr lines of one worker's retried broker errors (see module doc). */
export class RetryLines {
  private starting = false;
  /** An error other than a starting coordinator was said in this run of failures. */
  private otherSaid = false;

  /**
   * The line to say for retried error `e`, or null to say nothing.
   * @param failures failed rounds in a row, this one included (1 for the first).
   */
  line(e: unknown, failures: number): string | null {
    if (failures === 1) this.otherSaid = false;
    if (isCoordinatorStarting(e)) {
      if (!this.starting) {
        this.starting = true;
        return 'dstream: the broker\'s group coordinator is not ready yet (a new broker first creates its offsets topic; a restarted one loads it): waiting for it';
      }
      if (failures % 50 !== 0) return null;
    } else if (this.otherSaid && failures % 50 !== 0) return null;
    else this.otherSaid = true;
    return `dstream: kafka error (retrying): ${errorText(e).slice(0, 300)}`;
  }
}
