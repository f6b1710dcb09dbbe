/**
 * Logical operator → physical node. One function, so that every node a plan
 * can produce is listed on one screen.
 */
import type { Millis } from '../core/types.js';
import { AggregateNode } from '../operators/aggregate.js';
import { ForeachNode, TransformNode } from '../operators/collect.js';
import { KeyedReducer } from '../operators/keyed-map.js';
import { StatelessNode } from '../operators/stateless.js';
import { TopNode } from '../operators/top.js';
import { MapWithStateNode } from '../state/map-with-state-node.js';
import { UpdateStateNode } from '../state/update-state-node.js';
import { CalendarWindowNode } from '../windows/calendar-node.js';
import { InverseStore, TwoStacksStore } from '../windows/keyed-store.js';
import { RawStore } from '../windows/raw-store.js';
import { SessionNode } from '../windows/session-node.js';
import { WindowedNode } from '../windows/windowed-node.js';
import type { LogicalNode } from './plan.js';
import type { IssueLog } from '../core/issues.js';
import { UnionNode, type StreamNode } from '../core/node.js';

/** What node construction needs from the context. */
export interface NodeEnv {
  issues: IssueLog;
  batchIntervalMs: Millis;
  /** Time of the first batch (ms). */
  firstBatchTimeMs: Millis;
  /** Time of the batch being received (ms). */
  currentBatchTimeMs: () => Millis;
  /** The node of a source stream. */
  sourceNode: (ds: LogicalNode) => StreamNode;
  /** Stateless nodes are collected: their closures are built once all consumers are connected. */
  stateless: StatelessNode[];
}

/** The physical node of one DStream (see module doc). */
export function createNode(ds: LogicalNode, env: NodeEnv): StreamNode {
  const op = ds.op;
  const { issues } = env;
  const tracker = ds.eventTimeTracker ?? undefined;
  switch (op.kind) {
    case 'source':
      return env.sourceNode(ds);
    case 'union':
      return new UnionNode(ds.parents.length);
    case 'stateless': {
      const n = new StatelessNode(op.steps, issues);
      env.stateless.push(n);
      return n;
    }
    case 'aggregate':
      return new AggregateNode(new KeyedReducer(op.agg, issues, true), ds.parents[0]!.everyBatch);
    case 'windowedAggregate':
    case 'window': {
      const w = op.window;
      const label = op.output.label;
      const reducer = op.kind === 'windowedAggregate' ? new KeyedReducer(op.agg, issues, true) : undefined;
      if (w.kind === 'session') {
        return new SessionNode({ reducer: reducer!, gapMs: w.gapMs, tracker: tracker!, issues, label, mode: op.output.mode === 'update' ? 'update' : 'append', allowedLatenessMs: op.output.allowedLatenessMs });
      }
      if (w.kind === 'calendar') {
        return new CalendarWindowNode({ reducer: reducer!, zone: w.zone, lengthMs: w.lengthMs, tracker: tracker!, issues, label, allowedLatenessMs: op.output.allowedLatenessMs });
      }
      const agg = op.kind === 'windowedAggregate' ? op.agg : undefined;
      const store = !reducer ? new RawStore() : agg!.inverse ? new InverseStore(reducer, agg!.inverse, agg!.keep) : new TwoStacksStore(reducer);
      return new WindowedNode({
        spec: w.spec,
        store,
        issues,
        label,
        batchIntervalMs: env.batchIntervalMs,
        firstBatchTimeMs: env.firstBatchTimeMs,
        currentBatchTimeMs: env.currentBatchTimeMs,
        tracker,
        emptyValue: agg && !w.spec.eventTime ? agg.emitEmpty : undefined,
        mode: op.output.mode,
        allowedLatenessMs: op.output.allowedLatenessMs,
        reducer,
      });
    }
    case 'updateState':
      return new UpdateStateNode({
        fn: op.fn, label: op.options.label, issues, mode: op.options.mode ?? 'complete',
        timeout: op.options.timeout, tracker, maxKeys: op.options.maxKeys,
        initial: op.options.initialState && { pairs: op.options.initialState, firstBatchTimeMs: env.firstBatchTimeMs },
      });
    case 'mapWithState':
      return new MapWithStateNode({
        fn: op.fn, label: op.options.label, issues, mode: op.options.mode === 'append' ? undefined : op.options.mode,
        timeout: op.options.timeout, tracker, maxKeys: op.options.maxKeys, currentBatchTimeMs: env.currentBatchTimeMs,
        initial: op.options.initialState && { pairs: op.options.initialState, firstBatchTimeMs: env.firstBatchTimeMs },
      });
    case 'top':
      return new TopNode(op.n);
    case 'transform':
      return new TransformNode(op.fn, op.label !== undefined ? { issues, label: op.label } : undefined);
    case 'foreach':
      return new ForeachNode(op.fn, ds.everyBatch);
    case 'sink':
      return op.create(ds.everyBatch);
  }
}
