/**
 * The library can do what the CLI does, from `src/index.ts` alone: a
 * validated JobPlan, a checkpoint tied to its fingerprint, a durable file
 * output, and event time in a zone (local-hour windows). Two runs over one
 * checkpoint give what one run gives.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CheckpointStore, FileOutput, FormatSink, ManualClock, pipelineIdentity, planJob, StreamingContext, TimeZone, type OperatorFlag,
} from '../../src/index.js';

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup.splice(0)) c();
});

const HOUR = 3_600_000;
// Wall times in Paris (UTC+2 in July): the first local hour holds three events, the next one.
const QUEUE = [
  [{ t: '2024-07-01 10:05:00' }, { t: '2024-07-01 10:20:00' }],
  [{ t: '2024-07-01 10:40:00' }, { t: '2024-07-01 11:10:00' }],
];
const OPERATORS: OperatorFlag[] = [{ op: 'event-time', source: 'r => r.t' }, { op: 'count' }, { op: 'window', lengthMs: HOUR, text: '1h' }];

/** One run of the job on `dir` over the first `batches` arrays of the queue, output appended to `file`; returns the windows it emitted. */
function run(clock: ManualClock, dir: string, file: string, batches: number): string[] {
  const plan = planJob({ batchIntervalMs: 1000, operators: OPERATORS, watermarkDelayMs: 0, timezone: 'Europe/Paris', maxLineBytes: 1 << 20 });
  const ssc = new StreamingContext({ batchIntervalMs: plan.batchIntervalMs, clock });
  const out = new FileOutput(file);
  ssc.checkpoint({ store: CheckpointStore.open(join(dir, 'ck'), pipelineIdentity(plan.description)), intervalMs: plan.checkpointIntervalMs, outputs: [out] });
  const zone = new TimeZone(plan.timezone!);
  const seen: string[] = [];
  const counts = ssc.queueStream(QUEUE.slice(0, batches))
    .eventTime((r: { t: string }) => r.t, { zone })
    .countByWindow(HOUR, undefined, { label: 'count' });
  counts.foreachBatch((records, ctx) => seen.push(`${new Date(ctx.window!.startMs).toISOString()} ${records.join(',')}`));
  counts.output((everyBatch) => new FormatSink(out, { format: 'tsv', everyBatch, currentBatchTimeMs: () => ssc.currentBatchTimeMs }));
  ssc.start();
  clock.advance(5000); // five batches: the queue is read, then the watermark closes what it passed
  if (ssc.state === 'active') ssc.stop({ graceful: true });
  return seen;
}

describe('the public API', () => {
  it('checkpoints a job with event time in a zone: the second run continues the first one\'s windows', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dstream-api-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'out.jsonl');
    const clock = new ManualClock(0);
    // Run 1 reads the first array and stops: the open window stays in the checkpoint.
    expect(run(clock, dir, file, 1)).toEqual([]);
    // Run 2 restores it and reads the second array; the watermark (11:10) closes 10:00–11:00 Paris
    // (08:00Z) with the records of both runs; 11:00–12:00 stays open in the checkpoint.
    expect(run(clock, dir, file, 2)).toEqual(['2024-07-01T08:00:00.000Z 3']);
    expect(readFileSync(file, 'utf8')).toBe('2024-07-01T08:00:00.000Z\t3\n');
  });

  it('refuses a checkpoint written by another plan, naming the change', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dstream-api-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const base = { batchIntervalMs: 1000, operators: OPERATORS, watermarkDelayMs: 0, maxLineBytes: 1 << 20 };
    CheckpointStore.open(dir, pipelineIdentity(planJob({ ...base, timezone: 'Europe/Paris' }).description)).close();
    expect(() => CheckpointStore.open(dir, pipelineIdentity(planJob({ ...base, timezone: 'UTC' }).description)))
      .toThrow('was written by a different pipeline (--timezone: "Europe/Paris" → "UTC")');
  });
});
