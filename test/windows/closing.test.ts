/**
 * The closing rule (src/windows/closing.ts): a window [start, end) closes when
 * end + allowed lateness ≤ watermark; a record before the end of the last
 * closed window is late. Exact boundaries, then the same rule seen through
 * each of its four users.
 */
import { describe, expect, it } from 'vitest';
import { IssueLog, type Issue } from '../../src/core/issues.js';
import { TimeZone } from '../../src/core/time-zone.js';
import { KeyedReducer } from '../../src/operators/keyed-map.js';
import { MapSideCombiner } from '../../src/engine/map-side-combine.js';
import { PaneTable } from '../../src/distributed/pane-table.js';
import { lastClosingWindowEndMs, paneStillNeeded, windowCloses, WindowClosing } from '../../src/windows/closing.js';
import { windowSpec } from '../../src/windows/spec.js';
import { runBatches } from '../helpers/batches.js';

const HOUR = 3_600_000;

describe('windowCloses: end + allowed lateness ≤ watermark', () => {
  it('closes [0, 10) at watermark 10, not 9', () => {
    expect(windowCloses(10, 9, 0)).toBe(false);
    expect(windowCloses(10, 10, 0)).toBe(true);
    expect(windowCloses(10, 11, 0)).toBe(true);
  });
  it('allowed lateness 5 moves the close to watermark 15, not 14', () => {
    expect(windowCloses(10, 14, 5)).toBe(false);
    expect(windowCloses(10, 15, 5)).toBe(true);
  });
  it('−∞ closes nothing; +∞ (end of input) closes every window', () => {
    expect(windowCloses(-1e15, -Infinity, 0)).toBe(false);
    expect(windowCloses(1e15, Infinity, 1e9)).toBe(true);
  });
});

describe('lastClosingWindowEndMs: the last window of the grid that a watermark closes', () => {
  const tumbling = { lengthMs: 10, slideMs: 10 };
  const sliding = { lengthMs: 10, slideMs: 5 };
  it('tumbling windows at watermark 0, length − 1, length', () => {
    expect(lastClosingWindowEndMs(tumbling, 0, 0)).toBe(0);
    expect(lastClosingWindowEndMs(tumbling, 9, 0)).toBe(0);
    expect(lastClosingWindowEndMs(tumbling, 10, 0)).toBe(10);
    expect(lastClosingWindowEndMs(tumbling, 19, 0)).toBe(10);
    expect(lastClosingWindowEndMs(tumbling, -1, 0)).toBe(-10);
  });
  it('sliding windows end every slide interval', () => {
    expect(lastClosingWindowEndMs(sliding, 9, 0)).toBe(5);
    expect(lastClosingWindowEndMs(sliding, 10, 0)).toBe(10);
    expect(lastClosingWindowEndMs(sliding, 14, 0)).toBe(10);
  });
  it('allowed lateness holds the close back', () => {
    expect(lastClosingWindowEndMs(tumbling, 14, 5)).toBe(0);
    expect(lastClosingWindowEndMs(tumbling, 15, 5)).toBe(10);
  });
  it('a watermark of −∞ closes no window', () => {
    expect(lastClosingWindowEndMs(tumbling, -Infinity, 0)).toBe(-Infinity);
  });
});

describe('paneStillNeeded: while the last window holding the pane is open', () => {
  it('tumbling: a pane before the last closed end is done', () => {
    const g = { lengthMs: 10, slideMs: 10 };
    expect(paneStillNeeded(g, 0, 10)).toBe(false);
    expect(paneStillNeeded(g, 10, 10)).toBe(true);
    expect(paneStillNeeded(g, 0, -Infinity)).toBe(true);
  });
  it('sliding (length 10, slide 5): pane [5, 10) is still needed by [5, 15) after [0, 10) closed', () => {
    const g = { lengthMs: 10, slideMs: 5 };
    expect(paneStillNeeded(g, 0, 10)).toBe(false);
    expect(paneStillNeeded(g, 5, 10)).toBe(true);
    expect(paneStillNeeded(g, 5, 15)).toBe(false);
  });
});

describe('WindowClosing', () => {
  it('keeps the end of the last closed window, only forward', () => {
    const c = new WindowClosing(0);
    expect(c.lastClosedEndMs).toBe(-Infinity);
    expect(c.isLate(-1e15)).toBe(false);
    c.closed(20);
    c.closed(10);
    expect(c.lastClosedEndMs).toBe(20);
    expect(c.isLate(19)).toBe(true);
    expect(c.isLate(20)).toBe(false);
  });
  it('drops a late record out loud: counted as `late` with its event time and the closed end', () => {
    const issues = new IssueLog();
    const seen: Issue[] = [];
    issues.listen((i) => seen.push(i));
    const c = new WindowClosing(5, { issues, label: '--count --window' });
    expect(c.closes(10, 14)).toBe(false);
    expect(c.closes(10, 15)).toBe(true);
    c.closed(10);
    expect(c.dropLate('a', 10)).toBe(false);
    expect(c.dropLate('b', 9)).toBe(true);
    expect(issues.lateRecords).toBe(1);
    expect(seen.map((i) => [i.kind, i.where, i.value, i.eventTimeMs, i.message])).toEqual([
      ['late', '--count --window', 'b', 9, 'event time 1970-01-01T00:00:00.009Z is before 1970-01-01T00:00:00.010Z, the end of a window already closed'],
    ]);
  });
});

