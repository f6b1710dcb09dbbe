/**
 * Where a pipeline is cut for parallel work — one rule for `--workers N`
 * threads and for the stages of distributed mode (`splitPipeline`).
 *
 * - **Aggregated** (both targets): the stateless prefix (`--map`,
 *   `--flat-map`, `--filter`, `--event-time`) and the first aggregation
 *   (`--count`, `--count-by-value`, `--reduce`, `--reduce-by-key`) run in each
 *   worker (thread, or distributed stage 1); its partial aggregates are
 *   merged (main thread, or stage 2 per key partition), windowed by the
 *   `--window` right after the aggregation. `--workers`: the rest of the
 *   pipeline runs once, after the merge. Distributed: an event-time
 *   `--window` must follow, then optionally `--top N` and nothing else (each
 *   key partition keeps its N best rows of a window, a superset of its share
 *   of the window's top N; `dstream cat` ranks their union).
 * - **Stateless** (distributed only): stateless operators alone; stage 1
 *   writes their rows to the output, there is no stage 2.
 * - **State** (distributed only): stateless operators, then
 *   `--update-state-by-key` last; stage 1 sends the `[key, value]` records
 *   to their key partitions, stage 2 keeps each key's state
 *   (distributed/state-stage.ts).
 */
import { ConfigError } from '../core/errors.js';
import type { OperatorFlag } from './pipeline.js';

/** The aggregation flags that can be combined map-side. */
export type AggFlag = { op: 'count' | 'count-by-value' } | { op: 'reduce' | 'reduce-by-key'; source: string };

/** A window flag. Durations in ms. */
export type WindowFlag = Extract<OperatorFlag, { op: 'window' }>;

/** Who runs the split: `--workers` threads, or the stages of distributed mode. */
export type SplitTarget = 'workers' | 'distributed';

/** A pipeline cut for parallel work (see module doc). */
export interface PipelineSplit {
  /** Stateless steps run in every worker (thread, or distributed stage 1). */
  readonly prefix: OperatorFlag[];
  /** The aggregation combined map-side, then merged; undefined: a stateless pipeline (distributed only). */
  readonly aggregation?: AggFlag;
  /** The window of the merged aggregation (an event-time window), if any. */
  readonly window?: WindowFlag;
  /** The prefix assigns event time. */
  readonly eventTime: boolean;
  /** Distributed: `--top N` after the window, rows kept per window; undefined: all. */
  readonly top?: number;
  /** Distributed: the function of a final `--update-state-by-key` (state per key partition); no aggregation then. */
  readonly updateState?: string;
  /** What runs after the merge, once (`--workers`; always empty for distributed mode). */
  readonly rest: OperatorFlag[];
}

const STATELESS = new Set(['map', 'flat-map', 'filter', 'event-time']);
const AGGREGATIONS = new Set(['count', 'count-by-value', 'reduce', 'reduce-by-key']);

/** Why distributed mode does not run an operator (yet), by flag. */
const DISTRIBUTED_WHY_NOT: Record<string, string> = {
  transform: 'it sees a whole batch, and a distributed batch is one input partition\'s',
  'map-with-state': 'its state across batches would need a state store per key partition, which the log does not keep; run it locally with --checkpoint',
  'session-window': 'a session spans panes of unknown length, which stage 2 cannot merge from partials yet; use --window',
};

const DISTRIBUTED_SHAPE = 'distributed mode runs: stateless operators (--map, --flat-map, --filter, --event-time) alone, or then --update-state-by-key, or with --event-time then --count, --count-by-value, --reduce or --reduce-by-key, then --window LENGTH [--slide S], then optionally --top N';

/** A split with an aggregation: always so for `--workers`. */
export type AggregatedSplit = PipelineSplit & { readonly aggregation: AggFlag };

/**
 * Cuts `operators` for `target` (see module doc).
 * @param timezone `--timezone`: windows of an hour or more follow local time, which the merge does not.
 * @throws ConfigError (exit 2) naming the flag the target does not run, and why.
 */
