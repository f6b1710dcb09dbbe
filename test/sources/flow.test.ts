import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { IssueLog } from '../../src/core/issues.js';
import { cutAfterLines, RateLimiter, WritableBackpressure } from '../../src/sources/flow.js';
import { LineReader } from '../../src/sources/line-reader.js';

/** A LineReader over a PassThrough, collecting lines. */
function reader(options: Partial<ConstructorParameters<typeof LineReader>[2]> = {}) {
  const stream = new PassThrough();
  const lines: string[] = [];
  let ended = false;
  let notify = () => {};
  const r = new LineReader(
    stream,
    {
      line: (l) => {
        lines.push(l);
        notify();
      },
      end: () => {
        ended = true;
        notify();
      },
      error: () => {},
      fail: (e) => {
        throw e;
      },
    },
    { where: 'test', issues: new IssueLog(), ...options },
  );
  const until = (test: () => boolean) =>
    new Promise<void>((resolve) => {
      const prev = notify;
      notify = () => {
        prev();
        if (test()) resolve();
      };
      if (test()) resolve();
    });
  r.start();
  return { stream, lines, r, until, isEnded: () => ended };
}

describe('cutAfterLines', () => {
  it('cuts after the n-th LF, or takes the whole chunk when it has fewer', () => {
    const b = Buffer.from('a\nb\nc\nd');
    expect(cutAfterLines(b, 2)).toEqual({ end: 4, lines: 2 });
    expect(cutAfterLines(b, 3)).toEqual({ end: 6, lines: 3 });
    expect(cutAfterLines(b, 10)).toEqual({ end: 7, lines: 3 });
    expect(cutAfterLines(b, 0)).toEqual({ end: 0, lines: 0 });
    expect(cutAfterLines(Buffer.from('abc'), 0)).toEqual({ end: 0, lines: 0 });
  });
});

describe('RateLimiter (Spark receiver maxRate)', () => {
  it('gives a budget per clock second and calls waiters at the next second', () => {
    const clock = new ManualClock(10_500);
    const rate = new RateLimiter(3, clock);
    expect(rate.available()).toBe(3);
    rate.take(3);
    expect(rate.available()).toBe(0);
    let called = 0;
    rate.whenRefilled(() => called++);
    clock.advance(499);
    expect(called).toBe(0);
    clock.advance(1);
    expect(called).toBe(1);
    expect(rate.available()).toBe(3);
  });

  it('with batches cut by the clock: each batch gets its share of N, refilled at the cut, not at the second', () => {
    const clock = new ManualClock(0);
    const rate = new RateLimiter(25, clock, 100);
    const shares: number[] = [];
    for (let batch = 0; batch < 10; batch++) {
      const n = rate.available();
      rate.take(n);
      shares.push(n);
      rate.batchCut();
    }
    expect(shares).toEqual([2, 3, 2, 3, 2, 3, 2, 3, 2, 3]); // 25 in 10 batches of 100 ms
    const perBatch = new RateLimiter(3, clock, 1000);
    perBatch.take(3);
    clock.advance(1000); // the second turns before the batch is cut
    expect(perBatch.available()).toBe(0);
    perBatch.batchCut();
    expect(perBatch.available()).toBe(3);
  });

  it('rejects a budget that is not a positive integer', () => {
    expect(() => new RateLimiter(0, new ManualClock())).toThrow(RangeError);
  });
});

