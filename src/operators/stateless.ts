/**
 * map / flatMap / filter / event-time assignment, fused into one pass.
 *
 * Consecutive stateless steps of a DStream are one node whose `record` is a
 * chain of closures built once at start (continuation-passing): a record goes
 * through every step with no intermediate array, no promise and no stream
 * object. A user function that throws skips that record (see `IssueLog`);
 * errors of downstream operators are not caught here.
 *
 * Likely mistakes are told, not silent: each step counts the records that got
 * through it (for `IssueLog.blocked`: a job in which every record failed in a
 * function exits 1), and a step with a `name` (a user's flag) that returned
 * `undefined` — or, for a map, a pair `[undefined, value]` — for every record
 * of a batch (a misspelt field, a block body without `return`) is warned
 * about once (`IssueLog.warn`).
 */
import { toEventTimeMs } from '../core/event-time.js';
import type { BatchInfo, WindowBounds } from '../core/types.js';
import { Emitter, type StreamNode } from '../core/node.js';
import { preview, type IssueLog } from '../core/issues.js';
import type { WatermarkTracker } from '../windows/watermark.js';
import { fusedHashtagCount, fusedTextCount } from './hashtags.js';

/**
 * One stateless step. `label` names it in messages about records, e.g.
 * `--map 'l => l.length'`; `name`, when given, in warnings about the
 * operator, e.g. `--map #2 'l => l.length'` (a step without one is not
 * watched for `undefined` results: `--parse`, which gives `undefined` for a CSV header).
 */
export type StatelessStep =
  | { kind: 'map'; fn: (x: any) => unknown; label: string; name?: string; hooks?: MapHooks }
  | { kind: 'flatMap'; fn: (x: any) => unknown; label: string; name?: string }
  | { kind: 'filter'; fn: (x: any) => unknown; label: string; name?: string }
  | { kind: 'eventTime'; fn: (x: any) => unknown; label: string; name?: string; tracker: WatermarkTracker };

/**
 * Extras of a map step whose function keeps state between records (a CSV
 * parser holding the header and the lines of an open record).
 */
export interface MapHooks {
  /** Called once at the end of input (the final batch, before its results). */
  atEnd?: () => void;
  /** State for checkpoints (plain data) and its restore; the node is then checkpointed. */
  snapshot?: () => unknown;
  restore?: (data: unknown) => void;
  /**
   * `undefined` is no record (a CSV header, a line of a record still open): dropped here and not
   * counted as got through, so that input whose every record failed in the function is told (`IssueLog.blocked`).
   */
  dropUndefined?: boolean;
}

type Push = (value: unknown, tMs: number) => void;

/** The message for a function that returned a Promise. */
const NOT_SYNCHRONOUS = 'the function returned a Promise; functions must be synchronous';

/** Whether `r` is a Promise (or another thenable). */
function isThenable(r: unknown): boolean {
  return r !== null && typeof r === 'object' && typeof (r as { then?: unknown }).then === 'function';
}

/** What a step's function call gives when it threw or returned a Promise (already reported). */
const FAILED: unique symbol = Symbol('failed');

/**
 * What one step saw: records that got through it, of those `undefined`
 * results and (map) pairs with an `undefined` key; cumulative, and as they
 * were at the last batch end.
 */
interface StepCounts {
  passed: number;
  undef: number;
  undefKey: number;
  passedAtBatch: number;
  undefAtBatch: number;
  undefKeyAtBatch: number;
  warned: boolean;
}

/** The physical node of a run of stateless steps. */
export class StatelessNode extends Emitter implements StreamNode {
  private push: Push = () => {};
  private readonly counts: StepCounts[];
  constructor(private readonly steps: readonly StatelessStep[], private readonly issues: IssueLog) {
    super();
    this.counts = steps.map((s) => {
      const c: StepCounts = { passed: 0, undef: 0, undefKey: 0, passedAtBatch: 0, undefAtBatch: 0, undefKeyAtBatch: 0, warned: false };
      issues.trackOperator(s.label, s.name ?? s.label, () => c.passed);
      return c;
    });
    // Checkpointable (`isCheckpointable`) only when a step has state: other pipelines keep their checkpoint layout.
    const stateful = steps.filter((s) => s.kind === 'map' && s.hooks?.snapshot !== undefined) as { hooks: Required<MapHooks> }[];
    if (stateful.length > 0) {
      Object.assign(this, {
        snapshot: () => stateful.map((s) => s.hooks.snapshot()),
        restore: (data: unknown) => {
          if (!Array.isArray(data) || data.length !== stateful.length) throw new Error('bad state of a stateful map');
          stateful.forEach((s, i) => s.hooks.restore(data[i]));
        },
      });
    }
  }

  /** Builds the fused closure chain; called once, after all consumers are connected. */
  prepare(): void {
    const out = this.out;
    let next: Push = (v, t) => out.record(v, t);
    let i = this.steps.length - 1;
    const [last, lastCounts, toOut] = [this.steps[i], this.counts[i]!, next];
    const fused = last && last.kind === 'flatMap' ? fusedHashtagCount(last.fn, lastCounts, out, () => this.compile(last, lastCounts, toOut)) : undefined;
    if (fused) {
      next = fused;
      i--;
    }
    for (; i >= 0; i--) next = this.compile(this.steps[i]!, this.counts[i]!, next);
    this.push = next;
  }

