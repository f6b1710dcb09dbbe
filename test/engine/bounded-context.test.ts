/**
 * StreamingContext over bounded input: batches cut by the input (all of it,
 * or `maxRecordsPerBatch` records, or where the source cuts), at logical
 * batch times, whatever the clock does.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import type { BatchInfo } from '../../src/core/types.js';
import { StreamingContext, type BatchMetrics } from '../../src/engine/context.js';
import type { Source, SourceSink } from '../../src/sources/source.js';

/** A source the test drives by hand. */
class HandSource implements Source {
  readonly name = 'hand';
  sink!: SourceSink;
  start(sink: SourceSink): void {
    this.sink = sink;
  }
  stop(): void {}
}

function job(options: { maxRecordsPerBatch?: number; bounded?: boolean }) {
  const clock = new ManualClock(1_700_000_000_123);
  const ssc = new StreamingContext({ batchIntervalMs: 1000, clock, bounded: options.bounded ?? true, maxRecordsPerBatch: options.maxRecordsPerBatch });
  const src = new HandSource();
  const batches: { info: BatchInfo; records: unknown[]; metrics: BatchMetrics }[] = [];
  let records: unknown[] = [];
  ssc.receiverStream<number>(src).foreachBatch((rs) => (records = [...rs]));
  ssc.batchListeners.push((info, metrics) => {
    batches.push({ info, records, metrics });
    records = [];
  });
  ssc.start();
  return { ssc, src, clock, batches };
}

describe('StreamingContext over bounded input', () => {
  it('all input is one batch, at the first logical batch time, whatever the clock does', async () => {
    const { ssc, src, clock, batches } = job({});
    for (let i = 0; i < 5; i++) {
      src.sink.record(i);
      clock.advance(700); // a busy machine: the reading straddles several batch intervals
    }
    src.sink.end();
    await ssc.awaitTermination();
    expect(batches.map((b) => [b.info.timeMs, b.info.last, b.info.final, b.records])).toEqual([[1000, true, true, [0, 1, 2, 3, 4]]]);
  });

  it('processing time of a batch covers reading its records (from the previous batch\'s end); no state: no keys count', async () => {
    const { ssc, src, clock, batches } = job({ maxRecordsPerBatch: 2 });
    clock.advance(40); // start-up after the context started
    src.sink.record(0);
    clock.advance(300);
    src.sink.record(1); // full: the batch runs when the next record comes
    clock.advance(25);
    src.sink.record(2); // the batch at 1000 ends here
    clock.advance(5);
    src.sink.end();
    await ssc.awaitTermination();
    expect(batches.map((b) => [b.info.timeMs, b.metrics.recordsIn, b.metrics.processingMs])).toEqual([[1000, 2, 365], [2000, 1, 5]]);
    expect(batches.map((b) => b.metrics.stateKeys)).toEqual([undefined, undefined]);
  });

  it('maxRecordsPerBatch cuts before the record after a full batch; a source may cut itself', async () => {
    const { ssc, src, batches } = job({ maxRecordsPerBatch: 2 });
    const full = [0, 1, 2, 3, 4].map((i) => src.sink.record(i));
    expect(full).toEqual([false, true, false, true, false]);
    src.sink.cut!(); // e.g. a directory source after --max-files-per-batch files
    src.sink.record(5);
    src.sink.end();
    await ssc.awaitTermination();
    expect(batches.map((b) => [b.info.timeMs, b.records])).toEqual([[1000, [0, 1]], [2000, [2, 3]], [3000, [4]], [4000, [5]]]);
    expect(batches.map((b) => b.info.last ?? false)).toEqual([false, false, false, true]);
  });

  it('live input ignores cuts: the clock cuts batches', async () => {
    const { ssc, src, clock, batches } = job({ bounded: false });
    src.sink.record(1);
    src.sink.cut!();
    src.sink.record(2);
    clock.advance(1000);
    src.sink.end();
    await ssc.awaitTermination();
    expect(batches.map((b) => b.records)).toEqual([[1, 2], []]);
  });
});
