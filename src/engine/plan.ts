/**
 * The logical plan: what each DStream is, as immutable data. `DStream`
 * methods build it; `StreamingContext.start()` turns it into nodes.
 */
import type { Aggregation } from '../operators/reducers.js';
import type { StatelessStep } from '../operators/stateless.js';
import type { BatchContext } from '../operators/collect.js';
import type { Source } from '../sources/source.js';
import type { WindowSpec } from '../windows/spec.js';
import type { StreamNode } from './node.js';

/** One logical operator. */
export type LogicalOp =
  | { kind: 'source'; source: Source }
  | { kind: 'union' }
  | { kind: 'stateless'; steps: readonly StatelessStep[] }
  | { kind: 'aggregate'; agg: Aggregation }
  | { kind: 'windowedAggregate'; agg: Aggregation; spec: WindowSpec; label: string }
  | { kind: 'window'; spec: WindowSpec; label: string }
  | { kind: 'top'; n: number }
  | { kind: 'transform'; fn: (records: unknown[], ctx: BatchContext) => unknown[] }
  | { kind: 'foreach'; fn: (records: unknown[], ctx: BatchContext) => void }
  | { kind: 'sink'; create: (everyBatch: boolean) => StreamNode };
