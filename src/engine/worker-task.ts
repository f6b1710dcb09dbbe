/**
 * One part of a `--workers` job (a `WorkerTask`: a line-aligned byte range of stdin, a regular
 * file read at explicit positions): its lines go through a `MapSideCombiner` (the stateless prefix
 * of the pipeline, then a pre-aggregation per (pane, key)), and `result()` is what the main thread
 * merges — the partials, the counts, and the first issues of each kind with their record numbers,
 * so that they are reported as one thread would have. Run whole in a worker thread
 * (worker-entry.ts), or in slices by the main thread, which takes the first part itself.
 */
import { readSync } from 'node:fs';
import type { ErrorPolicy, Issue, IssueKind } from '../core/issues.js';
import type { Millis } from '../core/types.js';
import { FunctionCache } from '../plan/compile-fn.js';
import type { OperatorFlag } from '../plan/pipeline.js';
import type { AggFlag } from '../plan/worker-split.js';
import { LineSplitter } from '../sources/line-splitter.js';
import { MapSideCombiner } from './map-side-combine.js';
import { SegmentTable } from './segments.js';
import { encodePartitions, packable } from './partial-codec.js';
import { firstUnclonable } from './clone-check.js';

/** What one worker is asked to do (structured-cloned to the thread). */
export interface WorkerTask {
  start: number;
  end: number;
  prefix: OperatorFlag[];
  aggregation: AggFlag;
  batchIntervalMs: Millis;
  paneMs: Millis;
  watermarkDelayMs: Millis;
  timezone?: string;
  parse?: { format: string; delimiter?: string; year?: number };
  maxLineBytes: number;
  onError: ErrorPolicy;
  /** The thread's number (0-based, in file order). */
  index: number;
  /**
   * The byte offset where stdin starts for dstream (its file offset when dstream started): a UTF-8
   * byte order mark there is dropped, as one thread drops it (default 0).
   */
  bomAt?: number;
  /** Bytes read so far by each thread (a `Float64Array` over it, one slot per thread), for the progress bar. */
  progress?: SharedArrayBuffer;
  /**
   * With the built-in `sum`: stop at the first value that is not an integer (number or `BigInt`) and
   * answer `inexact` (such a sum depends on the order of additions; the main thread then reads the
   * file in one thread).
   */
  integerSums?: boolean;
  /**
   * An `Int32Array` over it: slot 0 non-zero asks every part to stop at its next block and answer
   * with what it has read (a graceful stop); slot 1 + `index` is set to 1 once the part's answer is
   * posted, and to 2 once its merged key partition is (the main thread waits on it during a stop,
   * see engine/workers-source.ts).
   */
  signals?: SharedArrayBuffer;
  /**
   * The shared `SegmentTable` (engine/segments.ts): the part is its segment number `segment`
   * (default: `index`), whose blocks are claimed there, so that other threads can take its rest.
   */
  segments?: SharedArrayBuffer;
  segment?: number;
  /**
   * Without windows, with a built-in combine: pack the partials into this many key partitions
   * (`WorkerResult.packed`, engine/partial-codec.ts) when every key is a string and every partial
   * a number, so that each thread can merge one partition (engine/workers-merge.ts).
   */
  partitions?: number;
}

/** What a thread posts back (worker-entry.ts). */
export interface WorkerResult {
  ok: boolean;
  error?: string;
  code?: number;
  /** Per pane (ascending): `[paneIndex, keys, partials]`, keys and partials in first-seen order (two flat arrays clone ~10× faster than pairs). */
  partials: [number, unknown[], unknown[]][];
  /** Instead of `partials` (empty then): one chunk per key partition (see `WorkerTask.partitions`). */
  packed?: ArrayBuffer[];
  maxEventTimeMs: number;
  counts: Record<IssueKind, number>;
  byOperator: [string, number][];
  /** `IssueLog.passedCounts()` of the worker's stateless operators. */
  passed: { where: string; name: string; passed: number }[];
  /** The first `ISSUES_FORWARDED_PER_KIND` issues of each kind, in order; `rawSeq` counts the thread's lines from 1. */
  issues: Issue[];
  /** Lines the thread read. */
  records: number;
  /** `StatelessNode.stepCounts()` of the thread's stateless prefix (for the undefined-result warning). */
  steps: { name: string; passed: number; undef: number; undefKey: number }[];
  /** Warnings the thread's operators gave (`IssueLog.warn`: a key that came as a Set and as an array), as `[where, message]`. */
  warnings?: [string, string][];
  /** With `integerSums`: the part stopped at a value that makes the sum depend on the order (the rest is not meaningful). */
  inexact?: boolean;
  /** The type of a key or partial that a structured clone would change (engine/clone-check.ts): the file is then read in one thread. */
  unclonable?: string;
  /** The first byte of the part (parts are merged in this order). */
  start: number;
  /** The part was stopped (`signals`) before its end: the partials cover its first `bytesRead` bytes. */
  cut?: boolean;
  bytesRead?: number;
}

