/**
 * The micro-batch protocol as a script (engine/micro-batch.ts): with a
 * checkpoint, each batch is offsets planned → offset log → records replayed
 * from those offsets → output (each sink's addBatch makes it durable) → snapshot when due → commit
 * log → the source's commit → batch listeners; a batch that throws is never
 * committed. A recording store and source stand in for the real ones.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import type { CheckpointStore } from '../../src/checkpoint/checkpoint-store.js';
import { StreamingContext } from '../../src/engine/context.js';
import type { DurableOutput } from '../../src/sinks/durable-output.js';
import type { Replayable } from '../../src/sources/source.js';
import type { Source, SourceSink } from '../../src/sources/source.js';

/** A replayable source whose batch `k` is the records `[k·10, k·10 + 1]`, logging every call. */
function recordingSource(log: string[]): Source & Replayable {
  let sink: SourceSink | null = null;
  let next = 0;
  return {
    name: 'rec',
    start: (s) => (sink = s),
    stop: () => (sink = null),
    planBatch: () => {
      log.push(`planBatch ${next}`);
      return { k: next++ };
    },
    replayBatch: (o) => {
      const k = (o as { k: number }).k;
      log.push(`replayBatch ${k}`);
      sink?.record(k * 10);
      sink?.record(k * 10 + 1);
    },
    snapshot: () => ({ next }),
    restore: (d) => (next = (d as { next: number }).next),
    durable: () => log.push('durable'),
    commit: (b) => log.push(`source commit ${b.index}`),
  };
}

function recordingStore(log: string[]): CheckpointStore {
  return {
    dir: '/nowhere',
    recover: () => ({ snapshot: null, batches: [], warnings: [] }),
    writeOffsets: (e: { id: number; sources: unknown; outputs: unknown }) => log.push(`offsets ${e.id} ${JSON.stringify(e.sources)} ${JSON.stringify(e.outputs)}`),
    writeSnapshot: (id: number) => log.push(`snapshot ${id}`),
    writeCommit: (e: { id: number; sinks: unknown; snapshot: number | null }) => log.push(`commit ${e.id} ${JSON.stringify(e.sinks)} snapshot ${e.snapshot}`),
    close: () => log.push('close'),
  } as unknown as CheckpointStore;
}

/** A sink (sinks/sink.ts) whose batch ids follow its `addBatch` calls, logging them. */
function recordingOutput(log: string[]): DurableOutput {
  let written = 0;
  let batches = 0;
  return {
    name: 'out',
    write: (t: string) => log.push(`write ${t.trim()} (${++written})`),
    flush: () => {},
    position: () => written,
    recover: () => log.push('recover'),
    addBatch: () => log.push(`addBatch ${batches++}`),
  } as unknown as DurableOutput;
}

function job(log: string[], fail?: (x: number) => boolean) {
  const clock = new ManualClock(0);
  const ssc = new StreamingContext({ batchIntervalMs: 1000, clock, onError: 'fail' });
  const out = recordingOutput(log);
  ssc.checkpoint({ store: recordingStore(log), intervalMs: 2000, outputs: [out], fault: (p, id) => log.push(`fault point ${p} ${id}`) });
  ssc.receiverStream<number>(recordingSource(log))
    .map((x) => {
      if (fail?.(x)) throw new Error(`bad ${x}`);
      return x;
    })
    .count()
    .foreachBatch((r, ctx) => {
      out.write(`${ctx.timeMs}:${r.join(',')}\n`);
      out.addBatch(ctx.timeMs / 1000 - 1);
    });
  ssc.batchListeners.push((b, m) => log.push(`listener ${b.index} ${m.recordsIn} in`));
  return { ssc, clock };
}

describe('micro-batch execution', () => {
  it('runs each batch as offset log → run → commit, snapshots when due', () => {
    const log: string[] = [];
    const { ssc, clock } = job(log);
    ssc.start();
    clock.advance(2000);
    expect(log).toEqual([
      'recover', 'planBatch 0', 'offsets 0 {"rec":{"k":0}} {"out":0}', 'fault point after-offsets 0', 'replayBatch 0',
      'write 1000:2 (1)', 'addBatch 0', 'fault point after-output 0', 'snapshot 0', 'fault point after-snapshot 0',
      'commit 0 {"out":1} snapshot 0', 'durable', 'source commit 0', 'listener 0 2 in',
      // 1 s of batch time since the snapshot: not due (interval 2 s).
      'planBatch 1', 'offsets 1 {"rec":{"k":1}} {"out":1}', 'fault point after-offsets 1', 'replayBatch 1',
      'write 2000:2 (2)', 'addBatch 1', 'fault point after-output 1', 'commit 1 {"out":2} snapshot null', 'source commit 1', 'listener 1 2 in',
    ]);
  });

  it('a batch that fails is neither committed nor told to the source or the listeners', async () => {
    const log: string[] = [];
    const { ssc, clock } = job(log, (x) => x === 11);
    ssc.start();
    clock.advance(2000);
    await expect(ssc.awaitTermination()).rejects.toThrow('bad 11');
    expect(log.slice(log.indexOf('planBatch 1'))).toEqual([
      'planBatch 1', 'offsets 1 {"rec":{"k":1}} {"out":1}', 'fault point after-offsets 1', 'replayBatch 1', 'close',
    ]);
    expect(ssc.state).toBe('stopped');
  });
});
