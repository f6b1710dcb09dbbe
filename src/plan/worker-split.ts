/**
 * Where a pipeline is cut for parallel map-side work (`--workers N`, and
 * stage 1 of distributed mode): the stateless prefix (`--map`, `--flat-map`,
 * `--filter`, `--event-time`) and the first aggregation (`--count`,
 * `--count-by-value`, `--reduce`, `--reduce-by-key`) run in each worker; its
 * partial aggregates are merged, windowed by the `--window` right after the
 * aggregation (if any), and the rest of the pipeline runs once, after the merge.
 */
import { ConfigError } from '../core/errors.js';
import type { OperatorFlag } from './pipeline.js';

/** The aggregation flags that can be combined map-side. */
export type AggFlag = { op: 'count' | 'count-by-value' } | { op: 'reduce' | 'reduce-by-key'; source: string };

/** A window flag. Durations in ms. */
export type WindowFlag = Extract<OperatorFlag, { op: 'window' }>;

/** A pipeline cut for map-side work (see module doc). */
export interface WorkerSplit {
  /** Stateless steps run in every worker. */
  readonly prefix: OperatorFlag[];
  /** The aggregation combined map-side, then merged. */
  readonly aggregation: AggFlag;
  /** The window of the merged aggregation (an event-time window), if any. */
  readonly window?: WindowFlag;
  /** The prefix assigns event time. */
  readonly eventTime: boolean;
  /** What runs after the merge, once. */
  readonly rest: OperatorFlag[];
}

const STATELESS = new Set(['map', 'flat-map', 'filter', 'event-time']);
const AGGREGATIONS = new Set(['count', 'count-by-value', 'reduce', 'reduce-by-key']);

/** Index of the first aggregation when only stateless steps come before it, else -1. */
function mapSideAggregation(ops: readonly OperatorFlag[]): number {
  const aggAt = ops.findIndex((f) => AGGREGATIONS.has(f.op));
  return aggAt < 0 || ops.slice(0, aggAt).some((f) => !STATELESS.has(f.op)) ? -1 : aggAt;
}

/**
 * Cuts `operators` for `--workers` (see module doc).
 * @param timezone `--timezone`: windows of an hour or more follow local time, which the merge does not.
 * @throws ConfigError naming what `--workers` does not support.
 */
export function splitForWorkers(operators: readonly OperatorFlag[], timezone?: string): WorkerSplit {
  const ops = operators;
  const aggAt = mapSideAggregation(ops);
  if (aggAt < 0) {
    throw new ConfigError('--workers needs stateless operators (--map, --flat-map, --filter, --event-time) followed by --count, --count-by-value, --reduce or --reduce-by-key');
  }
  const aggregation = ops[aggAt] as unknown as AggFlag;
  const window = ops[aggAt + 1]?.op === 'window' ? (ops[aggAt + 1] as WindowFlag) : undefined;
  const eventTime = ops.slice(0, aggAt).some((f) => f.op === 'event-time');
  if (window && !eventTime) throw new ConfigError('--workers supports event-time windows only (add --event-time, or drop --window)');
  if (window && timezone && window.lengthMs >= 3_600_000) throw new ConfigError('--workers does not support windows aligned to --timezone');
  if (ops.slice(aggAt + 1).some((f) => f.op === 'session-window' || f.op === 'update-state-by-key' || f.op === 'map-with-state')) {
    throw new ConfigError('--workers does not support sessions or state across batches');
  }
  return { prefix: ops.slice(0, aggAt), aggregation, window, eventTime, rest: ops.slice(aggAt + (window ? 2 : 1)) };
}

/** The stages of a distributed pipeline: stage 1 runs the prefix and combines map-side, stage 2 merges per window. */
export interface DistributedSplit {
  prefix: OperatorFlag[];
  aggregation: OperatorFlag;
  window: WindowFlag;
}

/**
 * Cuts `ops` for distributed mode: stateless steps with `--event-time`, one aggregation, then one
 * `--window` and nothing after it.
 * @throws ConfigError (exit 2) naming what distributed mode does not support.
 */
export function splitForDistributed(ops: readonly OperatorFlag[]): DistributedSplit {
  const aggAt = mapSideAggregation(ops);
  const shape = 'distributed mode runs: stateless operators (--map, --flat-map, --filter) with --event-time, then --count, --count-by-value, --reduce or --reduce-by-key, then --window LENGTH [--slide S]';
  if (aggAt < 0) throw new ConfigError(shape);
  if (!ops.slice(0, aggAt).some((f) => f.op === 'event-time')) throw new ConfigError(`${shape} (--event-time is missing)`);
  const window = ops[aggAt + 1];
  if (window?.op !== 'window') throw new ConfigError(`${shape} (no --window after --${ops[aggAt]!.op})`);
  if (ops.length > aggAt + 2) throw new ConfigError(`${shape} (--${ops[aggAt + 2]!.op} after the window is not supported yet)`);
  return { prefix: ops.slice(0, aggAt), aggregation: ops[aggAt]!, window };
}