  /**
   * When this node is only `--flat-map hashtags` and the node after it counts by value: a function
   * that takes all the lines of a text at once (`LineSplitter.onText`, `lines` of them joined by
   * LF); else undefined. Call after `prepare`.
   */
  textCounter(): ((text: string, lines: number) => void) | undefined {
    const step = this.steps[0];
    return this.steps.length === 1 && step!.kind === 'flatMap' ? fusedTextCount(step!.fn, this.counts[0]!, this.out) : undefined;
  }

  private compile(step: StatelessStep, c: StepCounts, down: Push): Push {
    const issues = this.issues;
    const { fn, label } = step;
    /** `fn(v)`, or `FAILED` once a throw or a Promise (functions must be synchronous) is reported. */
    const call = (v: unknown): unknown => {
      let r: unknown;
      try {
        r = fn(v);
      } catch (e) {
        issues.userError(label, v, e);
        return FAILED;
      }
      if (isThenable(r)) {
        issues.userError(label, v, new TypeError(NOT_SYNCHRONOUS));
        return FAILED;
      }
      return r;
    };
    switch (step.kind) {
      case 'map':
        if (step.hooks?.dropUndefined) {
          return (v, t) => {
            const r = call(v);
            if (r === FAILED || r === undefined) return;
            c.passed++;
            down(r, t);
          };
        }
        return (v, t) => {
          const r = call(v);
          if (r === FAILED) return;
          c.passed++;
          if (r === undefined) c.undef++;
          else if (Array.isArray(r) && r.length === 2 && r[0] === undefined) c.undefKey++;
          down(r, t);
        };
      case 'filter':
        return (v, t) => {
          const keep = call(v);
          if (keep === FAILED) return;
          c.passed++;
          if (keep === undefined) c.undef++;
          if (keep) down(v, t);
        };
      case 'flatMap':
        return (v, t) => {
          // An array (the usual answer, e.g. `hashtags(t)`) is taken before `call`'s check for a
          // Promise, which an array never is: one type check per record instead of three.
          let r: any;
          try {
            r = fn(v);
          } catch (e) {
            issues.userError(label, v, e);
            return;
          }
          if (Array.isArray(r)) {
            c.passed++;
            for (let i = 0; i < r.length; i++) down(r[i], t);
            return;
          }
          if (isThenable(r)) {
            issues.userError(label, v, new TypeError(NOT_SYNCHRONOUS));
            return;
          }
          if (r === null || r === undefined) {
            c.passed++;
            if (r === undefined) c.undef++;
            return;
          }
          if (typeof r !== 'string' && typeof r[Symbol.iterator] === 'function') {
            c.passed++;
            for (const x of r) down(x, t);
          } else {
            issues.userError(label, v, new TypeError(`flatMap function must return an array or iterable, got ${typeof r}`));
          }
        };
      case 'eventTime': {
        const tracker = step.tracker;
        return (v, _t) => {
          const r = call(v);
          if (r === FAILED) return;
          const ms = toEventTimeMs(r, tracker.zone);
          if (ms !== ms) {
            issues.badRecord('bad-event-time', label, v, `not a valid time: ${preview(r)}`);
            return;
          }
          if (ms > tracker.maxEventTimeMs) tracker.maxEventTimeMs = ms;
          c.passed++;
          tracker.partitions?.observe(ms);
          down(v, ms);
        };
      }
    }
  }

  record(value: unknown, tMs: number): void {
    this.push(value, tMs);
  }
  beginGroup(bounds: WindowBounds): void {
    this.out.beginGroup(bounds);
  }
  endGroup(): void {
    this.out.endGroup();
  }
  endBatch(batch: BatchInfo): void {
    if (batch.final) for (const s of this.steps) if (s.kind === 'map') s.hooks?.atEnd?.();
    this.warnUndefined();
    this.out.endBatch(batch);
  }

  /** Warns once per named step that returned `undefined` for every record of this batch (see module doc). */
  private warnUndefined(): void {
    for (let i = 0; i < this.steps.length; i++) {
      const c = this.counts[i]!;
      const passed = c.passed - c.passedAtBatch;
      const undef = c.undef - c.undefAtBatch;
      const undefKey = c.undefKey - c.undefKeyAtBatch;
      c.passedAtBatch = c.passed;
      c.undefAtBatch = c.undef;
      c.undefKeyAtBatch = c.undefKey;
      const name = this.steps[i]!.name;
      const warning = name === undefined || c.warned ? undefined : undefinedWarning(passed, undef, undefKey);
      if (warning === undefined) continue;
      c.warned = true;
      this.issues.warn(name!, warning);
    }
  }

  /** Cumulative counts of each named step (for merging the counts of several threads, see `undefinedWarning`). */
  stepCounts(): { name: string; passed: number; undef: number; undefKey: number }[] {
    return this.steps.flatMap((s, i) => (s.name === undefined ? [] : [{ name: s.name, passed: this.counts[i]!.passed, undef: this.counts[i]!.undef, undefKey: this.counts[i]!.undefKey }]));
  }
}

/**
 * The warning for a step that returned `undefined` (or a pair with an `undefined` key) for every
 * one of `passed` records of a batch, or `undefined` when it did not (or saw no record).
 */
export function undefinedWarning(passed: number, undef: number, undefKey: number): string | undefined {
  if (passed === 0 || undef + undefKey !== passed) return undefined;
  const what = passed === 1 ? 'the only record' : `all ${passed} records`;
  const gave = undefKey === 0 ? 'undefined' : undef === 0 ? 'a pair with an undefined key' : 'undefined or a pair with an undefined key';
  return `returned ${gave} for ${what} of a batch (a misspelt field? a function body in braces without return?); warned once`;
}
