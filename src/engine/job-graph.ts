/**
 * The operator graph of a started job: the physical node of every stream an
 * output operation reads (physical.ts), each connected to its parents', with
 * one root per receiver. Built once, at `StreamingContext.start()`.
 */
import type { BatchInfo, Millis } from '../core/types.js';
import type { IssueLog } from '../core/issues.js';
import { Emitter, isCheckpointable, type Checkpointable, type StreamNode } from '../core/node.js';
import { StatelessNode } from '../operators/stateless.js';
import type { Source } from '../sources/source.js';
import type { WatermarkTracker } from '../windows/watermark.js';
import { createNode, type NodeEnv } from './physical.js';
import type { LogicalNode } from './plan.js';

/** The root node of one receiver: pushes its records into the graph and counts them per batch. */
export class SourceRoot extends Emitter implements StreamNode {
  /** Records pushed in the batch being received. */
  count = 0;
  record(value: unknown, tMs: number): void {
    this.count++;
    this.out.record(value, tMs);
  }
  /** What takes whole texts of lines (`recordLines`): null when nothing does; undefined until first asked. */
  private textCounter: ((text: string, lines: number) => void) | null | undefined;
  /**
   * `lines` records at once, the lines of `text` joined by LF (`LineSplitter.onText`), when the
   * consumer takes them so (`StatelessNode.textCounter`).
   * @returns false when it does not: push them one by one.
   */
  recordLines(text: string, lines: number): boolean {
    if (this.textCounter === undefined) this.textCounter = (this.out instanceof StatelessNode ? this.out.textCounter() : undefined) ?? null;
    if (this.textCounter === null) return false;
    this.count += lines;
    this.textCounter(text, lines);
    return true;
  }
  beginGroup(): void {}
  endGroup(): void {}
  endBatch(batch: BatchInfo): void {
    this.out.endBatch(batch);
  }
}

/** A receiver of the job with its root node; `ended` once it has no more input. */
export interface Receiver {
  readonly source: Source;
  readonly root: SourceRoot;
  ended: boolean;
}

/** The started job: receivers, and what its state is made of (see job-state.ts). */
export interface JobGraph {
  readonly receivers: readonly Receiver[];
  /** Stateful nodes, in graph order (the order of their state in a snapshot). */
  readonly stateful: readonly Checkpointable[];
  /** Watermark trackers of the event-time streams, in graph order. */
  readonly trackers: readonly WatermarkTracker[];
}

/** What the nodes need from the context. Times in epoch ms. */
export interface GraphEnv {
  issues: IssueLog;
  batchIntervalMs: Millis;
  firstBatchTimeMs: Millis;
  currentBatchTimeMs: () => Millis;
}

/** Instantiates the nodes of every stream `outputs` read, depth first from each output, and connects them. */
export function buildJobGraph(outputs: readonly LogicalNode[], receivers: readonly Receiver[], genv: GraphEnv): JobGraph {
  const nodes = new Map<LogicalNode, StreamNode>();
  const stateful: Checkpointable[] = [];
  const trackers: WatermarkTracker[] = [];
  const env: NodeEnv = {
    ...genv,
    sourceNode: (ds) => receivers.find((r) => ds.op.kind === 'source' && r.source === ds.op.source)!.root,
    stateless: [],
  };
  const build = (ds: LogicalNode): StreamNode => {
    const known = nodes.get(ds);
    if (known) return known;
    const node = createNode(ds, env);
    nodes.set(ds, node);
    if (isCheckpointable(node)) stateful.push(node);
    if (ds.eventTimeTracker && !trackers.includes(ds.eventTimeTracker)) trackers.push(ds.eventTimeTracker);
    for (const p of ds.parents) (build(p) as unknown as Emitter).connect(node);
    return node;
  };
  for (const o of outputs) build(o);
  for (const s of env.stateless) s.prepare();
  return { receivers, stateful, trackers };
}
