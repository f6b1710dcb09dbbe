/**
 * Which pipelines distributed mode runs, and how they split over its two
 * stages: stateless operators with `--event-time` (stage 1), one
 * aggregation that combines map-side (partials per key and pane, merged in
 * stage 2), an event-time `--window` after it, and optionally `--top N`
 * (each key partition keeps its N best rows of a window, a superset of its
 * share of the window's top N; `dstream cat` ranks their union).
 */
import { ConfigError } from '../core/errors.js';
import type { OperatorFlag } from '../plan/pipeline.js';

const STATELESS = new Set(['map', 'flat-map', 'filter', 'event-time']);
const AGGREGATIONS = new Set(['count', 'count-by-value', 'reduce', 'reduce-by-key']);

/** The parts of a distributed pipeline. */
export interface DistributedPlan {
  /** Stage 1: the stateless operators and `--event-time`, in order. */
  prefix: OperatorFlag[];
  aggregation: OperatorFlag;
  window: Extract<OperatorFlag, { op: 'window' }>;
  /** `--top N` after the window: rows per window kept; undefined: all. */
  top?: number;
}

/**
 * Splits the operators into what the stages run.
 * @throws ConfigError (exit 2) naming the flag distributed mode does not run, and why.
 */
export function distributedPlan(ops: OperatorFlag[]): DistributedPlan {
  const aggAt = ops.findIndex((f) => AGGREGATIONS.has(f.op));
  const shape = 'distributed mode runs: stateless operators (--map, --flat-map, --filter) with --event-time, then --count, --count-by-value, --reduce or --reduce-by-key, then --window LENGTH [--slide S], then optionally --top N';
  if (aggAt < 0 || ops.slice(0, aggAt).some((f) => !STATELESS.has(f.op))) throw new ConfigError(shape);
  if (!ops.slice(0, aggAt).some((f) => f.op === 'event-time')) throw new ConfigError(`${shape} (--event-time is missing)`);
  const window = ops[aggAt + 1];
  if (window?.op !== 'window') throw new ConfigError(`${shape} (no --window after --${ops[aggAt]!.op})`);
  const after = ops.slice(aggAt + 2);
  const top = after[0]?.op === 'top' ? after.shift() as Extract<OperatorFlag, { op: 'top' }> : undefined;
  if (after.length > 0) {
    throw new ConfigError(`${shape} (--${after[0]!.op} after the ${top ? '--top' : 'window'} is not supported: a window's rows are spread over key partitions and only dstream cat sees them together)`);
  }
  return { prefix: ops.slice(0, aggAt), aggregation: ops[aggAt]!, window, top: top?.n };
}
