/** `--workers auto`: how many threads a job gets (src/cli/workers-auto.ts), from the parsed flags alone. */
import { describe, expect, it } from 'vitest';
import { parseArgs, type CliOptions } from '../../src/cli/args.js';
import { AUTO_MIN_BYTES_PER_THREAD, workerThreads } from '../../src/cli/workers-auto.js';

const MB100 = 100_000_000;

function options(argv: string[]): CliOptions {
  const r = parseArgs(argv, {});
  if (r.kind !== 'run') throw new Error('not a job');
  return r.options;
}
const threads = (argv: string[], ctx: { checkpoint?: boolean; stdinSize?: number; cores?: number } = {}) =>
  workerThreads(options(argv), { checkpoint: ctx.checkpoint ?? false, stdinSize: 'stdinSize' in ctx ? ctx.stdinSize : MB100, cores: ctx.cores ?? 2 });

describe('workerThreads', () => {
  it('one per core on a big file, for exact aggregations', () => {
    expect(threads(['--flat-map', 't => hashtags(t)', '--count-by-value', '--top', '10'])).toBe(2);
    expect(threads(['--count'], { cores: 8 })).toBe(8);
    expect(threads(['--workers', 'auto', '--map', 'l => [l, +l]', '--reduce-by-key', 'max'], { cores: 4 })).toBe(4);
    expect(threads(['--event-time', 'l => l', '--count-by-value', '--window', '5m', '--format', 'tsv'])).toBe(2);
    expect(threads(['--count'], { cores: 200 })).toBe(11); // 100 MB: at most one per 8 MiB
    // A sum: threads, and one thread after all at the first value that is not an integer (engine/workers.ts).
    expect(threads(['--map', 'l => [l, 1.5]', '--reduce-by-key', 'sum'])).toBe(2);
  });

  it('fewer on a smaller file: at most one per AUTO_MIN_BYTES_PER_THREAD', () => {
    expect(threads(['--count'], { stdinSize: 2 * AUTO_MIN_BYTES_PER_THREAD - 1 })).toBe(1);
    expect(threads(['--count'], { stdinSize: 2 * AUTO_MIN_BYTES_PER_THREAD })).toBe(2);
    expect(threads(['--count'], { stdinSize: 3 * AUTO_MIN_BYTES_PER_THREAD, cores: 8 })).toBe(3);
    expect(threads(['--count'], { cores: 1 })).toBe(1);
  });

  it('one where the answer could change or the input is not a file', () => {
    const one: [string[], { checkpoint?: boolean; stdinSize?: number }?][] = [
      [['--count'], { stdinSize: undefined }],
      [['--count'], { checkpoint: true }],
      [['--map', 'l => [l, 1]', '--reduce-by-key', '(a, b) => a + b']],
      [['--map', 'l => [l, 1]', '--reduce-by-key', 'avg']],
      [['--map', 'l => [l, 1]', '--update-state-by-key', '(v, s) => v.length']],
      [['--count-by-value', '--window', '1m']],
      [['--transform', 'b => b', '--count']],
      [['--max-records-per-batch', '100', '--count']],
      [['--batch-marker', 'END', '--count']],
      [['--max-rate', '100', '--count']],
      [['--dead-letter', 'x', '--count']],
      [['--on-error', 'fail', '--count']],
      [['--stats', '--count']],
      [['--parse', 'csv', '--count']],
      [['--output-mode', 'update', '--event-time', 'l => l', '--count-by-value', '--window', '5m']],
      [['--listen', '0', '--count']],
      [['--stdin', '--watch', '/tmp', '--count']],
    ];
    for (const [argv, ctx] of one) expect([argv.join(' '), threads(argv, ctx)]).toEqual([argv.join(' '), 1]);
  });

  it('an explicit --workers N is taken as given (checked later)', () => {
    expect(threads(['--workers', '3', '--count'], { stdinSize: undefined })).toBe(3);
    expect(threads(['--workers', '1', '--count'])).toBe(1);
  });
});
