/**
 * `--workers N`: the stateless prefix of the pipeline and a map-side combine
 * (Spark's pre-aggregation before a shuffle) run in N threads — the main
 * thread and N − 1 worker threads — each on a line-aligned byte range of
 * stdin (a regular file; engine/worker-task.ts); the partial aggregates are
 * merged — per key partition in every thread at once when they are packed
 * (engine/workers-merge.ts), per pane otherwise, so windows come out as from
 * one thread — and the main thread runs the rest of the pipeline
 * (engine/workers-source.ts).
 *
 * Supported: stdin from a regular file; operators = stateless steps
 * (`--map`, `--flat-map`, `--filter`, `--event-time`, `--parse`) then one of
 * `--count`, `--count-by-value`, `--reduce`, `--reduce-by-key` (a function,
 * or sum/count/min/max), optionally followed by an event-time `--window`,
 * then anything. The whole file is one batch: the partials are merged when
 * every worker is done, so the watermark cannot pass a window before all its
 * records are in, and results equal a one-thread run that has no late records.
 * Reduce functions must be associative and commutative (partials are merged
 * in file order, but within a worker in arrival order).
 */
import { readSync } from 'node:fs';
import { TimeZone } from '../core/time-zone.js';
import type { Pair } from '../core/types.js';
import type { ErrorPolicy } from '../core/issues.js';
import { isBuiltinReducer } from '../operators/reducers.js';
import type { WorkerTask } from './worker-task.js';
import { SegmentTable } from './segments.js';
import { combinerOf, MapSideCombiner } from './map-side-combine.js';
import { FunctionCache } from '../plan/compile-fn.js';
import { splitPipeline } from '../plan/worker-split.js';
import { buildPipeline, type PipelineSettings } from './apply-plan.js';
import type { OperatorFlag } from '../plan/pipeline.js';
import { windowSpec } from '../windows/spec.js';
import { WorkersSource } from './workers-source.js';
import type { CoreClocks } from './workers-yield.js';
import type { SpareThread } from './workers-threads.js';
import type { StreamingContext } from './context.js';
import type { DStream } from './dstream.js';

export type { WorkerResult, WorkerTask } from './worker-task.js';
export type { SpareThread } from './workers-threads.js';
export type { AggFlag } from '../plan/worker-split.js';

/** Byte ranges of `fd` from `start` to `size`, `n` of them, each ending at a line end. */
function lineAlignedRanges(fd: number, start: number, size: number, n: number): [number, number][] {
  const cuts = [start];
  const buf = Buffer.allocUnsafe(64 * 1024);
  for (let i = 1; i < n; i++) {
    let pos = Math.max(cuts[cuts.length - 1]!, start + Math.floor(((size - start) * i) / n));
    let found = -1;
    while (pos < size && found < 0) {
      const r = readSync(fd, buf, 0, buf.length, pos);
      if (r <= 0) break;
      const nl = buf.subarray(0, r).indexOf(10);
      if (nl >= 0) found = pos + nl + 1;
      else pos += r;
    }
    cuts.push(found < 0 ? size : found);
  }
  cuts.push(size);
  return cuts.slice(0, -1).map((c, i) => [c, cuts[i + 1]!] as [number, number]).filter(([a, b]) => b > a);
}

/**
 * Why the operators cannot run in `--workers` threads (the sentence of the usage error), or
 * `undefined` when they can. Pure: `--workers auto` asks it to choose one thread silently.
 */
export function workerPlanProblem(ops: readonly OperatorFlag[], timezone?: string): string | undefined {
  try {
    combinerOf(splitPipeline(ops, 'workers', timezone).aggregation, '--workers', 'drop --workers');
  } catch (e) {
    return (e as Error).message;
  }
  return undefined;
}

/**
 * Builds the job in worker mode (see module doc).
 * @param o.progress bytes read by each thread (see `WorkerTask.progress`), for a progress bar
 * @throws ConfigError naming what `--workers` does not support.
 */
