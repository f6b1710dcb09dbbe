/**
 * `--batch-marker TEXT` (Spark's queueStream for replays and tests): marker
 * lines end batches, batches follow the input and not the clock; and the
 * documented differences from Spark that the parity tables rely on.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { checkParity } from './harness.js';

/** `Time: N ms` headers of text output, as offsets in batches from the first. */
function frameOffsets(stdout: string, batchMs: number): number[] {
  const times = [...stdout.matchAll(/^Time: (\d+) ms$/gm)].map((m) => Number(m[1]));
  return times.map((t) => (t - times[0]!) / batchMs);
}

describe('--batch-marker', () => {
  it('a marker line ends the batch and is no record; two in a row make an empty batch; the rest is the final batch', async () => {
    const r = await runCli(['--batch-marker', 'NEXT', '--count'], 'a\nb\nNEXT\nNEXT\nc\r\nNEXT\r\nd\n');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(frameOffsets(r.stdout, 1000)).toEqual([0, 1, 2, 3]);
    expect([...r.stdout.matchAll(/^(\d+)$/gm)].map((m) => Number(m[1]))).toEqual([2, 0, 1, 1]);
  });

  it('batches follow the markers however long the input takes: one batch of a 2 s batch interval per marker', async () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `${i % 7}`).join('\n');
    // A marker that starts with -- is given with =.
    const r = await runCli(['--batch', '2s', '--batch-marker=--', '--map', 'Number', '--reduce', 'sum'], `${lines}\n--\n${lines}\n--\n`);
    expect(r.code).toBe(0);
    expect(frameOffsets(r.stdout, 2000)).toEqual([0, 1, 2]);
    const sum = Array.from({ length: 5000 }, (_, i) => i % 7).reduce((a, b) => a + b, 0);
    expect([...r.stdout.matchAll(/^(\d+)$/gm)].map((m) => Number(m[1]))).toEqual([sum, sum]);
  });

  it('an empty marker makes blank lines end batches; a missing one is a usage error', async () => {
    const r = await runCli(['--batch-marker', '', '--count', '--format', 'json'], 'a\nb\n\nc\n');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { value: number }).value)).toEqual([2, 1]);
    const missing = await runCli(['--count', '--batch-marker']);
    expect(missing.code).toBe(2);
    expect(missing.stderr.split('\n')[0]).toBe('dstream: --batch-marker needs a value (a marker line that is a flag\'s name is given with =: --batch-marker=--count)');
  });

  it('is refused with --checkpoint (batches cut by markers are not logged for replay), before reading input', async () => {
    const r = await runCli(['--batch-marker', '@@', '--count', '--checkpoint', '/tmp/never-created-by-this-test']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('dstream: --batch-marker cannot be combined with --checkpoint: batches cut by markers are not logged for replay');
  });
});

describe('differences from Spark (man page)', () => {
  it('event time: an empty window is not output (a window exists only when it holds records)', () => checkParity({
    spark: 'WindowOperationsSuite: countByWindow (event time)',
    name: 'counts per 1 s event-time window; the window with no record gives no row',
    args: ['--event-time', 'l => Number(l)', '--count', '--window', '1'],
    batches: [['100', '900'], ['2500'], ['3100']],
    // Watermark = max event time: [0, 1 s) closes after batch 2, [2 s, 3 s) after batch 3, [3 s, 4 s) at end of input.
    expected: [[], [2], [1], [1]],
  }));

  it('keys whose window holds no record are not output (no (key, 0) rows)', () => checkParity({
    spark: 'WindowOperationsSuite: reduceByKeyAndWindow with inverse function - key removed from window',
    name: 'Spark\'s inverse variant without a filter shows (p, 0) in the fourth batch; dstream shows nothing',
    args: ['--map', 'l => [l, 1]', '--reduce-by-key', 'sum', '--window', '2'],
    batches: [['p'], ['p'], [], []],
    expected: [[['p', 1]], [['p', 2]], [['p', 1]], []],
  }));
});