/**
 * Issues of each kind a part sends with their input (the rest are only counted): enough for
 * the first lines on stderr (`SHOWN_PER_KIND`) and for the `--parse` hint over the first 100 lines.
 */
export const ISSUES_FORWARDED_PER_KIND = 100;

/** `v` if it survives a structured clone (postMessage), else a string for messages. */
function cloneable(v: unknown): unknown {
  try {
    structuredClone(v);
    return v;
  } catch {
    return String(v);
  }
}

/** Reads and combines one part of the input (see module doc). */
export class TaskRunner {
  private readonly combiner: MapSideCombiner;
  private readonly splitter: LineSplitter;
  private readonly forwarded: Issue[] = [];
  /** Warnings given since the last `result()` (`WorkerResult.warnings`). */
  private readonly warnings: [string, string][] = [];
  private readonly progress: Float64Array | undefined;
  private readonly signals: Int32Array | undefined;
  private readonly buf = Buffer.allocUnsafe(1 << 20);
  private readonly segments: SegmentTable | undefined;
  /** Bytes of the part read so far. */
  private read = 0;
  /** The part has been read to its end. */
  private ended = false;

  /**
   * @param yields a worker thread's part: gives the rest of its segment up when the main thread asks
   *   (`SegmentTable.requestYield`).
   * @param functions the thread's compiled functions (each compiled once for all its parts).
   * @throws ConfigError for an invalid function or parser.
   */
  constructor(private readonly task: WorkerTask, private yields = false, functions = new FunctionCache()) {
    const combiner = (this.combiner = new MapSideCombiner({
      prefix: task.prefix, aggregation: task.aggregation, paneMs: task.paneMs, watermarkDelayMs: task.watermarkDelayMs,
      timezone: task.timezone, parse: task.parse, onError: task.onError, integerSums: task.integerSums, functions,
    }));
    const perKind = new Map<IssueKind, number>();
    combiner.issues.listen((i) => {
      const n = (perKind.get(i.kind) ?? 0) + 1;
      perKind.set(i.kind, n);
      if (n <= ISSUES_FORWARDED_PER_KIND) this.forwarded.push({ ...i, value: cloneable(i.value), raw: cloneable(i.raw) });
    });
    combiner.issues.onWarning((line, where) => this.warnings.push([where, line.slice(where.length + 2)]));
    this.progress = task.progress ? new Float64Array(task.progress) : undefined;
    this.signals = task.signals ? new Int32Array(task.signals) : undefined;
    this.splitter = new LineSplitter((line) => combiner.line(line), combiner.issues, 'stdin', task.maxLineBytes, task.start === (task.bomAt ?? 0));
    this.splitter.onText = (text, n) => combiner.lines(text, n);
    this.segments = task.segments ? new SegmentTable(task.segments) : undefined;
  }

  /**
   * Reads 1 MiB blocks (claimed from the shared `segments` table when there is one) until the
   * part ends or `deadlineMs` (`performance.now()` ms) has passed.
   * @returns true when the part is done — read whole, asked to stop (`signals`), or `inexact` — (then call `result()`).
   */
  step(deadlineMs = Infinity): boolean {
    const { task, buf, signals } = this;
    for (;;) {
      if (this.combiner.inexact || (signals && Atomics.load(signals, 0) !== 0)) return true;
      if (this.yields && this.segments?.yieldRequested) {
        this.segments.yieldRest(task.segment ?? task.index, 0); // read on to the next line end only
        this.yields = false;
      }
      const block = this.next(buf.length);
      if (!block) {
        this.ended = true;
        return true;
      }
      let [at, to] = block;
      while (at < to) {
        const n = readSync(0, buf, 0, to - at, at);
        if (n <= 0) to = at; // the file shrank: its end is here
        this.splitter.push(buf.subarray(0, n));
        at += n;
      }
      this.read += to - block[0];
      if (this.progress) this.progress[task.index]! += to - block[0];
      if (to < block[1]) {
        this.ended = true;
        return true;
      }
      if (performance.now() > deadlineMs) return false;
    }
  }

