/**
 * Which pipelines distributed mode runs, and how they split over its two
 * stages: stateless operators with `--event-time` (stage 1), one
 * aggregation that combines map-side (partials per key and pane, merged in
 * stage 2), an event-time `--window` after it, and optionally `--top N`
 * (each key partition keeps its N best rows of a window, a superset of its
 * share of the window's top N; `dstream cat` ranks their union).
 */
import { ConfigError } from '../core/errors.js';
import type { ErrorPolicy } from '../core/issues.js';
import type { Millis } from '../core/types.js';
import { aggregationOf, partialCombinerOf, type AggFlag, type MapSideOptions } from '../engine/map-side-combine.js';
import type { Aggregation } from '../operators/reducers.js';
import type { OperatorFlag } from '../plan/pipeline.js';
import { windowSpec, type WindowSpec } from '../windows/spec.js';

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

/** Why distributed mode does not run an operator (yet), by flag. */
const WHY_NOT: Record<string, string> = {
  transform: 'it sees a whole batch, and a distributed batch is one input partition\'s',
  'update-state-by-key': 'its state across batches would need a state store per key partition, which the log does not keep yet; run it locally with --checkpoint',
  'map-with-state': 'its state across batches would need a state store per key partition, which the log does not keep yet; run it locally with --checkpoint',
  'session-window': 'a session spans panes of unknown length, which stage 2 cannot merge from partials yet; use --window',
};

/**
 * The first operator distributed mode does not run, as a message naming its flag and why; null when every
 * operator is of a kind it runs (the order is checked by `distributedPlan`).
 */
function unsupported(ops: OperatorFlag[]): string | null {
  const f = ops.find((o) => WHY_NOT[o.op] !== undefined);
  if (f) return `distributed mode: --${f.op} is not supported: ${WHY_NOT[f.op]}`;
  if (!ops.some((o) => AGGREGATIONS.has(o.op))) {
    return 'distributed mode needs an aggregation (--count, --count-by-value, --reduce or --reduce-by-key) and a --window after it: a pipeline of stateless operators alone (a distributed filter or map to an output stream) is not supported yet; run it locally, or per partition';
  }
  return null;
}

/**
 * Splits the operators into what the stages run.
 * @throws ConfigError (exit 2) naming the flag distributed mode does not run, and why.
 */
export function distributedPlan(ops: OperatorFlag[]): DistributedPlan {
  const why = unsupported(ops);
  if (why) throw new ConfigError(why);
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

/** The settings of a job's flags the stages need. Durations in ms. */
export interface StageFlags {
  batchIntervalMs: Millis;
  watermarkDelayMs: Millis;
  allowedLatenessMs?: Millis;
  timezone?: string;
  parse?: { format: string; delimiter?: string; year?: number };
  onError: ErrorPolicy;
}

/**
 * What the stages run for `plan`: the window, stage 1's map-side combiner (compiled once here, so a bad
 * function is a usage error before anything is read) and stage 2's merge.
 * @throws ConfigError (exit 2) for windows aligned to a time zone, reducers whose partials do not merge exactly, bad functions.
 */
export async function stageSettings(plan: DistributedPlan, o: StageFlags): Promise<{ spec: WindowSpec; combiner: MapSideOptions; merge: Aggregation }> {
  if (o.timezone && plan.window.lengthMs >= 3_600_000) throw new ConfigError('distributed mode does not support windows aligned to --timezone');
  const spec = windowSpec(plan.window.lengthMs, plan.window.slideMs, o.batchIntervalMs, true);
  const agg = plan.aggregation as AggFlag;
  const combine = partialCombinerOf(agg);
  const combiner: MapSideOptions = {
    prefix: plan.prefix, aggregation: agg, paneMs: spec.paneMs, watermarkDelayMs: o.watermarkDelayMs, timezone: o.timezone, parse: o.parse,
    onError: o.onError,
    lateness: { lengthMs: spec.lengthMs, slideMs: spec.slideMs, watermarkDelayMs: o.watermarkDelayMs, allowedLatenessMs: o.allowedLatenessMs ?? 0, floorMs: -Infinity },
  };
  const { MapSideCombiner } = await import('../engine/map-side-combine.js');
  new MapSideCombiner(combiner);
  return { spec, combiner, merge: { ...aggregationOf(agg), combine } };
}
