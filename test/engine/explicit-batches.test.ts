/**
 * `StreamingContext` with `explicitBatches` (what `--batch-marker` uses): a
 * source's `batchEnd()` runs the batch at once, the clock never cuts one,
 * batch times are consecutive intervals after an aligned start, and end of
 * input runs the last batch.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { StreamingContext } from '../../src/engine/context.js';
import type { Source, SourceSink } from '../../src/sources/source.js';

/** A source driven by the test. */
class Manual implements Source {
  readonly name = 'manual';
  sink!: SourceSink;
  start(sink: SourceSink): void {
    this.sink = sink;
  }
  stop(): void {}
}

function setup(startMs: number, alignMs?: number) {
  const clock = new ManualClock(startMs);
  const ssc = new StreamingContext({ batchIntervalMs: 1000, clock, explicitBatches: { alignMs } });
  const src = new Manual();
  const seen: [number, unknown[]][] = [];
  ssc.receiverStream<string>(src).foreachBatch((records, ctx) => {
    seen.push([ctx.timeMs, records]);
  });
  ssc.start();
  return { clock, ssc, src, seen };
}

describe('explicit batches', () => {
  it('batchEnd() runs the batch; the clock does not; end of input runs the last one', async () => {
    const { clock, ssc, src, seen } = setup(10_500);
    src.sink.record('a');
    clock.advance(60_000);
    expect(seen).toEqual([]);
    src.sink.batchEnd!();
    src.sink.batchEnd!();
    src.sink.record('b');
    src.sink.end();
    await ssc.awaitTermination();
    expect(seen).toEqual([[11_000, ['a']], [12_000, []], [13_000, ['b']]]);
  });

  it('the time before the first batch is the multiple of alignMs at or before the start', () => {
    const { src, seen } = setup(10_500, 6000);
    src.sink.batchEnd!();
    expect(seen).toEqual([[7000, []]]);
  });

  it('a context cut by the clock ignores batchEnd()', () => {
    const clock = new ManualClock(0);
    const ssc = new StreamingContext({ batchIntervalMs: 1000, clock });
    const src = new Manual();
    const seen: number[] = [];
    ssc.receiverStream(src).foreachBatch((_r, ctx) => {
      seen.push(ctx.timeMs);
    });
    ssc.start();
    src.sink.batchEnd!();
    clock.advance(1000);
    expect(seen).toEqual([1000]);
  });
});
