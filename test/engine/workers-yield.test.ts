/**
 * `--workers auto` on a machine that gives the job no second core (engine/workers-yield.ts,
 * engine/segments.ts): a thread that yields gives the unread rest of its segment up at a line end,
 * the next steal takes it whole (never after the main thread closed the table: nobody would read
 * it), and any interleaving still reads every byte of the file once
 * (property, lines of 10 bytes); the watch asks for a yield only below 1.3 cores, once, after
 * its window (fake clocks).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SegmentTable } from '../../src/engine/segments.js';
import { MIN_CORES, SecondCoreWatch, WATCH_FROM_MS, WATCH_MS } from '../../src/engine/workers-yield.js';
import { expectReadOnce, linesFile } from '../helpers/lines-file.js';

const { fd, size: SIZE, halves } = linesFile();

describe('SegmentTable: a yielding thread gives its rest up', () => {
  it('cuts at the line end after what was claimed; the next steal takes the rest whole', () => {
    const t = SegmentTable.create(halves());
    const [, [mid]] = halves();
    expect(t.yieldRequested).toBe(false);
    t.requestYield();
    expect(t.yieldRequested).toBe(true);
    t.claim(1, 15); // mid-line
    t.yieldRest(1, fd);
    expect(t.claim(1, 1 << 20)).toEqual([mid + 15, mid + 20]); // on to the line end
    expect(t.claim(1, 1 << 20)).toBeUndefined();
    expect(t.steal(fd)).toBe(2);
    expect([t.start(2), t.claim(2, SIZE)]).toEqual([mid + 20, [mid + 20, SIZE]]);
    expect(t.ranges()).toEqual([[0, mid], [mid, mid + 20], [mid + 20, SIZE]]);
  });

  it('once the main thread has closed the table (nothing left to take), a yield gives nothing up', () => {
    const t = SegmentTable.create([[0, 20], [20, 40]]);
    expect(t.steal(fd, true)).toBeUndefined(); // too little left to split: closed
    t.claim(1, 5);
    t.yieldRest(1, fd);
    expect(t.ranges()).toEqual([[0, 20], [20, 40]]);
    expect(t.claim(1, 100)).toEqual([25, 40]);
  });

  it('any interleaving of claims, steals and yields reads every byte once (property)', () => {
    const op = fc.oneof(
      fc.tuple(fc.constant('claim' as const), fc.nat(7), fc.integer({ min: 1, max: 3 << 20 })),
      fc.tuple(fc.constant('steal' as const), fc.constant(0), fc.constant(0)),
      fc.tuple(fc.constant('yield' as const), fc.nat(7), fc.constant(0)),
      fc.tuple(fc.constant('close' as const), fc.constant(0), fc.constant(0)),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const t = SegmentTable.create(halves());
        const read: [number, number][] = [];
        let segments = 2;
        const count = () => t.ranges().length;
        for (const [kind, who, bytes] of ops) {
          if (kind === 'steal' || kind === 'close') t.steal(fd, kind === 'close');
          else if (kind === 'yield') t.yieldRest(who % segments, fd);
          else {
            const b = t.claim(who % segments, bytes);
            if (b) read.push(b);
          }
          segments = count();
        }
        expectReadOnce(t, segments, read, SIZE);
      }),
      { numRuns: 200 },
    );
  });
});

describe('SecondCoreWatch', () => {
  /** Runs the watch with the process using `cores` cores from the start; returns the wall time (ms) of each check and the answer. */
  function watch(cores: number, atOnce = false): { asked: boolean; checks: [number, boolean][] } {
    let now = 0;
    const t = SegmentTable.create([[0, 10]]);
    const w = new SecondCoreWatch(t, { nowMs: () => now, cpuMs: () => now * cores }, atOnce);
    const checks: [number, boolean][] = [];
    for (; now <= 1000; now += 50) checks.push([now, w.check()]);
    return { asked: t.yieldRequested, checks: checks.filter(([, y]) => y) };
  }
  it('asks the threads to yield below MIN_CORES, once the window has passed, and only once', () => {
    expect(watch(MIN_CORES - 0.1)).toEqual({ asked: true, checks: [[WATCH_FROM_MS + WATCH_MS, true]] });
    expect(watch(1)).toEqual({ asked: true, checks: [[WATCH_FROM_MS + WATCH_MS, true]] });
  });
  it('keeps the threads when the job gets a second core', () => {
    expect(watch(MIN_CORES + 0.1)).toEqual({ asked: false, checks: [] });
    expect(watch(2)).toEqual({ asked: false, checks: [] });
  });
  it('yields at the first check under DSTREAM_FAULT=workers-yield', () => {
    expect(watch(2, true)).toEqual({ asked: true, checks: [[0, true]] });
  });
});
