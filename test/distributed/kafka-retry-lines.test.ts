/**
 * kafka/retry-lines.ts: a group coordinator that is starting (a fresh broker creating its offsets
 * topic) is said once per worker in plain words, not as a retried error; other retried errors are
 * said at the first of a run of failures and every 50th in a row. No broker: errors shaped as the
 * client's (`apiId`, or aggregated under `errors`).
 */
import { describe, expect, it } from 'vitest';
import { isCoordinatorStarting, RetryLines } from '../../src/distributed/kafka/retry-lines.js';

const apiError = (apiId: string, message: string) => Object.assign(new Error(message), { apiId });
const starting = () => Object.assign(new Error('Received response with error while executing API FindCoordinator(v6)'), { errors: [apiError('COORDINATOR_NOT_AVAILABLE', 'The coordinator is not available.')] });
const other = () => apiError('UNKNOWN_SERVER_ERROR', 'The server experienced an unexpected error');

describe('RetryLines', () => {
  it('knows the starting coordinator errors, aggregated or not', () => {
    expect(isCoordinatorStarting(starting())).toBe(true);
    expect(isCoordinatorStarting(apiError('COORDINATOR_LOAD_IN_PROGRESS', 'loading'))).toBe(true);
    expect(isCoordinatorStarting(apiError('NOT_COORDINATOR', 'moved'))).toBe(true);
    expect(isCoordinatorStarting(other())).toBe(false);
    expect(isCoordinatorStarting(new Error('no answer within 15 s'))).toBe(false);
  });

  it('says a starting coordinator once per worker in plain words, then only every 50th failure in a row', () => {
    const r = new RetryLines();
    const said = Array.from({ length: 100 }, (_, i) => r.line(starting(), i + 1));
    expect(said[0]).toBe('dstream: the broker\'s group coordinator is not ready yet (a new broker first creates its offsets topic; a restarted one loads it): waiting for it');
    expect(said.map((l, i) => (l === null ? null : i + 1))).toEqual([1, ...Array(48).fill(null), 50, ...Array(49).fill(null), 100]);
    expect(said[49]).toBe('dstream: kafka error (retrying): Received response with error while executing API FindCoordinator(v6): The coordinator is not available.');
    // A later run of failures (after a round that worked): not said again.
    expect(r.line(starting(), 1)).toBeNull();
    expect(new RetryLines().line(starting(), 1)).not.toBeNull(); // another worker says it
  });

  it('says other errors at the first of each run of failures and every 50th in a row', () => {
    const r = new RetryLines();
    expect(r.line(other(), 1)).toBe('dstream: kafka error (retrying): The server experienced an unexpected error');
    expect(r.line(other(), 2)).toBeNull();
    expect(r.line(other(), 50)).not.toBeNull();
    expect(r.line(other(), 51)).toBeNull();
    expect(r.line(other(), 1)).not.toBeNull(); // a new run of failures
    // An error other than the starting coordinator's, after some of those: said, once.
    const s = new RetryLines();
    expect(s.line(starting(), 1)).not.toBeNull();
    expect(s.line(starting(), 2)).toBeNull();
    expect(s.line(other(), 3)).toBe('dstream: kafka error (retrying): The server experienced an unexpected error');
    expect(s.line(other(), 4)).toBeNull();
  });
});
