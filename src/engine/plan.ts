/**
 * The logical plan: what each DStream is, as immutable data. `DStream`
 * methods build it; `StreamingContext.start()` turns it into nodes
 * (job-graph.ts, physical.ts). The types here are all the rest of the engine
 * knows of a DStream, so that the API (dstream.ts, context.ts) and the
 * execution (physical.ts, job-graph.ts) do not import each other.
 */
import type { TimeZone } from '../core/time-zone.js';
import type { Millis } from '../core/types.js';
import type { Aggregation } from '../operators/reducers.js';
import type { StatelessStep } from '../operators/stateless.js';
import type { BatchContext } from '../operators/collect.js';
import type { Source } from '../sources/source.js';
import type { OutputMode, StateTimeout } from '../state/output-mode.js';
import type { StateHandle } from '../state/state-handle.js';
import type { WindowSpec } from '../windows/spec.js';
import type { StreamNode } from '../core/node.js';
import type { IssueLog } from '../core/issues.js';
import type { WatermarkTracker } from '../windows/watermark.js';

/** Which windows: sliding/tumbling panes, sessions, or local-time tumbling windows. */
export type WindowDef =
  | { kind: 'sliding'; spec: WindowSpec }
  | { kind: 'session'; gapMs: Millis }
  | { kind: 'calendar'; lengthMs: Millis; zone: TimeZone };

/** How a windowed operator outputs: mode and allowed lateness (ms). */
export interface WindowOutput {
  readonly mode?: OutputMode;
  readonly allowedLatenessMs?: Millis;
  readonly label: string;
}

/** Options of the stateful operators. */
export interface StateOptions {
  readonly mode?: OutputMode;
  readonly timeout?: StateTimeout;
  readonly maxKeys?: number;
  readonly label: string;
  /** Spark's `initialRDD` / `StateSpec.initialState`: `[key, state]` pairs the state starts with. */
  readonly initialState?: readonly (readonly [unknown, unknown])[];
}

/** One logical operator. */
export type LogicalOp =
  | { kind: 'source'; source: Source }
  | { kind: 'union' }
  | { kind: 'stateless'; steps: readonly StatelessStep[] }
  | { kind: 'aggregate'; agg: Aggregation }
  | { kind: 'windowedAggregate'; agg: Aggregation; window: WindowDef; output: WindowOutput }
  | { kind: 'window'; window: WindowDef; output: WindowOutput }
  | { kind: 'updateState'; fn: (values: unknown[], state: unknown, batchTimeMs: Millis) => unknown; options: StateOptions }
  | { kind: 'mapWithState'; fn: (key: unknown, value: unknown, state: StateHandle, batchTimeMs: Millis) => unknown; options: StateOptions }
  | { kind: 'top'; n: number }
  | { kind: 'transform'; fn: (records: unknown[], ctx: BatchContext) => unknown[]; label?: string }
  | { kind: 'foreach'; fn: (records: unknown[], ctx: BatchContext) => void }
  | { kind: 'sink'; create: (everyBatch: boolean) => StreamNode };

/** One stream of the logical plan: its operator, its parents and how its batches look. A `DStream` is one. */
export interface LogicalNode {
  readonly op: LogicalOp;
  readonly parents: readonly LogicalNode[];
  /** Watermark (and zone) of an event-time stream, `null` in processing time. */
  readonly eventTimeTracker: WatermarkTracker | null;
  /** True when batches carry window groups (downstream of a window). */
  readonly windowed: boolean;
  /** True when this stream reports every batch (not downstream of a window). */
  readonly everyBatch: boolean;
}

/** What a DStream needs of the context it was made on (a `StreamingContext` is one). */
export interface StreamHost {
  /** Batch interval in ms. */
  readonly batchIntervalMs: Millis;
  /** Counters and listeners of bad input. */
  readonly issues: IssueLog;
  /** Registers an output operation. @throws ConfigError after `start()`. */
  registerOutput(ds: LogicalNode): void;
  /** A text print sink (Spark's `print(num)` frame) on the context's output. */
  printSink(num: number, everyBatch: boolean): StreamNode;
}
