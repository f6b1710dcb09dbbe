/**
 * The receiver of `--workers` mode (engine/workers.ts): starts the threads, reads the first part in
 * the main thread, and, when every part has answered, merges their partials (engine/workers-merge.ts)
 * and pushes them into the rest of the pipeline; a graceful stop pushes what was read.
 */
import { ConfigError, DStreamError, ExitCode } from '../core/errors.js';
import { stoppedCoverageMessage } from '../sources/fd-line-source.js';
import type { Source, SourceSink } from '../sources/source.js';
import type { WatermarkTracker } from '../windows/watermark.js';
import type { StreamingContext } from './context.js';
import { GLOBAL_SENTINEL } from './map-side-combine.js';
import { decodePartitions } from './partial-codec.js';
import { fileSize, SegmentTable } from './segments.js';
import { PartsReader, type WorkerResult, type WorkerTask } from './worker-task.js';
import { WorkerThreads, type SpareThread } from './workers-threads.js';
import type { FunctionCache } from '../plan/compile-fn.js';
import { SecondCoreWatch, type CoreClocks } from './workers-yield.js';
import { claimPartition, forwardThreadIssues, inRankOrder, mergedOf, mergePartition, premerge, type Merged, type MergeRequest } from './workers-merge.js';

/** The main thread reads its part in slices of this many ms, then serves its event loop. */
const LOCAL_SLICE_MS = 50;

/** A graceful stop waits at most this long (ms) for the threads to answer with what they have read. */
const STOP_WAIT_MS = 2000;

/**
 * The receiver of worker mode: runs the parts, then pushes `[paneStartMs, key, partial]` triples in
 * file order. A part that answers `inexact` (a sum of non-integers) or `unclonable` (a key a clone
 * would change) gives the parts up: the main thread reads the whole file itself, as one part.
 * A graceful stop (SIGINT) asks every part to stop at its next block and pushes what they read.
 */