export function buildWorkerPipeline(
  ssc: StreamingContext,
  o: {
    workers: number; operators: OperatorFlag[]; settings: PipelineSettings;
    /** stdin's file offset at the start (bytes; cli/process-io.ts `stdinOffset`) and its size: the threads read what lies between. */
    stdinStart: number; stdinSize: number;
    maxLineBytes: number; onError: ErrorPolicy; timezone?: string; parse?: WorkerTask['parse']; log: (line: string) => void;
    progress?: SharedArrayBuffer;
    /**
     * The file is read in one thread after all, `why` in words: a sum met a value that is not an integer
     * (see `WorkerTask.integerSums`), or a key or partial a thread cannot pass on as it is (`WorkerResult.unclonable`).
     */
    onOneThread?: (why: string) => void;
    /** `--workers auto`: the threads give their rests up when the job gets no second core (engine/workers-yield.ts). */
    secondCore?: { clocks: CoreClocks; atOnce: boolean };
    /** A thread already started (cli/start.cts `spareThread`): the first worker thread. */
    spareThread?: SpareThread;
  },
): DStream<unknown> {
  const { prefix, aggregation: agg, window: win, eventTime, rest } = splitPipeline(o.operators, 'workers', o.timezone);
  const combine = combinerOf(agg, '--workers', 'drop --workers');
  const paneMs = win ? windowSpec(win.lengthMs, win.slideMs, ssc.batchIntervalMs, true).paneMs : Number.MAX_SAFE_INTEGER;
  // The functions and parser, compiled here (and kept for the main thread's part): an invalid one is a usage
  // error before the file is read for its line ends or a thread starts, as in one thread.
  const functions = new FunctionCache();
  new MapSideCombiner({ prefix, aggregation: agg, paneMs, watermarkDelayMs: o.settings.watermarkDelayMs, timezone: o.timezone, parse: o.parse, onError: o.onError, functions });
  const ranges = lineAlignedRanges(0, o.stdinStart, o.stdinSize, o.workers);
  const segments = SegmentTable.create(ranges).buffer;
  // Partials merged before the pipeline: without windows, with a built-in combine (a function may throw: the pipeline reports it).
  const premerged = !win && !('source' in agg && !isBuiltinReducer(agg.source));
  const tasks: WorkerTask[] = ranges.map(([start, end], index) => ({ segments,
    start, end, prefix, aggregation: agg, batchIntervalMs: ssc.batchIntervalMs, paneMs,
    watermarkDelayMs: o.settings.watermarkDelayMs, timezone: o.timezone, parse: o.parse, maxLineBytes: o.maxLineBytes, onError: o.onError,
    index, bomAt: o.stdinStart, progress: o.progress, integerSums: 'source' in agg && agg.source === 'sum', partitions: premerged && ranges.length > 1 ? ranges.length : undefined,
  }));
  const source = new WorkersSource(tasks, ssc, o.log, eventTime && win !== undefined, agg.op === 'count' && !win, premerged ? (combine as (a: unknown, b: unknown) => unknown) : undefined, o.onOneThread, o.secondCore, o.spareThread, functions);
  let ds = ssc.receiverStream<[number, unknown, unknown]>(source) as DStream<any>;
  if (win) {
    ds = ds.eventTime((x: [number]) => x[0], { watermarkDelayMs: o.settings.watermarkDelayMs, zone: o.timezone ? new TimeZone(o.timezone) : undefined });
    source.tracker = ds.eventTimeTracker;
  }
  const global = agg.op === 'count' || agg.op === 'reduce';
  const label = `--${agg.op}${'source' in agg ? ` '${agg.source}'` : ''}`;
  let out: DStream<any>;
  if (global) {
    const values = ds.map((x: [number, unknown, unknown]) => x[2]);
    out = win ? values.reduceByWindow(combine as (a: unknown, b: unknown) => unknown, win.lengthMs, win.slideMs, { label }) : values.reduce(combine as (a: unknown, b: unknown) => unknown, label);
  } else {
    const pairs = ds.map((x: [number, unknown, unknown]) => [x[1], x[2]] as Pair<unknown, unknown>) as DStream<Pair<unknown, unknown>>;
    // Premerged partials come once per key, in first-seen order: a second reduce would only rebuild the same map.
    out = win ? pairs.reduceByKeyAndWindow(combine as (a: unknown, b: unknown) => unknown, win.lengthMs, win.slideMs, { label })
      : premerged ? pairs : pairs.reduceByKey(combine as (a: unknown, b: unknown) => unknown, label);
  }
  // Parsing, event time, the watermark and the time zone are already applied above.
  return buildPipeline(out as DStream<string>, rest, { ...o.settings, parser: undefined, watermarkDelayMs: 0, zone: undefined, firstPosition: o.operators.length - rest.length + 1 });
}
