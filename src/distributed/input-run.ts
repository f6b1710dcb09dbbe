/**
 * Stage 1's computation over one input partition's batch, the same on every
 * log: the stateless operators run over its lines, with event time and
 * per-record lateness against the partition's running maximum, and give
 *
 * - a windowed job: partials per (key, pane), combined map-side and packed
 *   per key partition (`MapSideCombiner`, `packByKeyPartition`);
 * - a stateless job: output rows, packed (`RowCollector`, rows.ts);
 * - an `--update-state-by-key` job: tagged values per batch of lines, packed
 *   per key partition (`StateCollector`, state-stage.ts).
 *
 * Where the lines come from and how the result is committed is the backend's
 * unit: redis/stage1.ts (Redis: planned offset range, one Lua commit per unit),
 * kafka/units.ts `InputUnit`, one class for every kind of job (Kafka: one transaction per stage).
 * A batch's issues wait in `issues` until its commit (batch-issues.ts).
 */
import type { Millis } from '../core/types.js';
import { MapSideCombiner } from '../engine/map-side-combine.js';
import { BatchIssues } from './batch-issues.js';
import type { UnitContext } from './job-context.js';
import { packByKeyPartition } from './partials.js';
import { RowCollector } from './rows.js';
import { StateCollector } from './state-stage.js';

/** The settings a stage-1 computation needs. */
export type InputRunContext = Pick<UnitContext, 'combiner' | 'stateless' | 'updateState' | 'inputPartitions' | 'keyPartitions' | 'onWarning' | 'onOperators' | 'watermarkDelayMs'>;

/** One batch computed (see module doc). */
export interface RunResult {
  /** Windowed and state jobs: one payload per key partition ('' for none); a stateless job: its row packs. */
  out: string[];
  /** The running maximum event time after the batch (epoch ms; −∞ before any). */
  maxEventTimeMs: Millis;
  /**
   * The partition's watermark after the batch (epoch ms): the maximum less `--watermark`, +∞ at the end;
   * a state job: its line frontier (`StateCollector.frontier`), also at the end.
   */
  watermarkMs: number;
  /** Lines run. */
  lines: number;
  /** Records of the batch that were late. */
  late: number;
}

/** The operators of one input partition, run batch by batch (see module doc). */
export class InputRun {
  readonly collector: MapSideCombiner | RowCollector | StateCollector;
  /** Issues of the running batch, reported once it is committed. */
  readonly issues: BatchIssues;
  private lines = 0;
  private lateBefore = 0;

  /**
   * @param partition the input partition (a state job numbers its lines by it).
   * @throws ConfigError for an invalid function or parser.
   */
  constructor(private readonly ctx: InputRunContext, readonly partition: number) {
    const o = ctx.combiner;
    const u = ctx.updateState;
    const c = ctx.stateless ? new RowCollector(o)
      : u ? new StateCollector(o, { label: u.label, batchLines: u.batchLines, inputPartitions: ctx.inputPartitions, partition, keyPartitions: ctx.keyPartitions })
      : new MapSideCombiner({ ...o, lateness: o.lateness && { ...o.lateness } });
    this.collector = c;
    this.issues = new BatchIssues(c.issues, () => c.maxEventTimeMs, ctx.onWarning);
    ctx.onOperators?.(c.issues);
  }

  /**
   * Starts a batch where the partition's committed state is: its lines so far, its running maximum
   * event time (ms) and its lateness floor (ms; records before it are late whatever the maximum).
   * What a batch begun before and not committed had gathered is dropped.
   */
  begin(lines: number, maxEventTimeMs: Millis, floorMs: Millis): void {
    const c = this.collector;
    c.take();
    this.issues.begin();
    if (c instanceof MapSideCombiner) c.resume(maxEventTimeMs, floorMs);
    else c.begin(lines, maxEventTimeMs);
    this.lateBefore = c.issues.counts.late;
    this.lines = 0;
  }

  /** Runs the next line of the partition through the operators. */
  line(text: string): void {
    this.collector.line(text);
    this.lines++;
  }

  /** Ends the batch; `eof`: the partition ends with it. */
  finish(eof: boolean): RunResult {
    const c = this.collector;
    const out = c instanceof MapSideCombiner ? packByKeyPartition(c.take(), this.ctx.keyPartitions) : c.take();
    const max = c.maxEventTimeMs;
    const watermarkMs = c instanceof StateCollector ? c.frontier() : eof ? Infinity : max - this.ctx.watermarkDelayMs;
    return { out, maxEventTimeMs: max, watermarkMs, lines: this.lines, late: c.issues.counts.late - this.lateBefore };
  }

  /** The late-records warning of the batch, if due (`BatchIssues.lateWarning`). */
  lateWarning(): string | null {
    return this.issues.lateWarning(this.partition, this.lines, this.ctx.watermarkDelayMs);
  }
}
