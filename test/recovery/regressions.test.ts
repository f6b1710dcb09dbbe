/** Regressions found by trying to break dstream (each names what went wrong before). */
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { toEventTimeMs } from '../../src/core/event-time.js';
import { CheckpointStore } from '../../src/checkpoint/checkpoint-store.js';
import { StreamingContext } from '../../src/engine/context.js';
import { jsonRecord } from '../../src/sinks/format.js';
import { runBatches } from '../helpers/batches.js';
import { runCli } from '../helpers/run-cli.js';
import type { SourceSink } from '../../src/sources/source.js';

function windowedRun(dir: string, startMs: number, input: number[]): unknown[][] {
  const clock = new ManualClock(startMs);
  const ssc = new StreamingContext({ batchIntervalMs: 1000, clock });
  const store = CheckpointStore.open(dir, { description: { job: 'w' }, fingerprint: 'test' });
  ssc.checkpoint({ store, intervalMs: 1000, outputs: [] });
  const seen: unknown[][] = [];
  // A push source (like stdin without --wal): its records arrive when it starts.
  let sink: SourceSink | null = null;
  ssc.receiverStream<number>({ name: 'push', start: (s) => (sink = s), stop: () => {} })
    .countByWindow(5000, 1000).foreachBatch((r) => seen.push(r));
  ssc.start();
  for (const x of input) sink!.record(x);
  clock.advance(1000);
  ssc.stop({ graceful: true });
  return seen;
}

describe('regressions', () => {
  it('a processing-time window restarted long after its checkpoint counts the new records (they used to vanish)', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'dstream-reg-')), 'ck');
    expect(windowedRun(dir, 0, [1, 2, 3])[0]).toEqual([3]);
    expect(windowedRun(dir, 60_000, [4, 5])[0]).toEqual([2]);
  });

  it('event times outside the Date range are not times (they used to hang the window loop)', () => {
    expect(toEventTimeMs(1e300)).toBeNaN();
    expect(toEventTimeMs(-1e22)).toBeNaN();
    expect(toEventTimeMs(8.64e15)).toBe(8.64e12); // microseconds by magnitude (issue 14)
    const { outputs, ssc } = runBatches([[1e300, 5]], (s) => s.eventTime((x: number) => x).countByWindow(10), { endInput: true });
    expect(outputs.map((o) => o.records)).toEqual([[1]]);
    expect(ssc.issues.counts['bad-event-time']).toBe(1);
  });

  it('years 0000–0099 stay in the first century (Date.UTC moves them to 19xx)', () => {
    expect(new Date(toEventTimeMs('0050-06-01T00:00:00Z')).toISOString()).toBe('0050-06-01T00:00:00.000Z');
    expect(new Date(toEventTimeMs('0000-01-01')).toISOString()).toBe('0000-01-01T00:00:00.000Z');
  });

  it('json output stays valid JSON for cyclic, symbol and function values', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    for (const v of [cyclic, Symbol('s'), () => 1, [cyclic, 1]]) expect(() => JSON.parse(jsonRecord(v, 0))).not.toThrow();
  });

  it('a Promise returned by a function is a skipped record, not {}', () => {
    const { outputs, ssc } = runBatches([[1, 2]], (s) => s.map(async (x: number) => x));
    expect(outputs[0]!.records).toEqual([]);
    expect(ssc.issues.counts['user-error']).toBe(2);
  });

  it('`checkpoint reset` and --checkpoint refuse a directory that is not a checkpoint', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dstream-reg-'));
    mkdirSync(join(dir, 'state'));
    writeFileSync(join(dir, 'state', 'db'), 'important');
    writeFileSync(join(dir, 'metadata.json'), '{}');
    const reset = await runCli(['checkpoint', 'reset', dir]);
    expect(reset.code).toBe(2);
    expect(readdirSync(join(dir, 'state'))).toEqual(['db']);
    const open = await runCli(['--count', '--checkpoint', dir], '');
    expect(open.code).toBe(2);
    expect(open.stderr.split('\n')[0]).toMatch(/is not a dstream checkpoint/);
  });
});
