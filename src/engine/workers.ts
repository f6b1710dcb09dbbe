/**
 * `--workers N`: the stateless prefix of the pipeline and a map-side combine
 * (Spark's pre-aggregation before a shuffle) run in N threads — the main
 * thread and N − 1 worker threads — each on a line-aligned byte range of
 * stdin (a regular file; engine/worker-task.ts); the main thread merges
 * the partial aggregates — per key and per pane, so windows come out as from
 * one thread — and runs the rest of the pipeline.
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
import { createRequire } from 'node:module';
import type { Worker } from 'node:worker_threads';
import { ConfigError } from '../core/errors.js';
import { TimeZone } from '../core/time-zone.js';
import type { Pair } from '../core/types.js';
import type { ErrorPolicy, IssueKind } from '../core/issues.js';
import { undefinedWarning } from '../operators/stateless.js';
import { isBuiltinReducer } from '../operators/reducers.js';
import { TaskRunner, type WorkerResult, type WorkerTask } from './worker-task.js';
import { combinerOf, GLOBAL_SENTINEL } from './map-side-combine.js';
import { splitPipeline } from '../plan/worker-split.js';
import { buildPipeline, type PipelineSettings } from './apply-plan.js';
import type { OperatorFlag } from '../plan/pipeline.js';
import type { Source, SourceSink } from '../sources/source.js';
import { windowSpec } from '../windows/spec.js';

export type { WorkerResult, WorkerTask } from './worker-task.js';
import type { StreamingContext } from './context.js';
import type { DStream } from './dstream.js';
import type { WatermarkTracker } from '../windows/watermark.js';

/** node:worker_threads, loaded on first use: a job without --workers does not pay for it at start-up. */
const workerThreads = (): typeof import('node:worker_threads') => createRequire(import.meta.url)('node:worker_threads') as typeof import('node:worker_threads');

export type { AggFlag } from '../plan/worker-split.js';


/** The main thread reads its part in slices of this many ms, then serves its event loop. */
const LOCAL_SLICE_MS = 50;