describe('LineReader flow control', () => {
  it('--max-rate: at most N lines per second, the rest held until the clock moves', async () => {
    const clock = new ManualClock(0);
    const t = reader({ rate: new RateLimiter(4, clock) });
    t.stream.write('1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n');
    await t.until(() => t.lines.length === 4);
    expect(t.r.paused).toBe(true);
    clock.advance(1000);
    await t.until(() => t.lines.length === 8);
    clock.advance(1000);
    await t.until(() => t.lines.length === 10);
    expect(t.lines).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
  });

  it('--max-rate with time slicing: each line is counted against the budget once (exactly N per second)', async () => {
    const clock = new ManualClock(0);
    // sliceMs 0: the splitter hands on 64 lines per event-loop turn, as a loaded machine does.
    const t = reader({ rate: new RateLimiter(5_000, clock), sliceMs: 0 });
    t.stream.end(Array.from({ length: 20_000 }, (_, i) => `${i + 1}\n`).join(''));
    // Settled: paused (or ended), and nothing handed on for 5 event-loop turns (a slice moves on every turn).
    const settled = async () => {
      for (let still = 0, n = -1; still < 5; ) {
        await new Promise((r) => setImmediate(r));
        still = t.lines.length === n && (t.r.paused || t.isEnded()) ? still + 1 : 0;
        n = t.lines.length;
      }
    };
    for (let second = 1; second <= 4; second++) {
      await settled();
      expect(t.lines.length).toBe(5_000 * second);
      clock.advance(1000);
    }
    await t.until(() => t.isEnded());
    expect(t.lines).toEqual(Array.from({ length: 20_000 }, (_, i) => String(i + 1)));
  });

  it('--max-rate: lines counted in a batch but handed on after its cut count against the next batch', async () => {
    const clock = new ManualClock(0);
    const rate = new RateLimiter(5_000, clock, 1000);
    const t = reader({ rate, sliceMs: 0 }); // 64 lines per event-loop turn
    t.stream.end(Array.from({ length: 20_000 }, (_, i) => `${i + 1}\n`).join(''));
    await t.until(() => t.lines.length > 0);
    const atCut = t.lines.length; // part of the first 5,000 lines; the rest waits for its time slices
    clock.advance(1000);
    rate.batchCut();
    for (let still = 0, n = -1; still < 5; ) {
      await new Promise((r) => setImmediate(r));
      still = t.lines.length === n && t.r.paused ? still + 1 : 0;
      n = t.lines.length;
    }
    expect(atCut).toBeLessThan(5_000);
    expect(t.lines.length - atCut).toBe(5_000);
  });

  it('--max-rate: the end of the stream waits for held lines, and a last line without newline is kept', async () => {
    const clock = new ManualClock(0);
    const t = reader({ rate: new RateLimiter(2, clock) });
    t.stream.end('a\nb\nc\nlast');
    await t.until(() => t.lines.length === 2);
    expect(t.isEnded()).toBe(false);
    clock.advance(1000);
    await t.until(() => t.isEnded());
    expect(t.lines).toEqual(['a', 'b', 'c', 'last']);
  });

  it('pauses while the output is behind and resumes at its drain', async () => {
    const out = Object.assign(new EventEmitter(), { writableLength: 0 });
    const bp = new WritableBackpressure(out, 100);
    const t = reader({ backpressure: bp });
    out.writableLength = 1000; // the output falls behind
    t.stream.write('x\n');
    await t.until(() => t.lines.length === 1);
    expect(t.r.paused).toBe(true);
    t.stream.write('y\n');
    t.stream.write('z\n');
    await new Promise((r) => setImmediate(r));
    expect(t.lines).toEqual(['x']); // nothing read while behind: it waits in the stream
    out.writableLength = 0;
    out.emit('drain');
    await t.until(() => t.lines.length === 3);
    expect(t.lines).toEqual(['x', 'y', 'z']);
  });

  it('refuseGzip: a stream starting with 1f 8b, even split over chunks, fails before any line', async () => {
    const failed: unknown[] = [];
    let told = () => {};
    const failure = new Promise<void>((resolve) => (told = resolve));
    const stream = new PassThrough();
    const lines: string[] = [];
    const r = new LineReader(stream, { line: (l) => lines.push(l), end: () => {}, error: () => {}, fail: (e) => (failed.push(e), told()) },
      { where: 'stdin', issues: new IssueLog(), refuseGzip: true });
    r.start();
    stream.write(Buffer.from([0x1f]));
    stream.write(Buffer.from([0x8b, 0x08, 0x0a, 0x41, 0x0a]));
    await failure;
    expect(failed.map((e) => (e as Error).message)).toEqual([
      'stdin looks gzip-compressed (it starts with the gzip magic bytes 1f 8b); decompress it first: zcat FILE | dstream …',
    ]);
    expect(lines).toEqual([]);
  });

  it('finish() keeps held bytes and a partial line, ignoring the rate', async () => {
    const clock = new ManualClock(0);
    const t = reader({ rate: new RateLimiter(1, clock) });
    t.stream.write('a\nb\npart');
    await t.until(() => t.lines.length === 1);
    t.r.finish();
    expect(t.lines).toEqual(['a', 'b', 'part']);
    expect(t.isEnded()).toBe(true);
  });
});