  /** The next block to read, `[from, to)`, or `undefined` at the end of the part. */
  private next(maxBytes: number): [number, number] | undefined {
    if (this.segments) return this.segments.claim(this.task.segment ?? this.task.index, maxBytes);
    const from = this.task.start + this.read;
    return from < this.task.end ? [from, Math.min(this.task.end, from + maxBytes)] : undefined;
  }

  /** Ends the part: its partials and counts (see `WorkerResult`). */
  result(): WorkerResult {
    // A part stopped early ends at its last complete line: the bytes after it are unread input, not a record.
    if (this.ended) this.splitter.end();
    const { combiner } = this;
    const issues = combiner.issues;
    // take() ends the batch (warnings are decided by the main thread over every part's counts); panes ascending.
    const n = this.task.partitions;
    let { packed, columns: partials } = n ? combiner.takePacked(n) : { packed: undefined, columns: combiner.takeColumns() };
    const [keys, values] = partials.length === 1 ? [partials[0]![1], partials[0]![2]] : [[], []];
    if (n && !packed && partials.length <= 1 && packable(keys, values)) {
      packed = encodePartitions(keys, values as number[], n);
      if (packed) partials = [];
    }
    return {
      ok: true, partials, packed, inexact: combiner.inexact || undefined, unclonable: firstUnclonable(partials), start: this.task.start, cut: !this.ended || undefined, bytesRead: this.read, maxEventTimeMs: combiner.maxEventTimeMs, counts: issues.counts, byOperator: [...issues.byOperator],
      passed: issues.passedCounts(), issues: this.forwarded, records: issues.recordsSeen, steps: combiner.stateless?.stepCounts() ?? [],
      warnings: this.warnings.length > 0 ? this.warnings.splice(0) : undefined,
    };
  }
}

/**
 * What one thread reads: its own part, then, with a shared `SegmentTable`, the rest of another
 * segment while one has enough left (engine/segments.ts) — one `WorkerResult` per part read.
 */
export class PartsReader {
  private runner: TaskRunner;
  private readonly read: WorkerResult[] = [];
  private finished = false;
  /**
   * @param yields a worker thread: gives its rest up when asked, and then takes no other (see `TaskRunner`).
   * @param functions the user's functions, compiled for the first part and used again for every part stolen after it.
   * @throws ConfigError for an invalid function or parser.
   */
  constructor(private readonly task: WorkerTask, private readonly table?: SegmentTable, private readonly yields = false, private readonly functions = new FunctionCache()) {
    this.runner = new TaskRunner(task, yields, this.functions);
  }

  /**
   * Reads until every part is done or `deadlineMs` (`performance.now()` ms) has passed.
   * @returns true when done (then call `results()`).
   */
  step(deadlineMs = Infinity): boolean {
    while (!this.finished) {
      if (!this.runner.step(deadlineMs)) return false;
      const r = this.runner.result();
      this.read.push(r);
      // The main thread (which does not yield) closes the table when there is nothing left to take.
      const segment = !r.inexact && !r.cut && this.table && !(this.yields && this.table.yieldRequested) ? this.table.steal(0, !this.yields) : undefined;
      if (segment === undefined) this.finished = true;
      else this.runner = new TaskRunner({ ...this.task, segment, start: this.table!.start(segment) }, this.yields, this.functions);
      if (performance.now() > deadlineMs) return this.finished;
    }
    return true;
  }

  /** The results of the parts read, the one being read included (up to where it is, after a stop). */
  results(): WorkerResult[] {
    if (!this.finished) {
      this.read.push(this.runner.result());
      this.finished = true;
    }
    return this.read;
  }
}

/** Reads a worker thread's parts to the end (see `PartsReader`; it yields when asked). */
export function readParts(task: WorkerTask, table?: SegmentTable): WorkerResult[] {
  const reader = new PartsReader(task, table, true);
  reader.step();
  return reader.results();
}