export function splitPipeline(operators: readonly OperatorFlag[], target: 'workers', timezone?: string): AggregatedSplit;
export function splitPipeline(operators: readonly OperatorFlag[], target: SplitTarget, timezone?: string): PipelineSplit;
export function splitPipeline(operators: readonly OperatorFlag[], target: SplitTarget, timezone?: string): PipelineSplit {
  const ops = operators;
  const who = target === 'workers' ? '--workers' : 'distributed mode';
  if (target === 'distributed') {
    const f = ops.find((o) => DISTRIBUTED_WHY_NOT[o.op] !== undefined);
    if (f) throw new ConfigError(`distributed mode: --${f.op} is not supported: ${DISTRIBUTED_WHY_NOT[f.op]}`);
    if (ops.length > 0 && ops.every((o) => STATELESS.has(o.op))) {
      return { prefix: [...ops], eventTime: ops.some((o) => o.op === 'event-time'), rest: [] };
    }
    const last = ops[ops.length - 1];
    if (last?.op === 'update-state-by-key') {
      const prefix = ops.slice(0, -1);
      const other = prefix.find((o) => !STATELESS.has(o.op));
      if (other) throw new ConfigError(`distributed mode: --update-state-by-key runs after stateless operators (--map, --flat-map, --filter) only, not after --${other.op}`);
      return { prefix, eventTime: prefix.some((o) => o.op === 'event-time'), updateState: last.source, rest: [] };
    }
    const state = ops.find((o) => o.op === 'update-state-by-key');
    if (state) throw new ConfigError('distributed mode: --update-state-by-key must be the last operator (its rows are spread over key partitions and only dstream cat sees them together)');
  }
  const aggAt = ops.findIndex((f) => AGGREGATIONS.has(f.op));
  if (aggAt < 0 || ops.slice(0, aggAt).some((f) => !STATELESS.has(f.op))) {
    if (target === 'workers') throw new ConfigError('--workers needs stateless operators (--map, --flat-map, --filter, --event-time) followed by --count, --count-by-value, --reduce or --reduce-by-key');
    const f = ops.find((o) => !STATELESS.has(o.op));
    throw new ConfigError(f === undefined ? DISTRIBUTED_SHAPE : aggAt < 0
      ? `${DISTRIBUTED_SHAPE} (--${f.op} has no --count, --count-by-value, --reduce or --reduce-by-key before it)`
      : `${DISTRIBUTED_SHAPE} (--${f.op} before --${ops[aggAt]!.op})`);
  }
  const aggregation = ops[aggAt] as unknown as AggFlag;
  const next = ops[aggAt + 1];
  const window = next?.op === 'window' ? next : undefined;
  const eventTime = ops.slice(0, aggAt).some((f) => f.op === 'event-time');
  const rest = ops.slice(aggAt + (window ? 2 : 1));
  if (target === 'distributed') {
    // The operator that breaks the shape first: a missing --event-time or --window is named only when the rest fits.
    const top = rest[0]?.op === 'top';
    const extra = rest[top ? 1 : 0];
    if (extra) {
      const after = top ? 'the --top' : window ? 'the window' : `--${aggregation.op}`;
      throw new ConfigError(`${DISTRIBUTED_SHAPE} (--${extra.op} after ${after} is not supported: a window's rows are spread over key partitions and only dstream cat sees them together)`);
    }
    if (!eventTime) throw new ConfigError(`${DISTRIBUTED_SHAPE} (--event-time is missing: workers on other machines have other clocks, so windows follow event time; add --event-time FN before --${aggregation.op})`);
    if (!window) throw new ConfigError(`${DISTRIBUTED_SHAPE} (no --window after --${aggregation.op})`);
  }
  if (window && !eventTime) throw new ConfigError('--workers supports event-time windows only (add --event-time, or drop --window)');
  if (window && timezone && window.lengthMs >= 3_600_000) throw new ConfigError(`${who} does not support windows aligned to --timezone`);
  if (target === 'workers') {
    if (rest.some((f) => f.op === 'session-window' || f.op === 'update-state-by-key' || f.op === 'map-with-state')) {
      throw new ConfigError('--workers does not support sessions or state across batches');
    }
    return { prefix: ops.slice(0, aggAt), aggregation, window, eventTime, rest };
  }
  const top = rest[0]?.op === 'top' ? (rest.shift() as Extract<OperatorFlag, { op: 'top' }>).n : undefined;
  return { prefix: ops.slice(0, aggAt), aggregation, window, eventTime, top, rest };
}
