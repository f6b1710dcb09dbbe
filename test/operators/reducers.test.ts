import { describe, expect, it } from 'vitest';
import { runBatches } from '../helpers/batches.js';

type P = [string, unknown];
const input: P[][] = [[['a', 2], ['a', 4], ['b', 'x'], ['b', 'y'], ['b', 'x']], [['a', 6]]];

describe('built-in reducers', () => {
  it('avg and distinct, per batch and over a window', () => {
    // 'x' and 'y' are not numbers: bad records, never averaged (issue 14; they used to give NaN).
    expect(runBatches<P>(input, (s) => s.reduceByKey('avg' as any)).outputs[0]!.records).toEqual([['a', 3]]);
    expect(runBatches<P>(input, (s) => s.reduceByKey('distinct')).outputs[0]!.records).toEqual([['a', 2], ['b', 2]]);
    const w = runBatches<P>(input, (s) => s.reduceByKeyAndWindow('avg' as any, 2000, 1000)).outputs;
    expect(w[1]!.records).toEqual([['a', 4]]);
  });
  it('approx-distinct is exact up to 5,000 values and within 10 % above (HyperLogLog)', () => {
    const run = (n: number, distinct: number) => {
      const many: P[][] = [Array.from({ length: n }, (_, i) => ['k', `v${(i * 7919) % distinct}`] as P)];
      return (runBatches<P>(many, (s) => s.reduceByKey('approx-distinct')).outputs[0]!.records as [string, number][])[0]![1];
    };
    expect(run(5000, 2000)).toBe(2000);
    expect(Math.abs(run(60_000, 50_000) - 50_000) / 50_000).toBeLessThan(0.1);
  });
  it('topk:N gives the most frequent values with counts', () => {
    const vals: P[][] = [['x', 'x', 'x', 'y', 'y', 'z'].map((v) => ['k', v] as P)];
    expect(runBatches<P>(vals, (s) => s.reduceByKey('topk:2')).outputs[0]!.records).toEqual([['k', [['x', 3], ['y', 2]]]]);
  });
});