describe('session windows close by the same rule', () => {
  type Ev = { t: number; k: string };
  const run = (allowedLatenessMs?: number) =>
    runBatches(
      [[{ t: 1000, k: 'a' }, { t: 2000, k: 'a' }], [{ t: 30_000, k: 'a' }], [{ t: 6000, k: 'a' }]],
      (s) => s.eventTime((e: Ev) => e.t).map((e) => [e.k, 1] as [string, number]).sessionWindow(5000, { allowedLatenessMs }).reduceByKey('sum'),
      { endInput: true },
    );
  it('without allowed lateness [1s, 7s) closes at watermark 30s and t = 6s is late', () => {
    const { outputs, ssc } = run();
    expect(outputs.map((o) => [o.timeMs, o.window!.startMs, o.window!.endMs, o.records])).toEqual([
      [2000, 1000, 7000, [['a', 2]]],
      [4000, 30_000, 35_000, [['a', 1]]],
    ]);
    expect(ssc.issues.lateRecords).toBe(1);
  });
  it('allowed lateness 25s keeps it open (7s + 25s > 30s): t = 6s joins it', () => {
    const { outputs, ssc } = run(25_000);
    expect(outputs.map((o) => [o.timeMs, o.window!.startMs, o.window!.endMs, o.records])).toEqual([
      [4000, 1000, 11_000, [['a', 3]]],
      [4000, 30_000, 35_000, [['a', 1]]],
    ]);
    expect(ssc.issues.lateRecords).toBe(0);
  });
  it('with allowed lateness, events before the previous watermark − allowed lateness are still late', () => {
    const { ssc } = runBatches(
      [[{ t: 30_000, k: 'a' }], [{ t: 4999, k: 'late' }, { t: 5000, k: 'b' }]],
      (s) => s.eventTime((e: Ev) => e.t).map((e) => [e.k, 1] as [string, number]).sessionWindow(5000, { allowedLatenessMs: 25_000 }).reduceByKey('sum'),
      { endInput: true },
    );
    expect(ssc.issues.lateRecords).toBe(1);
  });
});

/** The same boundary through each user: [0, 10) closes at watermark 10; then t = 9 is late and t = 10 is not. */
describe('the four users close [0, 10) at watermark 10 and then refuse t = 9, not t = 10', () => {
  type Ev = { t: number; k: string };
  it('local windows (windowed-node)', () => {
    const { outputs, ssc } = runBatches(
      [[{ t: 0, k: 'a' }, { t: 9, k: 'a' }], [{ t: 10, k: 'b' }], [{ t: 9, k: 'late' }, { t: 10, k: 'c' }]],
      (s) => s.eventTime((e: Ev) => e.t).map((e) => e.k).countByValueAndWindow(10),
      { endInput: true },
    );
    expect(outputs.map((o) => [o.timeMs, o.window!.startMs, o.records])).toEqual([
      [2000, 0, [['a', 2]]],
      [4000, 10, [['b', 1], ['c', 1]]],
    ]);
    expect(ssc.issues.lateRecords).toBe(1);
  });
  it('calendar windows (calendar-node), in hours', () => {
    const UTC = new TimeZone('UTC');
    const { outputs, ssc } = runBatches(
      [[{ t: 0, k: 'a' }, { t: HOUR - 1, k: 'a' }], [{ t: HOUR, k: 'b' }], [{ t: HOUR - 1, k: 'late' }, { t: HOUR, k: 'c' }]],
      (s) => s.eventTime((e: Ev) => e.t, { zone: UTC }).map((e) => e.k).countByValueAndWindow(HOUR),
      { endInput: true },
    );
    expect(outputs.map((o) => [o.timeMs, o.window!.startMs, o.records])).toEqual([
      [2000, 0, [['a', 2]]],
      [4000, HOUR, [['b', 1], ['c', 1]]],
    ]);
    expect(ssc.issues.lateRecords).toBe(1);
  });
  it('distributed stage 1 and --workers (map-side-combine), per record', () => {
    const combiner = new MapSideCombiner({
      prefix: [{ op: 'event-time', source: 'l => Number(l.split(" ")[0])' }, { op: 'map', source: 'l => l.split(" ")[1]' }],
      aggregation: { op: 'count-by-value' }, paneMs: 10, watermarkDelayMs: 0, onError: 'skip',
      lateness: { lengthMs: 10, slideMs: 10, watermarkDelayMs: 0, allowedLatenessMs: 0, floorMs: -Infinity },
    });
    for (const l of ['0 a', '9 a', '10 b', '9 late', '10 c']) combiner.line(l);
    expect(combiner.take()).toEqual([[0, [['a', 2]]], [1, [['b', 1], ['c', 1]]]]);
    expect(combiner.issues.lateRecords).toBe(1);
  });
  it('distributed stage 2 (pane-table)', () => {
    const reducer = new KeyedReducer({ keyMode: 'pair', combine: (a: number, b: number) => a + b, label: 'sum' }, new IssueLog(), false);
    const table = new PaneTable(windowSpec(10, undefined, 1, true), reducer, 0);
    expect(table.add(0, 'a', 2, '1-0')).toBe(true);
    expect(table.close(9)).toEqual([]);
    expect(table.close(10)).toEqual([{ startMs: 0, endMs: 10, records: [['a', 2]] }]);
    expect(table.lastClosedEndMs).toBe(10);
    expect(table.add(0, 'late', 1, '2-0')).toBe(false);
    expect(table.add(1, 'b', 1, '3-0')).toBe(true);
  });
});
