import { describe, expect, it } from 'vitest';
import { runBatches } from '../helpers/batches.js';

type Ev = { t: number; k: string };
const ev = (t: number, k = 'a'): Ev => ({ t, k });
const rows = (outputs: { window?: { startMs: number }; records: unknown[] }[]) => outputs.map((o) => [o.window?.startMs, o.records]);

describe('output modes of event-time windows', () => {
  const input = [[ev(1), ev(2, 'b')], [ev(3), ev(12)], [ev(25)]];
  const build = (mode: 'append' | 'update' | 'complete', allowedLatenessMs = 0) => (s: any) =>
    s.eventTime((e: Ev) => e.t, { watermarkDelayMs: 5 }).map((e: Ev) => e.k).countByValueAndWindow(10, undefined, { outputMode: mode, allowedLatenessMs });

  it('append: each window once, when the watermark passes its end', () => {
    expect(rows(runBatches(input, build('append'), { endInput: true }).outputs)).toEqual([
      [0, [['a', 2], ['b', 1]]], // watermark 25 − 5 = 20 closes [0, 10) and [10, 20)
      [10, [['a', 1]]],
      [20, [['a', 1]]],
    ]);
  });

  it('update: every batch, the rows of open windows that changed', () => {
    expect(rows(runBatches(input, build('update'), { endInput: true }).outputs)).toEqual([
      [0, [['a', 1], ['b', 1]]],
      [0, [['a', 2]]],
      [10, [['a', 1]]],
      [20, [['a', 1]]],
    ]);
  });

  it('complete: every batch, every window', () => {
    expect(rows(runBatches(input, build('complete'), { endInput: true }).outputs)).toEqual([
      [0, [['a', 1], ['b', 1]]],
      [0, [['a', 2], ['b', 1]]],
      [10, [['a', 1]]],
      [0, [['a', 2], ['b', 1]]],
      [10, [['a', 1]]],
      [20, [['a', 1]]],
      [0, [['a', 2], ['b', 1]]],
      [10, [['a', 1]]],
      [20, [['a', 1]]],
    ]);
  });

  it('allowed lateness keeps a window open: a late-ish record updates it (update mode)', () => {
    const late = [[ev(1)], [ev(30)], [ev(5)]];
    const b = (lat: number) => (s: any) => s.eventTime((e: Ev) => e.t).map((e: Ev) => e.k).countByValueAndWindow(10, undefined, { outputMode: 'update', allowedLatenessMs: lat });
    const withLateness = runBatches(late, b(25), { endInput: true });
    expect(rows(withLateness.outputs)).toEqual([[0, [['a', 1]]], [30, [['a', 1]]], [0, [['a', 2]]]]);
    const without = runBatches(late, b(0), { endInput: true });
    expect(without.ssc.issues.counts.late).toBe(1);
  });

  it('processing-time windows: update outputs keys whose value changed; append is refused', () => {
    const { outputs } = runBatches([['x', 'y'], ['x'], ['y']], (s) => s.countByValueAndWindow(2000, 1000, { outputMode: 'update' }));
    expect(outputs.map((o) => o.records)).toEqual([[['x', 1], ['y', 1]], [['x', 2]], [['x', 1]]]);
    expect(() => runBatches([], (s) => s.countByValueAndWindow(2000, 1000, { outputMode: 'append' }))).toThrow(
      'never final; add --event-time, or use --output-mode complete or update',
    );
  });
});

describe('session windows', () => {
  it('per key, events closer than the gap form one session, emitted when the watermark passes last + gap', () => {
    const { outputs } = runBatches(
      [[ev(0, 'a'), ev(4, 'a'), ev(1, 'b')], [ev(20, 'a')], [ev(9, 'b'), ev(40, 'a')]],
      (s) => s.eventTime((e: Ev) => e.t, { watermarkDelayMs: 15 }).map((e: Ev) => [e.k, 1] as [string, number]).sessionWindow(5).reduceByKey('sum'),
      { endInput: true },
    );
    expect(outputs.map((o) => [o.window!.startMs, o.window!.endMs, o.records])).toEqual([
      [0, 9, [['a', 2]]], // closed by watermark 40 − 15 = 25
      [1, 6, [['b', 1]]],
      [9, 14, [['b', 1]]],
      [20, 25, [['a', 1]]],
      [40, 45, [['a', 1]]],
    ]);
  });

  it('an event within the gap of two sessions merges them', () => {
    const { outputs } = runBatches(
      [[ev(0), ev(10), ev(5)]],
      (s) => s.eventTime((e: Ev) => e.t, { watermarkDelayMs: 100 }).map((e: Ev) => e.k).sessionWindow(6).countByValue(),
      { endInput: true },
    );
    expect(outputs.map((o) => [o.window!.startMs, o.window!.endMs, o.records])).toEqual([[0, 16, [['a', 3]]]]);
  });

  it('needs event time and an aggregation', () => {
    expect(() => runBatches([], (s) => s.sessionWindow(5))).toThrow('sessionWindow needs --event-time');
    expect(() => runBatches([], (s) => s.eventTime((x: number) => x).sessionWindow(5).top(3))).toThrow('sessionWindow needs an aggregation after it');
  });
});
