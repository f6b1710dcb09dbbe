/**
 * Unit tests of distributed mode's pure parts: log URLs, fair shares, the
 * minimum watermark, key routing and packing, per-record lateness.
 */
import { describe, expect, it } from 'vitest';
import { parseLogUrl, isLogUrl } from '../../src/distributed/log-url.js';
import { fairShare } from '../../src/distributed/redis/assign.js';
import { minWatermark, type SourceProgress } from '../../src/distributed/key-panes.js';
import { keyPartition, packByKeyPartition, unpackPartials, packRows, unpackRows, fnv1a } from '../../src/distributed/partials.js';
import { compareOffsets as compareIds } from '../../src/distributed/log-backend.js';
import { numText, textNum } from '../../src/distributed/redis/codec.js';
import { MapSideCombiner } from '../../src/engine/map-side-combine.js';
import { lastWindowEndAtOrBefore } from '../../src/windows/spec.js';
import { GLOBAL_KEY } from '../../src/operators/keyed-map.js';
import { distributedPlan } from '../../src/distributed/plan.js';

describe('log URLs', () => {
  it('parses host, port, name and group', () => {
    expect(parseLogUrl('redis://10.0.0.5:6380/web?group=web-counts', '--from', true)).toMatchObject({
      host: '10.0.0.5', port: 6380, name: 'web', group: 'web-counts',
    });
    expect(parseLogUrl('redis://localhost/out', '--to', false)).toMatchObject({ host: 'localhost', port: 6379, name: 'out', group: undefined });
    expect(isLogUrl('redis://h/x')).toBe(true);
    expect(isLogUrl('/var/log/x')).toBe(false);
  });
  it('refuses what it cannot use, with the fix', () => {
    expect(() => parseLogUrl('redis://h:1/web', '--from', true)).toThrow("--from: 'redis://h:1/web' needs a job name: redis://h:1/web?group=JOB");
    expect(() => parseLogUrl('nats://h:1/web?group=g', '--from', true)).toThrow("'nats://' logs are not supported");
    expect(parseLogUrl('kafka://h:1,k/web?group=g', '--from', true)).toMatchObject({ scheme: 'kafka', brokers: ['h:1', 'k:9092'], name: 'web', group: 'g' });
    expect(() => parseLogUrl('redis://h:1/', '--to', false)).toThrow('needs a stream name');
    expect(() => parseLogUrl('redis://h:1/x?group=g', '--to', false)).toThrow('takes no ?group=');
    expect(() => parseLogUrl('redis://h:1/x?grp=g', '--from', true)).toThrow("unknown URL parameter 'grp'");
  });
});

describe('fair share', () => {
  it('gives every unit to exactly one member, evenly', () => {
    for (let units = 1; units <= 20; units++) {
      for (let members = 1; members <= 7; members++) {
        const shares = Array.from({ length: members }, (_, r) => fairShare(units, members, r));
        expect(shares.reduce((a, b) => a + b)).toBe(units);
        expect(Math.max(...shares) - Math.min(...shares)).toBeLessThanOrEqual(1);
      }
    }
    expect(fairShare(16, 3, 0)).toBe(6);
    expect(fairShare(16, 3, 2)).toBe(5);
  });
});

describe('minimum watermark over input partitions', () => {
  const s = (watermarkMs: number, extra: Partial<SourceProgress> = {}): SourceProgress => ({ seq: 1, watermarkMs, eof: false, idle: false, ...extra });
  it('waits for every partition, ignores ended and idle ones', () => {
    expect(minWatermark(new Map([[0, s(10)]]), 2)).toBe(-Infinity);
    expect(minWatermark(new Map([[0, s(10)], [1, s(7)]]), 2)).toBe(7);
    expect(minWatermark(new Map([[0, s(10)], [1, s(7, { eof: true })]]), 2)).toBe(10);
    expect(minWatermark(new Map([[0, s(10)], [1, s(7, { idle: true })]]), 2)).toBe(10);
    expect(minWatermark(new Map([[0, s(10, { eof: true })], [1, s(7, { idle: true })]]), 2)).toBe(Infinity);
    expect(minWatermark(new Map([[0, s(10, { idle: true })], [1, s(7, { idle: true })]]), 2)).toBe(10);
    expect(minWatermark(new Map([[0, s(1, { eof: true })], [1, s(2, { eof: true })]]), 2)).toBe(Infinity);
  });
});

