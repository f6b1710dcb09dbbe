import { describe, expect, it } from 'vitest';
import { runBatches } from '../helpers/batches.js';

type Ev = { t: number; k: string };
const ev = (t: number, k = 'a'): Ev => ({ t, k });

describe('event-time windows', () => {
  it('emits a tumbling window once, when the watermark passes its end, in window order', () => {
    const { outputs, ssc } = runBatches(
      [[ev(1), ev(12)], [ev(5), ev(25)], [ev(31)]],
      (s) => s.eventTime((e) => e.t).map((e) => e.k).countByValueAndWindow(10),
      { endInput: true },
    );
    expect(outputs).toEqual([
      // batch 1: watermark 12 closes [0,10)
      { timeMs: 1000, window: { startMs: 0, endMs: 10, eventTime: true }, records: [['a', 1]] },
      // batch 2: ev(5) is late (window [0,10) was emitted); watermark 25 closes [10,20)
      { timeMs: 2000, window: { startMs: 10, endMs: 20, eventTime: true }, records: [['a', 1]] },
      // batch 3: watermark 31 closes [20,30)
      { timeMs: 3000, window: { startMs: 20, endMs: 30, eventTime: true }, records: [['a', 1]] },
      // end of input: watermark +∞
      { timeMs: 4000, window: { startMs: 30, endMs: 40, eventTime: true }, records: [['a', 1]] },
    ]);
    expect(ssc.issues.counts.late).toBe(1);
  });

  it('a watermark delay keeps windows open for out-of-order records', () => {
    const { outputs, ssc } = runBatches(
      [[ev(1), ev(12)], [ev(5), ev(25)], [ev(31)]],
      (s) => s.eventTime((e) => e.t, { watermarkDelayMs: 10 }).countByWindow(10),
      { endInput: true },
    );
    expect(outputs.map((o) => [o.timeMs, o.window!.startMs, o.records])).toEqual([
      [2000, 0, [2]],
      [3000, 10, [1]],
      [4000, 20, [1]],
      [4000, 30, [1]],
    ]);
    expect(ssc.issues.counts.late).toBe(0);
  });

  it('sliding windows [k·slide, k·slide + length) hold every record they cover; empty windows are skipped', () => {
    const { outputs } = runBatches(
      [[ev(0, 'x'), ev(4, 'y'), ev(7, 'x'), ev(100, 'z')]],
      (s) => s.eventTime((e) => e.t).map((e) => [e.k, e.t] as [string, number]).reduceByKeyAndWindow('max', 6, 3),
      { endInput: true },
    );
    expect(outputs.map((o) => [o.window!.startMs, o.window!.endMs, o.records])).toEqual([
      [-3, 3, [['x', 0]]],
      [0, 6, [['x', 0], ['y', 4]]],
      // keys in the order they entered the window state ('x' stays from pane 0)
      [3, 9, [['x', 7], ['y', 4]]],
      [6, 12, [['x', 7]]],
      [96, 102, [['z', 100]]],
      [99, 105, [['z', 100]]],
    ]);
  });

  it('records made from a record keep its event time (flatMap after eventTime)', () => {
    const { outputs } = runBatches(
      [[{ t: 3, tags: ['#a', '#b'] }, { t: 14, tags: ['#a'] }]],
      (s) => s.eventTime((x) => x.t).flatMap((x) => x.tags).countByValueAndWindow(10),
      { endInput: true },
    );
    expect(outputs.map((o) => [o.window!.startMs, o.records])).toEqual([
      [0, [['#a', 1], ['#b', 1]]],
      [10, [['#a', 1]]],
    ]);
  });

  it('an invalid event time is a bad record, counted', () => {
    const { outputs, ssc } = runBatches(
      [[{ t: 'not a time' }, { t: '1970-01-01T00:00:00.005Z' }]],
      (s) => s.eventTime((x) => x.t).countByWindow(10),
      { endInput: true },
    );
    expect(outputs.map((o) => o.records)).toEqual([[1]]);
    expect(ssc.issues.counts['bad-event-time']).toBe(1);
  });
});
