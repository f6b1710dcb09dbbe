/**
 * `--workers N` when a thread comes to its key partition after the main thread took it (a thread
 * starved of CPU on a busy machine; forced with `DSTREAM_FAULT=workers-starved-merge`, where every
 * worker thread waits until the main thread has claimed its partition): the main thread merges
 * every partition itself, and stdout, stderr and exit code are one thread's, byte for byte.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { sameAsOneThread } from '../helpers/workers-property.js';

const word = fc.constantFrom('a', 'b', '#x', '#X', 'é', '日本', '😀', '0', '');

describe('--workers N, partitions left to the main thread', () => {
  it('give one thread\'s stdout, stderr and exit code (property, against --workers 1)', async () => {
    await sameAsOneThread({
      prefix: 'dstream-workers-claim-',
      line: fc.array(word, { maxLength: 5 }).map((ws) => ws.join(' ')),
      maxLines: 100,
      // jobs whose partials are packed (string keys, number partials)
      jobs: [
        ['--flat-map', 'l => l.split(" ")', '--count-by-value', '--format', 'json'],
        ['--map', 'l => [l.split(" ")[0], l.length]', '--reduce-by-key', 'sum', '--format', 'tsv'],
        ['--flat-map', 'l => l.split(" ")', '--count-by-value', '--top', '3', '--format', 'tsv'],
      ],
      numRuns: 8,
      env: { DSTREAM_FAULT: 'workers-starved-merge' },
    });
  }, 240_000);
});
