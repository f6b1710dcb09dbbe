/**
 * The engine drives the Source contract's `commit`: after every batch has
 * been output (the final one too), before the batch listeners hear of it;
 * never for a batch that failed.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import type { BatchInfo } from '../../src/core/types.js';
import { StreamingContext } from '../../src/engine/context.js';
import type { Source, SourceSink } from '../../src/sources/source.js';

/** A source the test drives by hand, noting what the engine tells it. */
class HandSource implements Source {
  readonly name = 'hand';
  sink!: SourceSink;
  readonly told: string[] = [];
  start(sink: SourceSink): void {
    this.sink = sink;
  }
  stop(): void {}
  commit(batch: BatchInfo): void {
    this.told.push(`commit ${batch.timeMs}${batch.last ? ' last' : ''}`);
  }
}

/** @param failAt the output operation throws on a batch holding this record. */
function job(failAt?: number) {
  const ssc = new StreamingContext({ batchIntervalMs: 1000, clock: new ManualClock(0), bounded: true, maxRecordsPerBatch: 2 });
  const src = new HandSource();
  const out: number[][] = [];
  ssc.receiverStream<number>(src).foreachBatch((rs) => {
    if (rs.includes(failAt!)) throw new Error('the output failed');
    out.push([...rs]);
    src.told.push(`output ${rs.join(',')}`);
  });
  ssc.batchListeners.push((info) => src.told.push(`listener ${info.timeMs}`));
  ssc.start();
  return { ssc, src, out };
}

describe('the engine commits sources', () => {
  it('after each batch is output, the final batch too, before the listeners', async () => {
    const { ssc, src } = job();
    for (const i of [1, 2, 3]) src.sink.record(i);
    src.sink.end();
    await ssc.awaitTermination();
    expect(src.told).toEqual([
      'output 1,2', 'commit 1000', 'listener 1000',
      'output 3', 'commit 2000 last', 'listener 2000',
    ]);
  });

  it('not for a batch that failed', async () => {
    const { ssc, src } = job(3);
    for (const i of [1, 2, 3]) src.sink.record(i);
    src.sink.end();
    await expect(ssc.awaitTermination()).rejects.toThrow(/the output failed/);
    expect(src.told.filter((t) => t.startsWith('commit'))).toEqual(['commit 1000']);
  });
});
