/**
 * Which pipelines distributed mode runs, and how they split over its two
 * stages: the split itself is plan/worker-split.ts (`splitPipeline`, shared
 * with `--workers`); here are the settings the stages derive from it.
 */
import { ConfigError } from '../core/errors.js';
import type { ErrorPolicy } from '../core/issues.js';
import type { Millis } from '../core/types.js';
import { aggregationOf, partialCombinerOf, type AggFlag, type MapSideOptions } from '../engine/map-side-combine.js';
import type { Aggregation } from '../operators/reducers.js';
import type { OperatorFlag } from '../plan/pipeline.js';
import { splitPipeline, type PipelineSplit } from '../plan/worker-split.js';
import { windowSpec, type WindowSpec } from '../windows/spec.js';

/** The parts of a distributed pipeline (`aggregation` undefined: stateless, stage 1 only). */
export type DistributedPlan = PipelineSplit;

/**
 * Splits the operators into what the stages run.
 * @throws ConfigError (exit 2) naming the flag distributed mode does not run, and why.
 */
export function distributedPlan(ops: OperatorFlag[]): DistributedPlan {
  return splitPipeline(ops, 'distributed');
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
 * What the stages run for `plan` (a stateless plan: only `combiner`'s prefix settings count): the window, stage 1's map-side combiner (compiled once here, so a bad
 * function is a usage error before anything is read) and stage 2's merge.
 * @throws ConfigError (exit 2) for windows aligned to a time zone, reducers whose partials do not merge exactly, bad functions.
 */
export async function stageSettings(plan: DistributedPlan, o: StageFlags): Promise<{ spec: WindowSpec; combiner: MapSideOptions; merge: Aggregation }> {
  if (!plan.aggregation || !plan.window) {
    // Stateless: stage 1 only (distributed/rows.ts) uses the prefix's settings; the window and merge are inert.
    const combiner: MapSideOptions = {
      prefix: plan.prefix, aggregation: { op: 'count' }, paneMs: Number.MAX_SAFE_INTEGER, watermarkDelayMs: o.watermarkDelayMs, timezone: o.timezone, parse: o.parse, onError: o.onError,
    };
    const { RowCollector } = await import('./rows.js');
    new RowCollector(combiner);
    return { spec: windowSpec(o.batchIntervalMs, undefined, o.batchIntervalMs, true), combiner, merge: aggregationOf({ op: 'count' }) };
  }
  if (o.timezone && plan.window.lengthMs >= 3_600_000) throw new ConfigError('distributed mode does not support windows aligned to --timezone');
  const spec = windowSpec(plan.window.lengthMs, plan.window.slideMs, o.batchIntervalMs, true);
  const agg: AggFlag = plan.aggregation;
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
