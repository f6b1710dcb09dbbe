/**
 * The push protocol between physical operators ("nodes") of a running job.
 *
 * A batch flows as:
 * - `record(value, tMs)` calls for the batch's own records (the *default group*),
 *   pushed as soon as a receiver has them — no array of the whole batch is built
 *   when the operators can aggregate on the fly;
 * - at the batch time, `endBatch(info)`: aggregating nodes then emit their
 *   results, either as default-group records or inside window groups
 *   (`beginGroup(bounds)`, records, `endGroup()`), and pass `endBatch` on.
 *
 * `tMs` is the record's event time (epoch ms), or `NaN` in processing time.
 * All calls are synchronous; a node never keeps a reference to the caller.
 */
import type { BatchInfo, WindowBounds } from './types.js';

/** A receiver of the push protocol (see module doc). */
export interface StreamNode {
  record(value: unknown, tMs: number): void;
  beginGroup(bounds: WindowBounds): void;
  endGroup(): void;
  endBatch(batch: BatchInfo): void;
}

/** A node that drops everything: the output of a node nobody consumes. */
export const NULL_NODE: StreamNode = {
  record() {},
  beginGroup() {},
  endGroup() {},
  endBatch() {},
};

/** Forwards every call to several nodes (a DStream consumed by more than one operator). */
export class FanOut implements StreamNode {
  constructor(readonly targets: StreamNode[]) {}
  record(value: unknown, tMs: number): void {
    for (const t of this.targets) t.record(value, tMs);
  }
  beginGroup(bounds: WindowBounds): void {
    for (const t of this.targets) t.beginGroup(bounds);
  }
  endGroup(): void {
    for (const t of this.targets) t.endGroup();
  }
  endBatch(batch: BatchInfo): void {
    for (const t of this.targets) t.endBatch(batch);
  }
}

/** Base of nodes with one output (`out`), which becomes a `FanOut` when a second consumer attaches. */
export abstract class Emitter {
  out: StreamNode = NULL_NODE;
  /** Attaches a consumer of this node's output. */
  connect(child: StreamNode): void {
    if (this.out === NULL_NODE) this.out = child;
    else if (this.out instanceof FanOut) this.out.targets.push(child);
    else this.out = new FanOut([this.out, child]);
  }
}

/**
 * Joins several parents into one stream (Spark's `union`): records pass
 * through; `endBatch` is forwarded once, after every parent has ended the batch.
 */
export class UnionNode extends Emitter implements StreamNode {
  private ended = 0;
  constructor(private readonly parentCount: number) {
    super();
  }
  record(value: unknown, tMs: number): void {
    this.out.record(value, tMs);
  }
  beginGroup(bounds: WindowBounds): void {
    this.out.beginGroup(bounds);
  }
  endGroup(): void {
    this.out.endGroup();
  }
  endBatch(batch: BatchInfo): void {
    if (++this.ended < this.parentCount) return;
    this.ended = 0;
    this.out.endBatch(batch);
  }
}

/**
 * A node with state across batches. `snapshot()` returns plain data (Maps and
 * Sets allowed: the checkpoint codec tags them) taken between batches;
 * `restore()` takes it back into a freshly built node of the same plan.
 */
export interface Checkpointable {
  snapshot(): unknown;
  restore(data: unknown): void;
  /** Number of keys (or window rows) held, for progress reports. */
  stateSize?(): number;
  /**
   * Event-time windows (or sessions) holding data that the watermark has not
   * closed yet: what a run that stops without emitting them (`--once
   * --checkpoint`) leaves in the checkpoint.
   */
  openWindows?(): number;
}

/** True when `x` implements `Checkpointable`. */
export function isCheckpointable(x: unknown): x is Checkpointable {
  return typeof (x as Checkpointable)?.snapshot === 'function' && typeof (x as Checkpointable)?.restore === 'function';
}
