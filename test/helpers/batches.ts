/**
 * Batch tables on a manual clock, as Spark's WindowOperationsSuite:
 * input batches → expected output batches, with no sleeping.
 */
import { ManualClock } from '../../src/core/clock.js';
import { StreamingContext } from '../../src/engine/context.js';
import type { DStream } from '../../src/engine/dstream.js';
import type { WindowBounds } from '../../src/core/types.js';

export interface OutputBatch {
  timeMs: number;
  window?: WindowBounds;
  records: unknown[];
}

/**
 * Runs `build` over a queue of input batches, one per batch interval, then
 * (optionally) ends the input. Returns every foreachBatch call.
 */
export function runBatches<T>(
  input: T[][],
  build: (s: DStream<T>, ssc: StreamingContext) => DStream<unknown>,
  options: { batchIntervalMs?: number; endInput?: boolean; extraBatches?: number } = {},
): { outputs: OutputBatch[]; ssc: StreamingContext } {
  const batchIntervalMs = options.batchIntervalMs ?? 1000;
  const clock = new ManualClock(0);
  const ssc = new StreamingContext({ batchIntervalMs, clock });
  const outputs: OutputBatch[] = [];
  const queue = input.map((b) => [...b]);
  const source = ssc.queueStream(queue);
  build(source, ssc).foreachBatch((records, ctx) => {
    outputs.push(ctx.window ? { timeMs: ctx.timeMs, window: ctx.window, records } : { timeMs: ctx.timeMs, records });
  });
  ssc.start();
  const n = input.length + (options.extraBatches ?? 0);
  for (let i = 0; i < n; i++) clock.advance(batchIntervalMs);
  if (options.endInput) ssc.stop({ graceful: true });
  return { outputs, ssc };
}