/** Byte ranges of `size` bytes of `fd`, `n` of them, each ending at a line end. */
function lineAlignedRanges(fd: number, size: number, n: number): [number, number][] {
  const cuts = [0];
  const buf = Buffer.allocUnsafe(64 * 1024);
  for (let i = 1; i < n; i++) {
    let pos = Math.max(cuts[cuts.length - 1]!, Math.floor((size * i) / n));
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

/** The receiver of worker mode: runs the workers, then pushes `[paneStartMs, key, partial]` triples in file order. */
class WorkersSource implements Source {
  readonly name = 'stdin';
  tracker: WatermarkTracker | null = null;
  private workers: Worker[] = [];
  private stopped = false;
  /** Every part was merged (or a part failed): a stop then drops nothing. */
  private settled = false;
  constructor(
    private readonly tasks: WorkerTask[],
    private readonly ssc: StreamingContext,
    private readonly log: (line: string) => void,
    private readonly eventTime: boolean,
    /** `--count` over no record at all is a count of 0, as in one thread (a reduce gives nothing). */
    private readonly zeroCount = false,
    /** The combine of two partials (see `premerge`). */
    private readonly combine?: (a: unknown, b: unknown) => unknown,
  ) {}

  start(sink: SourceSink): void {
    const results: (WorkerResult | null)[] = this.tasks.map(() => null);
    let pending = this.tasks.length;
    const done = () => {
      const issues = this.ssc.issues;
      for (const r of results as WorkerResult[]) {
        // The thread's issues reach the listeners as if read here, numbered from the start of the file
        // (hints look at record numbers); then the counts are set to include those not sent.
        const counts = { ...issues.counts };
        const byOperator = new Map(issues.byOperator);
        const first = issues.recordsSeen;
        for (const i of r.issues) issues.forward({ ...i, rawSeq: i.rawSeq === undefined ? undefined : first + i.rawSeq });
        for (const [k, v] of Object.entries(r.counts)) issues.counts[k as IssueKind] = counts[k as IssueKind] + v;
        for (const [w, v] of r.byOperator) issues.byOperator.set(w, (byOperator.get(w) ?? 0) + v);
        issues.countRecords(r.records);
        // As if the operators had run here, so that a job in which every record failed exits 1 (IssueLog.blocked).
        for (const p of r.passed) issues.trackOperator(p.where, p.name, () => p.passed);
      }
      // A function that returned undefined for every record of the file (the one batch), over all threads.
      const steps = new Map<string, { passed: number; undef: number; undefKey: number }>();
      for (const r of results as WorkerResult[]) {
        for (const c of r.steps) {
          const t = steps.get(c.name) ?? { passed: 0, undef: 0, undefKey: 0 };
          steps.set(c.name, { passed: t.passed + c.passed, undef: t.undef + c.undef, undefKey: t.undefKey + c.undefKey });
        }
      }
      for (const [name, t] of steps) {
        const warning = undefinedWarning(t.passed, t.undef, t.undefKey);
        if (warning !== undefined) issues.warn(name, warning);
      }
      let pushed = 0;
      const merged = this.eventTime ? undefined : this.premerge(results as WorkerResult[]);
      if (merged) {
        for (const [k, v] of merged) sink.record([NaN, k, v]);
        pushed = merged.size;
      } else {
        for (const r of results as WorkerResult[]) {
          for (const [pane, keys, values] of r.partials) {
            const t = this.eventTime ? pane * this.tasks[0]!.paneMs : NaN;
            for (let i = 0; i < keys.length; i++) sink.record([t, keys[i], values[i]]);
            pushed += keys.length;
          }
        }
      }
      if (pushed === 0 && this.zeroCount) sink.record([NaN, GLOBAL_SENTINEL, 0]);
      if (this.tracker) {
        const max = Math.max(...(results as WorkerResult[]).map((r) => r.maxEventTimeMs));
        if (max > this.tracker.maxEventTimeMs) this.tracker.maxEventTimeMs = max;
      }
      this.settled = true;
      sink.end();
    };
    if (pending === 0) {
      setImmediate(done); // an empty file: nothing to read (after start() returns, as for any source)
      return;
    }
    const finished = (i: number, r: WorkerResult) => {
      if (this.stopped) return; // a result posted before the stop reached its thread
      if (!r.ok) {
        this.settled = true;
        this.stop();
        sink.fail(new ConfigError(`worker ${i + 1}: ${r.error}`));
        return;
      }
      results[i] = r;
      if (--pending === 0) done();
    };
    // The first part is read here, in slices (so timers and signals are served), while threads read the others:
    // the main thread would otherwise wait idle, and one thread fewer starts.
    let runner: TaskRunner | undefined;
    const local = () => {
      if (this.stopped) return;
      let r: WorkerResult;
      try {
        runner ??= new TaskRunner(this.tasks[0]!);
        if (!runner.step(performance.now() + LOCAL_SLICE_MS)) {
          setImmediate(local);
          return;
        }
        r = runner.result();
      } catch (e) {
        r = { ok: false, error: e instanceof Error ? e.message : String(e) } as WorkerResult;
      }
      finished(0, r);
    };
    this.tasks.forEach((task, i) => {
      if (i === 0) return;
      const w = new (workerThreads().Worker)(new URL('./worker-entry.js', import.meta.url), { workerData: task });
      this.workers.push(w);
      w.once('message', (r: WorkerResult) => {
        void w.terminate();
        finished(i, r);
      });
      w.once('error', (e) => {
        this.settled = true;
        this.stop();
        sink.fail(e);
      });
    });
    setImmediate(local);
  }

  /**
   * Without windows, when every key is a string: the threads' partials merged per key here, in
   * file order (a key keeps the place of its first record, as in one thread), so that the
   * pipeline takes each key once instead of once per thread. `undefined` otherwise.
   */
  private premerge(results: WorkerResult[]): Map<string, unknown> | undefined {
    const combine = this.combine;
    if (!combine) return undefined;
    for (const r of results) for (const [, keys] of r.partials) for (const k of keys) if (typeof k !== 'string') return undefined;
    const out = new Map<string, unknown>();
    for (const r of results) {
      for (const [, keys, values] of r.partials) {
        for (let i = 0; i < keys.length; i++) {
          const k = keys[i] as string;
          const old = out.get(k);
          out.set(k, old === undefined && !out.has(k) ? values[i] : combine(old, values[i]));
        }
      }
    }
    return out;
  }

  stop(): void {
    // The parts' partial aggregates live in other threads until each part is read to its end: a
    // stop before then (SIGINT) cannot run them as the final batch, as one thread would. Said, not silent.
    if (!this.settled && !this.stopped) this.log('dstream: stopped before the threads finished: the input read so far is not in the output (--workers 1 keeps it)');
    this.stopped = true;
    for (const w of this.workers) void w.terminate();
    this.workers = [];
  }
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
    workers: number; operators: OperatorFlag[]; settings: PipelineSettings; stdinSize: number;
    maxLineBytes: number; onError: ErrorPolicy; timezone?: string; parse?: WorkerTask['parse']; log: (line: string) => void;
    progress?: SharedArrayBuffer;
  },
): DStream<unknown> {
  const { prefix, aggregation: agg, window: win, eventTime, rest } = splitPipeline(o.operators, 'workers', o.timezone);
  const combine = combinerOf(agg, '--workers', 'drop --workers');
  const paneMs = win ? windowSpec(win.lengthMs, win.slideMs, ssc.batchIntervalMs, true).paneMs : Number.MAX_SAFE_INTEGER;
  const ranges = lineAlignedRanges(0, o.stdinSize, o.workers);
  const tasks: WorkerTask[] = ranges.map(([start, end], index) => ({
    start, end, prefix, aggregation: agg, batchIntervalMs: ssc.batchIntervalMs, paneMs,
    watermarkDelayMs: o.settings.watermarkDelayMs, timezone: o.timezone, parse: o.parse, maxLineBytes: o.maxLineBytes, onError: o.onError,
    index, progress: o.progress,
  }));
  const source = new WorkersSource(tasks, ssc, o.log, eventTime && win !== undefined, agg.op === 'count' && !win, win || ('source' in agg && !isBuiltinReducer(agg.source)) ? undefined : (combine as (a: unknown, b: unknown) => unknown)); // a function may throw: the pipeline reports it
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
    out = win ? pairs.reduceByKeyAndWindow(combine as (a: unknown, b: unknown) => unknown, win.lengthMs, win.slideMs, { label }) : pairs.reduceByKey(combine as (a: unknown, b: unknown) => unknown, label);
  }
  // Parsing, event time and the watermark are already applied above.
  return buildPipeline(out as DStream<string>, rest, { ...o.settings, parser: undefined, watermarkDelayMs: 0 });
}
