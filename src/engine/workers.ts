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
import { fstatSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { MessagePort, Worker } from 'node:worker_threads';
import { ConfigError } from '../core/errors.js';
import { TimeZone } from '../core/time-zone.js';
import type { Pair } from '../core/types.js';
import type { ErrorPolicy, IssueKind } from '../core/issues.js';
import { undefinedWarning } from '../operators/stateless.js';
import { isBuiltinReducer } from '../operators/reducers.js';
import { PartsReader, type WorkerResult, type WorkerTask } from './worker-task.js';
import { SegmentTable } from './segments.js';
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

/** A graceful stop waits at most this long (ms) for the threads to answer with what they have read. */
const STOP_WAIT_MS = 2000;

/**
 * The receiver of worker mode: runs the parts, then pushes `[paneStartMs, key, partial]` triples in
 * file order. A part that answers `inexact` (a sum of non-integers) gives the parts up: the main
 * thread then reads the whole file itself, as one part, so that the additions are in file order.
 * A graceful stop (SIGINT) asks every part to stop at its next block and pushes what they read.
 */
class WorkersSource implements Source {
  readonly name = 'stdin';
  tracker: WatermarkTracker | null = null;
  private workers: { worker: Worker; port: MessagePort; index: number }[] = [];
  private stopped = false;
  /** Every part was merged (or a part failed): a stop then drops nothing. */
  private settled = false;
  private sink!: SourceSink;
  /** The parts being read (the tasks, or the whole file as one part after an `inexact` answer). */
  private parts: WorkerTask[] = [];
  /** Per thread, the results of the parts it read (its own, then those it took from others). */
  private results: (WorkerResult[] | null)[] = [];
  /** What the main thread reads (the first part, then others' rests). */
  private runner: PartsReader | undefined;
  /** Bumped by each `launch`: answers for older parts are ignored. */
  private generation = 0;
  /** `WorkerTask.signals` (stop flag, then one "answered" slot per part). */
  private readonly signals: SharedArrayBuffer;
  constructor(
    private readonly tasks: WorkerTask[],
    private readonly ssc: StreamingContext,
    private readonly log: (line: string) => void,
    private readonly eventTime: boolean,
    /** `--count` over no record at all is a count of 0, as in one thread (a reduce gives nothing). */
    private readonly zeroCount = false,
    /** The combine of two partials (see `premerge`). */
    private readonly combine?: (a: unknown, b: unknown) => unknown,
    /** Called when a sum turned out inexact and the file is read in one thread. */
    private readonly onOneThread?: () => void,
  ) {
    this.signals = new SharedArrayBuffer(4 * (1 + tasks.length));
    for (const t of tasks) t.signals = this.signals;
  }

  start(sink: SourceSink): void {
    this.sink = sink;
    this.launch(this.tasks);
  }

  /** Reads `parts`: the first here, the others in threads; `done` when every part has answered. */
  private launch(parts: WorkerTask[]): void {
    const generation = ++this.generation;
    this.parts = parts;
    this.results = parts.map(() => null);
    this.runner = undefined;
    let pending = parts.length;
    if (pending === 0) {
      setImmediate(() => this.done()); // an empty file: nothing to read (after start() returns, as for any source)
      return;
    }
    const finished = (i: number, answer: WorkerResult | WorkerResult[]) => {
      if (this.stopped || generation !== this.generation) return; // a result posted before the stop reached its thread
      const rs = Array.isArray(answer) ? answer : [answer];
      const failed = rs.find((r) => !r.ok);
      if (failed) {
        this.settled = true;
        this.stop();
        this.sink.fail(new ConfigError(`worker ${i + 1}: ${failed.error}`));
        return;
      }
      if (rs.some((r) => r.inexact)) {
        this.oneThread();
        return;
      }
      this.results[i] = rs;
      if (--pending === 0) this.done();
    };
    // The first part is read here, in slices (so timers and signals are served), while threads read the others:
    // the main thread would otherwise wait idle, and one thread fewer starts.
    const local = () => {
      if (this.stopped || generation !== this.generation) return;
      let r: WorkerResult | WorkerResult[];
      try {
        this.runner ??= this.reader(parts[0]!);
        if (!this.runner.step(performance.now() + LOCAL_SLICE_MS)) {
          setImmediate(local);
          return;
        }
        r = this.runner.results();
      } catch (e) {
        r = { ok: false, error: e instanceof Error ? e.message : String(e) } as WorkerResult;
      }
      finished(0, r);
    };
    const wt = workerThreads();
    parts.forEach((task, i) => {
      if (i === 0) return;
      const { port1, port2 } = new wt.MessageChannel();
      const w = new wt.Worker(new URL('./worker-entry.js', import.meta.url), { workerData: { task, port: port2 }, transferList: [port2] });
      this.workers.push({ worker: w, port: port1, index: i });
      port1.once('message', (r: WorkerResult | WorkerResult[]) => {
        void w.terminate();
        finished(i, r);
      });
      w.once('error', (e) => {
        if (generation !== this.generation) return;
        this.settled = true;
        this.stop();
        this.sink.fail(e);
      });
    });
    setImmediate(local);
  }

  /** Gives the parts up and reads the whole file here as one part (see class doc). */
  private oneThread(): void {
    this.endThreads();
    if (this.tasks[0]!.progress) new Float64Array(this.tasks[0]!.progress).fill(0);
    this.onOneThread?.();
    const first = this.tasks[0]!;
    this.launch([{ ...first, start: first.start, end: this.tasks[this.tasks.length - 1]!.end, integerSums: false, segments: undefined }]);
  }

  /** The reader of the main thread's part (and of the rests it takes from others, see engine/segments.ts). */
  private reader(task: WorkerTask): PartsReader {
    return new PartsReader(task, task.segments ? new SegmentTable(task.segments) : undefined);
  }

  private endThreads(): void {
    for (const w of this.workers) {
      void w.worker.terminate();
      w.port.close();
    }
    this.workers = [];
  }

  /** Merges every part's answer and pushes the partials (see class doc), then ends the input. */
  private done(): void {
    const sink = this.sink;
    // Every part read, in file order: the segments tile the file (engine/segments.ts), whichever thread read them.
    const results = (this.results as WorkerResult[][]).flat().sort((a, b) => a.start - b.start);
    const size = this.parts.length ? this.parts[this.parts.length - 1]!.end - this.parts[0]!.start : 0;
    const read = results.reduce((a, r) => a + (r.bytesRead ?? 0), 0);
    if (!this.stopped && read !== size) {
      this.settled = true;
      sink.fail(new Error(`--workers: the threads read ${read} bytes of a file of ${size} (did it change while being read?)`));
      return;
    }
    // The parts tile the file's size at the start (stdin, fd 0); one thread would read on to the end.
    const grown = this.stopped ? 0 : stdinSize() - (this.parts.length ? this.parts[this.parts.length - 1]!.end : 0);
    if (grown > 0) this.log(`dstream: warning: the input grew by ${grown} bytes while the threads read it: those bytes are not in the output (--workers 1 reads to the end)`);
    const issues = this.ssc.issues;
    for (const r of results) {
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
    for (const r of results) {
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
    const merged = this.eventTime ? undefined : this.premerge(results);
    if (merged) {
      for (const [k, v] of merged) sink.record([NaN, k, v]);
      pushed = merged.size;
    } else {
      for (const r of results) {
        for (const [pane, keys, values] of r.partials) {
          const t = this.eventTime ? pane * this.tasks[0]!.paneMs : NaN;
          for (let i = 0; i < keys.length; i++) sink.record([t, keys[i], values[i]]);
          pushed += keys.length;
        }
      }
    }
    if (pushed === 0 && this.zeroCount) sink.record([NaN, GLOBAL_SENTINEL, 0]);
    if (this.tracker) {
      const max = Math.max(...results.map((r) => r.maxEventTimeMs));
      if (max > this.tracker.maxEventTimeMs) this.tracker.maxEventTimeMs = max;
    }
    this.settled = true;
    sink.end();
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

  /**
   * A graceful stop before every part has answered: each part stops at its next block (a thread
   * is waited for up to `STOP_WAIT_MS`, synchronously: no record may be pushed after `stop`
   * returns) and what they read is pushed, as one thread pushes what it read before a stop —
   * here the first bytes of each part rather than of the file (said on stderr). When a part
   * does not answer in time, or a sum is inexact, nothing is pushed (said too).
   */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (!this.settled) this.takeWhatWasRead();
    this.endThreads();
  }

  private takeWhatWasRead(): void {
    const signals = new Int32Array(this.signals);
    Atomics.store(signals, 0, 1);
    const results = this.results;
    const deadlineMs = performance.now() + STOP_WAIT_MS;
    try {
      results[0] ??= (this.runner ??= this.reader(this.parts[0]!)).results();
    } catch {
      /* the part's error is the one reported */
    }
    for (const { port, index } of this.workers) {
      if (results[index]) continue;
      Atomics.wait(signals, 1 + index, 0, Math.max(0, deadlineMs - performance.now()));
      const answer = workerThreads().receiveMessageOnPort(port)?.message as WorkerResult | WorkerResult[] | undefined;
      results[index] = Array.isArray(answer) ? answer : null;
    }
    if (this.parts.length === 0) return;
    if (!results.every((rs) => rs?.every((r) => r.ok && !r.inexact))) {
      this.log('dstream: stopped before the threads finished: the input read so far is not in the output (--workers 1 keeps it)');
      return;
    }
    const read = (results as WorkerResult[][]).flat().reduce((a, r) => a + (r.bytesRead ?? 0), 0);
    const size = this.parts[this.parts.length - 1]!.end - this.parts[0]!.start;
    if (results.length > 1) {
      this.log(`dstream: stopped before the end of the input: the output covers ${read} of its ${size} bytes (what the ${results.length} threads had read, from the start of each part)`);
    }
    this.done();
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
    /** A sum met a value that is not an integer: the file is read in one thread (see `WorkerTask.integerSums`). */
    onOneThread?: () => void;
  },
): DStream<unknown> {
  const { prefix, aggregation: agg, window: win, eventTime, rest } = splitPipeline(o.operators, 'workers', o.timezone);
  const combine = combinerOf(agg, '--workers', 'drop --workers');
  const paneMs = win ? windowSpec(win.lengthMs, win.slideMs, ssc.batchIntervalMs, true).paneMs : Number.MAX_SAFE_INTEGER;
  const ranges = lineAlignedRanges(0, o.stdinSize, o.workers);
  const segments = SegmentTable.create(ranges).buffer;
  const tasks: WorkerTask[] = ranges.map(([start, end], index) => ({ segments,
    start, end, prefix, aggregation: agg, batchIntervalMs: ssc.batchIntervalMs, paneMs,
    watermarkDelayMs: o.settings.watermarkDelayMs, timezone: o.timezone, parse: o.parse, maxLineBytes: o.maxLineBytes, onError: o.onError,
    index, progress: o.progress, integerSums: 'source' in agg && agg.source === 'sum',
  }));
  const source = new WorkersSource(tasks, ssc, o.log, eventTime && win !== undefined, agg.op === 'count' && !win, win || ('source' in agg && !isBuiltinReducer(agg.source)) ? undefined : (combine as (a: unknown, b: unknown) => unknown), o.onOneThread); // a function may throw: the pipeline reports it
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

/** The size of stdin (a regular file) now, in bytes; 0 when it cannot be read. */
function stdinSize(): number {
  try {
    return fstatSync(0).size;
  } catch {
    return 0;
  }
}
