/**
 * The logical plan: what each DStream is, as immutable data. `DStream`
 * methods build it; `StreamingContext.start()` turns it into nodes.
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
