/**
 * map / flatMap / filter / event-time assignment, fused into one pass.
 *
 * Consecutive stateless steps of a DStream are one node whose `record` is a
 * chain of closures built once at start (continuation-passing): a record goes
 * through every step with no intermediate array, no promise and no stream
 * object. A user function that throws skips that record (see `IssueLog`);
 * errors of downstream operators are not caught here.
 */
import { toEventTimeMs } from '../core/event-time.js';
import type { BatchInfo, WindowBounds } from '../core/types.js';
import { Emitter, type StreamNode } from '../engine/node.js';
import { preview, type IssueLog } from '../engine/issues.js';
import type { WatermarkTracker } from '../windows/watermark.js';

/** One stateless step. `label` names it in messages, e.g. `--map #1 (l => l.length)`. */
export type StatelessStep =
  | { kind: 'map'; fn: (x: any) => unknown; label: string }
  | { kind: 'flatMap'; fn: (x: any) => unknown; label: string }
  | { kind: 'filter'; fn: (x: any) => unknown; label: string }
  | { kind: 'eventTime'; fn: (x: any) => unknown; label: string; tracker: WatermarkTracker };

type Push = (value: unknown, tMs: number) => void;

/** The physical node of a run of stateless steps. */
export class StatelessNode extends Emitter implements StreamNode {
  private push: Push = () => {};
  constructor(private readonly steps: readonly StatelessStep[], private readonly issues: IssueLog) {
    super();
  }

  /** Builds the fused closure chain; called once, after all consumers are connected. */
  prepare(): void {
    const out = this.out;
    let next: Push = (v, t) => out.record(v, t);
    for (let i = this.steps.length - 1; i >= 0; i--) next = this.compile(this.steps[i]!, next);
    this.push = next;
  }

  private compile(step: StatelessStep, down: Push): Push {
    const issues = this.issues;
    const { fn, label } = step;
    switch (step.kind) {
      case 'map':
        return (v, t) => {
          let r: unknown;
          try {
            r = fn(v);
          } catch (e) {
            issues.userError(label, v, e);
            return;
          }
          if (r !== null && typeof r === 'object' && typeof (r as { then?: unknown }).then === 'function') {
            issues.userError(label, v, new TypeError('the function returned a Promise; functions must be synchronous'));
            return;
          }
          down(r, t);
        };
      case 'filter':
        return (v, t) => {
          let keep: unknown;
          try {
            keep = fn(v);
          } catch (e) {
            issues.userError(label, v, e);
            return;
          }
          if (keep !== null && typeof keep === 'object' && typeof (keep as { then?: unknown }).then === 'function') {
            issues.userError(label, v, new TypeError('the function returned a Promise; functions must be synchronous'));
            return;
          }
          if (keep) down(v, t);
        };
      case 'flatMap':
        return (v, t) => {
          let r: any;
          try {
            r = fn(v);
          } catch (e) {
            issues.userError(label, v, e);
            return;
          }
          if (r === null || r === undefined) return;
          if (Array.isArray(r)) {
            for (let i = 0; i < r.length; i++) down(r[i], t);
          } else if (typeof r !== 'string' && typeof r[Symbol.iterator] === 'function') {
            for (const x of r) down(x, t);
          } else {
            issues.userError(label, v, new TypeError(`flatMap function must return an array or iterable, got ${typeof r}`));
          }
        };
      case 'eventTime': {
        const tracker = step.tracker;
        return (v, _t) => {
          let r: unknown;
          try {
            r = fn(v);
          } catch (e) {
            issues.userError(label, v, e);
            return;
          }
          const ms = toEventTimeMs(r, tracker.zone);
          if (ms !== ms) {
            issues.badRecord('bad-event-time', label, v, `not a valid time: ${preview(r)}`);
            return;
          }
          if (ms > tracker.maxEventTimeMs) tracker.maxEventTimeMs = ms;
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
    this.out.endBatch(batch);
  }
}
