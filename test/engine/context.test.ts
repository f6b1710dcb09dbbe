import { describe, expect, it } from 'vitest';
import { runBatches } from '../helpers/batches.js';
import { ManualClock } from '../../src/core/clock.js';
import { StreamingContext } from '../../src/engine/context.js';
import { MemoryOutput } from '../../src/sinks/output.js';

describe('StreamingContext batches', () => {
  it('runs one batch per batch interval at epoch-aligned batch times', () => {
    const { outputs } = runBatches([[1, 2], [3], []], (s) => s.map((x) => x * 10));
    expect(outputs).toEqual([
      { timeMs: 1000, records: [10, 20] },
      { timeMs: 2000, records: [30] },
      { timeMs: 3000, records: [] },
    ]);
  });

  it('fuses map, flatMap and filter and keeps per-batch aggregations apart', () => {
    const { outputs } = runBatches(
      [['a b', 'b c'], ['c c']],
      (s) => s.flatMap((l) => l.split(' ')).filter((w) => w !== 'a').map((w) => [w, 1] as [string, number]).reduceByKey('sum'),
    );
    expect(outputs.map((o) => o.records)).toEqual([[['b', 2], ['c', 1]], [['c', 2]]]);
  });

  it('count gives 0 for an empty batch, countByValue nothing, reduce nothing', () => {
    const { outputs: c } = runBatches([[5, 6], []], (s) => s.count());
    expect(c.map((o) => o.records)).toEqual([[2], [0]]);
    const { outputs: v } = runBatches([[5, 5, 6], []], (s) => s.countByValue());
    expect(v.map((o) => o.records)).toEqual([[[5, 2], [6, 1]], []]);
    const { outputs: r } = runBatches([[5, 6], []], (s) => s.reduce((a, b) => a * b));
    expect(r.map((o) => o.records)).toEqual([[30], []]);
  });

  it('window(2s, 1s) holds the last two batches (Spark WindowOperationsSuite "basic window")', () => {
    const { outputs } = runBatches([[1], [2], [3], [4], [5], [6]], (s) => s.window(2000, 1000));
    expect(outputs.map((o) => o.records)).toEqual([[1], [1, 2], [2, 3], [3, 4], [4, 5], [5, 6]]);
    expect(outputs[2]!.window).toEqual({ startMs: 1000, endMs: 3000, eventTime: false });
  });

  it('window(3s, 2s) is emitted at multiples of the slide interval only', () => {
    const { outputs } = runBatches([[1], [2], [3], [4], [5], [6]], (s) => s.window(3000, 2000));
    expect(outputs).toEqual([
      { timeMs: 2000, window: { startMs: -1000, endMs: 2000, eventTime: false }, records: [1, 2] },
      { timeMs: 4000, window: { startMs: 1000, endMs: 4000, eventTime: false }, records: [2, 3, 4] },
      { timeMs: 6000, window: { startMs: 3000, endMs: 6000, eventTime: false }, records: [4, 5, 6] },
    ]);
  });

  it('reduceByKeyAndWindow with and without inverse function agree, and keys leave the window', () => {
    const input = [[['a', 1], ['b', 1]], [['a', 1]], [], [], [['b', 5]]] as [string, number][][];
    const plain = runBatches(input, (s) => s.reduceByKeyAndWindow('sum', 2000, 1000)).outputs.map((o) => o.records);
    const inv = runBatches(input, (s) =>
      s.reduceByKeyAndWindow((a, b) => a + b, 2000, 1000, { invFn: (a, b) => a - b, filterFn: ([, v]) => v !== 0 }),
    ).outputs.map((o) => o.records);
    expect(plain).toEqual([[['a', 1], ['b', 1]], [['a', 2], ['b', 1]], [['a', 1]], [], [['b', 5]]]);
    expect(inv).toEqual(plain);
  });

  it('window() followed by an aggregation equals the windowed aggregation', () => {
    const input = [['x', 'y'], ['x'], ['y', 'y'], ['z']];
    const a = runBatches(input, (s) => s.window(2000, 1000).countByValue()).outputs;
    const b = runBatches(input, (s) => s.countByValueAndWindow(2000, 1000)).outputs;
    expect(a).toEqual(b);
    expect(a.map((o) => o.records)).toEqual([[['x', 1], ['y', 1]], [['x', 2], ['y', 1]], [['x', 1], ['y', 2]], [['y', 2], ['z', 1]]]);
  });

  it('countByWindow counts 0 for an empty processing-time window', () => {
    const { outputs } = runBatches([[1], [], [], []], (s) => s.countByWindow(2000, 1000));
    expect(outputs.map((o) => o.records)).toEqual([[1], [1], [0], [0]]);
  });

  it('top(n) ranks by value, ties by key ascending, per batch and per window', () => {
    const { outputs } = runBatches([['b', 'a', 'c', 'a', 'b', 'd']], (s) => s.countByValue().top(3));
    expect(outputs[0]!.records).toEqual([['a', 2], ['b', 2], ['c', 1]]);
    const w = runBatches([[3, 1], [2, 9]], (s) => s.window(2000, 1000).top(2)).outputs;
    expect(w.map((o) => o.records)).toEqual([[3, 1], [9, 3]]);
  });

  it('union merges streams batch by batch; transform sees whole batches', () => {
    const clock = new ManualClock(0);
    const ssc = new StreamingContext({ batchIntervalMs: 1000, clock });
    const a = ssc.queueStream([[1, 2], [3]]);
    const b = ssc.queueStream([[10], [20, 30]]);
    const seen: unknown[][] = [];
    a.union(b).transform((xs) => [xs.reduce((p, q) => p + q, 0)]).foreachBatch((r) => seen.push(r));
    ssc.start();
    clock.advance(2000);
    expect(seen).toEqual([[13], [53]]);
  });

  it('print() writes Spark\'s frame', () => {
    const clock = new ManualClock(0);
    const output = new MemoryOutput();
    const ssc = new StreamingContext({ batchIntervalMs: 1000, clock, output });
    ssc.queueStream([[['a', 1], 'b', 3, { x: 1 }], []]).print(3);
    ssc.start();
    clock.advance(2000);
    const rule = '-'.repeat(43);
    expect(output.text).toBe(`${rule}\nTime: 1000 ms\n${rule}\n(a,1)\nb\n3\n...\n\n${rule}\nTime: 2000 ms\n${rule}\n\n`);
  });

  it('graceful stop runs the batch being received as the final one; a stopped context does not run batches', async () => {
    const clock = new ManualClock(0);
    const ssc = new StreamingContext({ batchIntervalMs: 1000, clock });
    const seen: unknown[] = [];
    ssc.queueStream([[1], [2]]).count().foreachBatch((r, c) => seen.push([c.timeMs, ...r]));
    ssc.start();
    clock.advance(1000);
    ssc.stop({ graceful: true });
    await ssc.awaitTermination();
    clock.advance(5000);
    expect(seen).toEqual([[1000, 1], [2000, 0]]);
    expect(ssc.state).toBe('stopped');
  });

  it('refuses to start without an output operation, and invalid windows at build time', () => {
    const ssc = new StreamingContext({ batchIntervalMs: 10_000, clock: new ManualClock() });
    const s = ssc.queueStream<number>([]);
    expect(() => s.window(25_000)).toThrow('window length 25s is not a multiple of the batch interval 10s; use 20s or 30s');
    expect(() => s.window(60_000, 15_000)).toThrow('slide interval 15s is not a multiple of the batch interval 10s; use 10s or 20s');
    expect(() => s.window(10_000, 20_000)).not.toThrow(); // a sampling window (slide > length) is accepted
    expect(() => ssc.start()).toThrow('no output operation registered');
  });

  it('a throwing user function skips and counts the record, or fails the job with policy fail', async () => {
    const { outputs, ssc } = runBatches([[1, 0, 2]], (s) => s.map((x) => { if (x === 0) throw new Error('zero'); return 10 / x; }));
    expect(outputs[0]!.records).toEqual([10, 5]);
    expect(ssc.issues.counts['user-error']).toBe(1);

    const clock = new ManualClock(0);
    const strict = new StreamingContext({ batchIntervalMs: 1000, clock, onError: 'fail' });
    strict.queueStream([[1, 0]]).map((x: number) => { if (x === 0) throw new Error('zero'); return x; }, 'map#1').foreachBatch(() => {});
    strict.start();
    clock.advance(1000);
    await expect(strict.awaitTermination()).rejects.toThrow('map#1 failed');
  });
});