export class WorkersSource implements Source {
  readonly name = 'stdin';
  tracker: WatermarkTracker | null = null;
  private readonly threads: WorkerThreads;
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
  /** While the threads merge their key partitions (see `merge`): the parts' results and the merged partitions so far. */
  private merging: { results: WorkerResult[]; merged: (ArrayBuffer | Merged | undefined)[] } | undefined;
  /** `WorkerTask.signals` (stop flag, then one slot per part: 1 answered, 2 merged). */
  private readonly signals: SharedArrayBuffer;
  constructor(
    private readonly tasks: WorkerTask[],
    private readonly ssc: StreamingContext,
    private readonly log: (line: string) => void,
    private readonly eventTime: boolean,
    /** `--count` over no record at all is a count of 0, as in one thread (a reduce gives nothing). */
    private readonly zeroCount = false,
    /** The combine of two partials: given, the partials are merged here and each key is pushed once (see `finish`). */
    private readonly combine?: (a: unknown, b: unknown) => unknown,
    /** Called when the file is read in one thread after all (a sum turned out inexact, or a key cannot cross threads), with why. */
    private readonly onOneThread?: (why: string) => void,
    /** `--workers auto`: the threads give their rests up when the job gets no second core (engine/workers-yield.ts). */
    private readonly secondCore?: { clocks: CoreClocks; atOnce: boolean },
    spare?: SpareThread, // a thread started before the job was known (cli/start.cts): reads the first part given to a thread
    private readonly functions?: FunctionCache, // the user's functions, compiled (engine/workers.ts checks them before any read)
  ) {
    this.threads = new WorkerThreads(spare);
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
        // A usage error stays one (exit 2); a runtime one (`--on-error fail`) exits 1, as in one thread.
        const message = `worker ${i + 1}: ${failed.error}`;
        this.sink.fail(failed.code === ExitCode.USAGE ? new ConfigError(message) : new DStreamError('E_WORKER', 'processing', message));
        return;
      }
      // A key a clone would change matters only where parts cross threads (not when the main thread reads the file alone).
      const one = rs.find((r) => r.inexact || (r.unclonable !== undefined && this.parts.length > 1));
      if (one) {
        this.oneThread(one.inexact ? 'the sum has a value that is not an integer, so it depends on the order of additions' : `a key or partial is of type ${one.unclonable}, which a thread cannot pass on as it is`);
        return;
      }
      this.results[i] = rs;
      if (--pending === 0) this.done();
    };
    // The first part is read here, in slices (so timers and signals are served), while threads read the others:
    // the main thread would otherwise wait idle, and one thread fewer starts.
    const table = parts.length > 1 && parts[0]!.segments && this.secondCore ? new SegmentTable(parts[0]!.segments) : undefined;
    const watch = table && new SecondCoreWatch(table, this.secondCore!.clocks, this.secondCore!.atOnce);
    const local = () => {
      if (this.stopped || generation !== this.generation) return;
      watch?.check();
      let r: WorkerResult | WorkerResult[];
      try {
        this.runner ??= this.reader(parts[0]!);
        if (!this.runner.step(performance.now() + LOCAL_SLICE_MS)) {
          setImmediate(local);
          return;
        }
        r = this.runner.results();
      } catch (e) {
        r = { ok: false, error: e instanceof Error ? e.message : String(e), code: (e as { exitCode?: number }).exitCode } as WorkerResult;
      }
      finished(0, r);
    };
    for (const task of parts.slice(1)) {
      const t = this.threads.start(task, (e) => {
        if (generation !== this.generation) return;
        this.settled = true;
        this.stop();
        this.sink.fail(e);
      });
      t.port.once('message', (r: WorkerResult | WorkerResult[]) => {
        // A thread with packed partials waits to merge its key partition (see `merge`).
        if (!Array.isArray(r) || !r.every((x) => x.packed)) void t.worker.terminate();
        finished(task.index, r);
      });
    }
    setImmediate(local);
  }

  /** Gives the parts up and reads the whole file here as one part (see class doc). */
  private oneThread(why: string): void {
    this.threads.end();
    if (this.tasks[0]!.progress) new Float64Array(this.tasks[0]!.progress).fill(0);
    this.onOneThread?.(why);
    const first = this.tasks[0]!;
    this.launch([{ ...first, start: first.start, end: this.tasks[this.tasks.length - 1]!.end, integerSums: false, segments: undefined, partitions: undefined }]);
  }

  /** The reader of the main thread's part (and of the rests it takes from others, see engine/segments.ts). */
  private reader(task: WorkerTask): PartsReader {
    return new PartsReader(task, task.segments ? new SegmentTable(task.segments) : undefined, false, this.functions);
  }

  /** Checks and merges every part's answer (see `merge`), then pushes the partials and ends the input. */
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
    const grown = this.stopped ? 0 : fileSize(0) - (this.parts.length ? this.parts[this.parts.length - 1]!.end : 0);
    if (grown > 0) this.log(`dstream: warning: the input grew by ${grown} bytes while the threads read it: those bytes are not in the output (--workers 1 reads to the end)`);
    forwardThreadIssues(results, this.ssc.issues);
    if (this.tracker) {
      const max = Math.max(...results.map((r) => r.maxEventTimeMs));
      if (max > this.tracker.maxEventTimeMs) this.tracker.maxEventTimeMs = max;
    }
    this.merge(results);
  }

  /**
   * Pushes the partials: packed ones (every part packed) merged one key partition per thread (each
   * its own if it claims it in time), then pushed in first-seen order; else, with a `combine`, merged
   * here per key (`premerge`); else part by part, pane by pane (the windowed reduce merges them).
   */
  private merge(results: WorkerResult[]): void {
    const combine = this.combine;
    const packed = combine && !this.eventTime && results.length > 0 && results.every((r) => r.packed);
    if (!packed) for (const r of results) if (r.packed) r.partials = [[0, ...decodePartitions(r.packed)]];
    if (!packed || this.stopped || this.threads.threads.length !== this.parts.length - 1) {
      const partitions = packed ? results[0]!.packed!.map((_, p) => mergePartition(results.map((r) => r.packed![p]!), combine)) : undefined;
      this.finish(results, partitions);
      return;
    }
    // Parallel: partition p of every part (in file order) to thread p; the answers come back on the same ports.
    const generation = this.generation;
    const merged: (ArrayBuffer | Merged | undefined)[] = results[0]!.packed!.map(() => undefined);
    this.merging = { results, merged };
    let pending = merged.length;
    const answered = (p: number, m: ArrayBuffer | Merged) => {
      if (this.stopped || generation !== this.generation || merged[p]) return;
      merged[p] = m;
      if (--pending === 0) this.finish(results, merged as (ArrayBuffer | Merged)[]);
    };
    // A thread claims its partition first; the main thread merges partition 0, then every one not claimed yet (`claimPartition`).
    const claims = new Int32Array(new SharedArrayBuffer(4 * merged.length));
    const threads = this.threads.threads;
    for (const { port, index } of threads) {
      port.once('message', (m: ArrayBuffer | Merged) => answered(index, m));
      port.postMessage({ chunks: results.map((r) => r.packed![index]!), claims: claims.buffer } satisfies MergeRequest);
    }
    // Decoded at once (keys made strings), while the threads merge and decode theirs.
    const mergeHere = (p: number) => answered(p, mergedOf(mergePartition(results.map((r) => r.packed![p]!), combine)));
    mergeHere(0);
    for (const { index } of threads) if (claimPartition(claims, index)) mergeHere(index);
  }

  /** Pushes the merged partials (see `merge`) and ends the input. */
  private finish(results: WorkerResult[], partitions: (ArrayBuffer | Merged)[] | undefined): void {
    const sink = this.sink;
    this.merging = undefined;
    let pushed = 0;
    const merged = partitions || this.eventTime || !this.combine ? undefined : premerge(results, this.combine);
    if (partitions) {
      pushed = inRankOrder(partitions.map(mergedOf), (k, v) => sink.record([NaN, k, v]));
    } else if (merged) {
      for (const [k, v] of merged) sink.record([NaN, k, v]);
      pushed = merged.length;
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
    // Records in: the lines the threads read, as one thread counts them (not the merged rows).
    sink.inputRecords?.(results.reduce((n, r) => n + r.records, 0));
    this.settled = true;
    this.threads.end();
    sink.end();
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
    this.threads.end();
  }

  private takeWhatWasRead(): void {
    if (this.merging) {
      this.awaitMerges();
      return;
    }
    const signals = new Int32Array(this.signals);
    Atomics.store(signals, 0, 1);
    const results = this.results;
    const deadlineMs = performance.now() + STOP_WAIT_MS;
    try {
      results[0] ??= (this.runner ??= this.reader(this.parts[0]!)).results();
    } catch {
      /* the part's error is the one reported */
    }
    for (const t of this.threads.threads) {
      if (results[t.index]) continue;
      const answer = this.threads.receive(t, this.signals, 0, deadlineMs) as WorkerResult | WorkerResult[] | undefined;
      results[t.index] = Array.isArray(answer) ? answer : null;
    }
    if (this.parts.length === 0) return;
    if (!results.every((rs) => rs?.every((r) => r.ok && !r.inexact && r.unclonable === undefined))) {
      this.log('dstream: stopped before the threads finished: the input read so far is not in the output (--workers 1 keeps it)');
      return;
    }
    const read = (results as WorkerResult[][]).flat().reduce((a, r) => a + (r.bytesRead ?? 0), 0);
    const size = this.parts[this.parts.length - 1]!.end - this.parts[0]!.start;
    if (results.length > 1) this.log(stoppedCoverageMessage(read, size, results.length));
    this.done();
  }

  /** A stop while the threads merge (see `merge`): their answers are waited for (up to `STOP_WAIT_MS`) and pushed. */
  private awaitMerges(): void {
    const { results, merged } = this.merging!;
    const deadlineMs = performance.now() + STOP_WAIT_MS;
    for (const t of this.threads.threads) merged[t.index] ??= this.threads.receive(t, this.signals, 1, deadlineMs) as ArrayBuffer | Merged | undefined;
    if (merged.every(Boolean)) this.finish(results, merged as (ArrayBuffer | Merged)[]);
    else this.log('dstream: stopped before the threads finished: the input read so far is not in the output (--workers 1 keeps it)');
  }
}