describe('routing and packing', () => {
  it('routes a key to the same partition everywhere (FNV-1a)', () => {
    expect(fnv1a('')).toBe(0x811c9dc5);
    expect(fnv1a('a')).toBe(0xe40c292c);
    expect(keyPartition('200', 16)).toBe(fnv1a('200') % 16);
    expect(keyPartition(['a', 1], 8)).toBe(keyPartition(['a', 1], 8));
    expect(keyPartition('x', 1)).toBe(0);
  });
  it('packs partials per key partition and back, values the codec keeps included', () => {
    const parts = packByKeyPartition([[3, [['200', 5], ['404', Infinity], ['\u0000global', 2]]]], 4);
    expect(parts).toHaveLength(4);
    const back = parts.flatMap((p) => unpackPartials(p));
    const entries = back.flatMap(([pane, es]) => es.map(([k, v]) => [pane, k, v]));
    expect(entries).toEqual(expect.arrayContaining([[3, '200', 5], [3, '404', Infinity], [3, GLOBAL_KEY, 2]]));
    expect(entries).toHaveLength(3);
  });
  it('packs output rows', () => {
    const { packs, rows } = packRows([{ startMs: 0, endMs: 300000, records: [['200', 3], ['404', 1]] }]);
    expect(rows).toBe(2);
    expect(unpackRows(packs[0]!)).toEqual([{ startMs: 0, endMs: 300000, record: ['200', 3] }, { startMs: 0, endMs: 300000, record: ['404', 1] }]);
  });
  it('compares stream ids and stores infinities', () => {
    expect(compareIds('10-2', '9-5')).toBe(1);
    expect(compareIds('10-2', '10-10')).toBe(-1);
    expect(compareIds('7-0', '7-0')).toBe(0);
    expect(textNum(numText(-Infinity), 0)).toBe(-Infinity);
    expect(textNum(numText(Infinity), 0)).toBe(Infinity);
    expect(textNum(numText(1234), 0)).toBe(1234);
  });
});

describe('per-record lateness in stage 1', () => {
  const make = () => new MapSideCombiner({
    prefix: [{ op: 'event-time', source: 'l => Number(l.split(" ")[0])' }, { op: 'map', source: 'l => l.split(" ")[1]' }],
    aggregation: { op: 'count-by-value' }, paneMs: 10, watermarkDelayMs: 5, onError: 'skip',
    lateness: { lengthMs: 10, slideMs: 10, watermarkDelayMs: 5, allowedLatenessMs: 0, floorMs: -Infinity },
  });
  const lines = ['1 a', '12 b', '16 c', '3 d', '14 e', '25 f', '9 g', '19 h', '21 i'];
  it('is decided against the running maximum before each record, whatever the batch cuts', () => {
    const whole = make();
    const late: unknown[] = [];
    whole.issues.listen((i) => late.push(i.value));
    for (const l of lines) whole.line(l);
    // max 16 → watermark 11 → window [0,10) closed: 3 and 9 are late; max 25 → watermark 20 → [10,20) closed: 19 late.
    expect(late).toEqual(['d', 'g', 'h']);
    const cut = make();
    const late2: unknown[] = [];
    cut.issues.listen((i) => late2.push(i.value));
    lines.forEach((l, i) => {
      cut.line(l);
      if (i % 2) cut.take();
    });
    expect(late2).toEqual(late);
    expect(lastWindowEndAtOrBefore(11, 10, 10)).toBe(10);
    expect(lastWindowEndAtOrBefore(9, 10, 5)).toBe(5);
  });
  it('a recorded floor makes earlier records late after a restart', () => {
    const c = make();
    c.resume(16, 20);
    const late: unknown[] = [];
    c.issues.listen((i) => late.push(i.value));
    c.line('19 x');
    c.line('20 y');
    expect(late).toEqual(['x']);
    expect(c.take()).toEqual([[2, [['y', 1]]]]);
  });
});

describe('pipelines distributed mode runs', () => {
  it('needs event time, one combinable aggregation and a window', () => {
    const et = { op: 'event-time' as const, source: 'l => l' };
    const win = { op: 'window' as const, lengthMs: 1000, text: '1s' };
    expect(distributedPlan([et, { op: 'count-by-value' }, win]).aggregation).toEqual({ op: 'count-by-value' });
    expect(() => distributedPlan([{ op: 'count-by-value' }, win])).toThrow('(--event-time is missing: ');
    expect(() => distributedPlan([et, { op: 'count-by-value' }])).toThrow('(no --window after --count-by-value)');
    expect(distributedPlan([et, { op: 'count-by-value' }, win, { op: 'top', n: 3 }]).top).toBe(3);
    expect(distributedPlan([et, { op: 'filter', source: 'l => l' }]).aggregation).toBeUndefined();
    expect(() => distributedPlan([et, { op: 'update-state-by-key', source: '(vs, s) => s' }, win]))
      .toThrow('distributed mode: --update-state-by-key must be the last operator');
    expect(distributedPlan([et, { op: 'update-state-by-key', source: '(vs, s) => s' }]).updateState).toBe('(vs, s) => s');
    expect(() => distributedPlan([{ op: 'map-with-state', source: '(k, v, s) => v' }])).toThrow('distributed mode: --map-with-state is not supported');
    expect(() => distributedPlan([et, { op: 'count-by-value' }, win, { op: 'top', n: 3 }, { op: 'filter', source: 'r => r' }]))
      .toThrow("(--filter after the --top is not supported: a window's rows are spread over key partitions and only dstream cat sees them together)");
  });
});
