/**
 * Map-side combine (Spark's pre-aggregation before a shuffle): runs the
 * stateless prefix of a pipeline (`--parse`, `--map`, `--flat-map`,
 * `--filter`, `--event-time`) over lines and folds the records into partial
 * aggregates per (pane, key). Used by `--workers N` threads and by stage 1 of
 * distributed mode (src/distributed/input-run.ts).
 *
 * Optional per-record lateness (distributed mode): a record whose event time
 * is before the end of the last window that the running maximum event time
 * *before it* could have closed (windows/closing.ts's rule, with watermark =
 * running maximum − watermark delay) is late — decided per record, so the
 * answer does not depend on how the input is cut into batches.
 */
import { ConfigError } from '../core/errors.js';
import type { Millis } from '../core/types.js';
import { prefixChain } from './prefix-chain.js';
import type { OperatorFlag } from '../plan/pipeline.js';
import type { AggFlag } from '../plan/worker-split.js';
import { builtinReducer, isBuiltinReducer, type Aggregation, type Reducer } from '../operators/reducers.js';
import { addNumeric, toNumeric, type Numeric } from '../core/numeric.js';
import { compileFunction, type FunctionCache } from '../plan/compile-fn.js';
import { KeyedReducer, GLOBAL_KEY, type KeyCodec } from '../operators/keyed-map.js';
import { hashtags, type HashtagCounter } from '../operators/hashtags.js';
import { ValueCounts } from '../operators/value-counts.js';
import { encodePartitions } from './partial-codec.js';
import { StatelessNode } from '../operators/stateless.js';
import { lastClosingWindowEndMs, WindowClosing } from '../windows/closing.js';
import type { ErrorPolicy, IssueLog } from '../core/issues.js';
import type { StreamNode } from '../core/node.js';

/** The aggregation flags that can be combined map-side (plan/worker-split.ts). */
export type { AggFlag } from '../plan/worker-split.js';

/** Stand-in for `GLOBAL_KEY` (a symbol) in partials that cross threads or the network. */
export const GLOBAL_SENTINEL = '\u0000global';

/** Partials of one pane: `[paneIndex, [[key, partial], ...]]`; keys decoded, `GLOBAL_SENTINEL` for global aggregations. */
export type PanePartials = [number, [unknown, unknown][]];

/** Per-record lateness settings (all ms). Windows are `[k·slide, k·slide + length)`. */
export interface LatenessRule {
  lengthMs: Millis;
  slideMs: Millis;
  watermarkDelayMs: Millis;
  allowedLatenessMs: Millis;
  /** Records before this instant are late whatever the running maximum (a recorded floor; −∞ for none). */
  floorMs: Millis;
}

/** Options of a `MapSideCombiner`. */
export interface MapSideOptions {
  prefix: OperatorFlag[];
  aggregation: AggFlag;
  /** Pane width (ms); `Number.MAX_SAFE_INTEGER` without windows. */
  paneMs: Millis;
  watermarkDelayMs: Millis;
  timezone?: string;
  parse?: { format: string; delimiter?: string; year?: number };
  onError: ErrorPolicy;
  lateness?: LatenessRule;
  /**
   * With the built-in `sum`: watch that every value added is an integer whose sum is exact in any
   * order (an integer: a number or a `BigInt`); the first other value sets `MapSideCombiner.inexact`.
   */
  integerSums?: boolean;
  /** Compiles each function once across combiners (a `--workers` thread's parts, engine/worker-task.ts). */
  functions?: FunctionCache;
}

/**
 * The reducer of an aggregation flag, for the combine in a thread or a stage.
 * @param inexact with the built-in `sum`, called for a value that is not an integer (a number or a `BigInt`)
 *   (then the sum depends on the order of additions); the value is still added.
 */
export function aggregationOf(op: AggFlag, inexact?: () => void, functions?: FunctionCache): Aggregation {
  if (op.op === 'count') return { keyMode: 'count', combine: (a, b) => a + b, label: '--count' };
  if (op.op === 'count-by-value') return { keyMode: 'value', combine: (a, b) => a + b, label: '--count-by-value' };
  const source = (op as { source: string }).source;
  let r = isBuiltinReducer(source) ? builtinReducer(source) : { combine: (functions?.compile(source, `--${op.op}`) ?? compileFunction(source, `--${op.op}`)) as (a: any, b: any) => unknown };
  if (source === 'sum' && inexact) r = watchedSum(inexact);
  return { keyMode: op.op === 'reduce' ? 'single' : 'pair', ...r, label: `--${op.op} '${source}'` };
}

/** The built-in `sum`, calling `inexact` for each value that is not an integer (integers add exactly, beyond 2^53 too: core/numeric.ts). */
function watchedSum(inexact: () => void): Reducer {
  const lift = (v: unknown): Numeric => {
    const x = toNumeric(v);
    if (typeof x === 'number' && !Number.isInteger(x)) inexact();
    return x;
  };
  return { ...builtinReducer('sum'), lift, accumulate: (acc: Numeric, v: unknown) => addNumeric(acc, lift(v)) };
}

/**
 * Combine of two partials of an aggregation flag (the merge side).
 * @throws ConfigError for reducers whose partials cannot be merged (avg, distinct, approx-distinct, topk).
 */
export function combinerOf(agg: AggFlag, mode: string, hint: string): (a: any, b: any) => unknown {
  if (agg.op === 'count' || agg.op === 'count-by-value') return (a, b) => a + b;
  const source = (agg as { source: string }).source;
  if (isBuiltinReducer(source)) {
    if (source === 'count') return (a, b) => a + b;
    if (source === 'sum' || source === 'min' || source === 'max') return builtinReducer(source).combine;
    throw new ConfigError(`${mode}: --${agg.op} ${source} cannot be merged from partial results here; ${hint}`);
  }
  return compileFunction(source, `--${agg.op}`) as (a: any, b: any) => unknown;
}

/**
 * Combine of two partials in distributed mode, where partials travel through
 * the checkpoint codec (which keeps Sets and sketches): every built-in reducer
 * but topk merges its partials exactly (avg as [sum, count], distinct as a
 * Set, approx-distinct as a Set or a HyperLogLog, whose merge is exact), and a
 * function is taken as given.
 * @throws ConfigError for topk:N, whose summaries merge lossily.
 */
export function partialCombinerOf(agg: AggFlag): (a: any, b: any) => unknown {
  const source = (agg as { source?: string }).source;
  if (source !== undefined && source.startsWith('topk:')) {
    // Merged top-k summaries lose values outside every part's top k: the answer would depend on batch cuts.
    throw new ConfigError(`distributed mode: --${agg.op} ${source} cannot be merged exactly from partial results; use count-by-value and --top locally, or distinct/approx-distinct`);
  }
  if (source !== undefined && isBuiltinReducer(source)) return builtinReducer(source).combine;
  return combinerOf(agg, 'distributed mode', '');
}

/** End (ms) of the last window a running maximum event time `maxMs` lets close: records before it are late. */
function lastClosedEndBy(maxMs: Millis, rule: LatenessRule): Millis {
  return lastClosingWindowEndMs(rule, maxMs - rule.watermarkDelayMs, rule.allowedLatenessMs);
}

/** Stateless prefix + per-(pane, key) partial aggregates (see module doc). */
export class MapSideCombiner {
  readonly issues: IssueLog;
  readonly reducer: KeyedReducer;
  /** Largest event time seen (epoch ms), −∞ before the first record. */
  maxEventTimeMs: Millis = -Infinity;
  /** With `integerSums`: a value was added that makes the sum depend on the order of additions. */
  inexact = false;
  /** With a `LatenessRule`: the end of the last closed window; records before it are late. */
  private readonly closing: WindowClosing | undefined;
  /** Per pane: the partials by key, or the counts by value (`ValueCounts`). */
  private partials = new Map<number, Map<unknown, unknown> | ValueCounts>();
  private readonly head: StreamNode;
  /** Drops the record path's cached pane map (`take` starts new maps). */
  private readonly forgetPane: () => void;
  /** The stateless prefix (none when the aggregation comes first). */
  readonly stateless: StatelessNode | undefined;

  /**
   * @throws ConfigError for an invalid function or parser.
   */
  constructor(private readonly o: MapSideOptions) {
    const chain = prefixChain(o);
    this.issues = chain.issues;
    const reducer = (this.reducer = new KeyedReducer(aggregationOf(o.aggregation, o.integerSums ? () => (this.inexact = true) : undefined, o.functions), this.issues, false));
    const paneMs = o.paneMs;
    const rule = o.lateness;
    // Count by value: the panes' partials are `ValueCounts` (one lookup per record).
    const counting = reducer.countsValues;
    const self = this;
    let lastPane = NaN;
    let lastMap: Map<unknown, unknown> | ValueCounts | undefined;
    this.forgetPane = () => (lastMap = undefined);
    const agg = o.aggregation.op === 'count' || o.aggregation.op === 'count-by-value' ? `--${o.aggregation.op}` : `--${o.aggregation.op} '${(o.aggregation as { source: string }).source}'`;
    const label = `${agg} --window`; // as the windowed operator names late records in local mode
    const closing = (this.closing = rule && new WindowClosing(rule.allowedLatenessMs, { issues: this.issues, label }));
    if (closing) closing.lastClosedEndMs = rule!.floorMs;
    const sink: StreamNode & HashtagCounter = {
      record(value: unknown, tMs: number) {
        if (closing?.dropLate(value, tMs)) return;
        const pane = tMs === tMs ? Math.floor(tMs / paneMs) : 0;
        if (tMs > self.maxEventTimeMs) {
          self.maxEventTimeMs = tMs;
          if (closing) closing.closed(lastClosedEndBy(tMs, rule!));
        }
        // The map of the last record's pane (every record's, without windows): one lookup per pane change.
        let m = pane === lastPane ? lastMap : self.partials.get(pane);
        if (!m) self.partials.set(pane, (m = counting ? new ValueCounts(false) : new Map()));
        lastPane = pane;
        lastMap = m;
        if (counting) (m as ValueCounts).add(reducer.valueKey(value));
        else reducer.add(m as Map<unknown, unknown>, value);
      },
      // `--flat-map hashtags` then a count by value: in processing time (pane 0) with no lateness rule,
      // the tags are counted in place (`ValueCounts.addHashtags`); else one by one as above.
      hashtagCounter: () => !counting ? undefined : (text: string, tMs: number) => {
        if (tMs === tMs || closing) {
          for (const tag of hashtags(text)) sink.record(tag, tMs);
          return;
        }
        if (lastPane !== 0 || !lastMap) {
          self.partials.set(0, (lastMap = self.partials.get(0) ?? new ValueCounts(false)));
          lastPane = 0;
        }
        (lastMap as ValueCounts).addHashtags(text);
      },
      beginGroup() {},
      endGroup() {},
      endBatch() {},
    };
    ({ head: this.head, stateless: this.stateless } = chain.connect(sink));
  }

  /** Restores the running maximum and the lateness floor (distributed mode, after a takeover). */
  resume(maxEventTimeMs: Millis, floorMs: Millis): void {
    this.maxEventTimeMs = maxEventTimeMs;
    const rule = this.o.lateness;
    if (!rule) return;
    this.closing!.lastClosedEndMs = Math.max(maxEventTimeMs === -Infinity ? -Infinity : lastClosedEndBy(maxEventTimeMs, rule), floorMs);
  }

  /** What takes whole texts of lines (`lines`): null when nothing does; undefined until first asked. */
  private textCounter: ((text: string, lines: number) => void) | null | undefined;

  /**
   * Runs `n` lines at once, joined by LF in `text` (`LineSplitter.onText`), when the prefix is
   * only `--flat-map hashtags` counted by value (`StatelessNode.textCounter`).
   * @returns false when it is not: run them one by one (`line`).
   */
  lines(text: string, n: number): boolean {
    if (this.textCounter === undefined) this.textCounter = this.stateless?.textCounter() ?? null;
    if (this.textCounter === null) return false;
    this.issues.countRecords(n);
    this.textCounter(text, n);
    return true;
  }

  /** Runs one line through the prefix and into the partials. */
  line(line: string): void {
    this.issues.current = line;
    this.head.record(line, NaN);
  }

  /**
   * The partials gathered since the last call, panes ascending, keys decoded;
   * then starts afresh. Ends a batch of the stateless prefix (its warnings, see
   * operators/stateless.ts, go to `issues`).
   */
  take(): PanePartials[] {
    return this.takeColumns().map(([p, keys, values]) => [p, keys.map((k, i) => [k, values[i]] as [unknown, unknown])]);
  }

  /**
   * `take`, each pane's keys and partials as two arrays (`[paneIndex, keys, partials]`): no pair
   * is made per key (a `--workers` thread posts them so, engine/worker-task.ts).
   */
  takeColumns(): [number, unknown[], unknown[]][] {
    this.head.endBatch({ timeMs: NaN, index: 0, final: false });
    return this.takeEnded();
  }

  /**
   * `takeColumns` packed into `partitions` key partitions (engine/partial-codec.ts) when they are at
   * most one pane of counts by value with string keys only, straight from the counts: the hashtags
   * counted in place are packed from their bytes, no string is made. Else `columns`, unpacked.
   */
  takePacked(partitions: number): { packed?: ArrayBuffer[]; columns: [number, unknown[], unknown[]][] } {
    this.head.endBatch({ timeMs: NaN, index: 0, final: false });
    const [m, more] = this.partials.values();
    if (!more && (m === undefined || m instanceof ValueCounts)) {
      const kept = m?.keptKeys();
      const codec = this.reducer.keys;
      // A key of the arena is undefined in `list`; another is packed if it is a string that stands for itself (not an object's text).
      const strings = !kept || kept.list.every((k: unknown, i: number) => (k === undefined ? kept.from[i]! >= 0 : typeof k === 'string' && codec.decode(k) === k));
      const packed = strings ? encodePartitions((kept?.list ?? []) as (string | undefined)[], m?.counts ?? [], partitions, kept) : undefined;
      if (packed) {
        this.partials = new Map();
        this.forgetPane();
        return { packed, columns: [] };
      }
    }
    return { columns: this.takeEnded() };
  }

  /** `takeColumns` after the end of the batch. */
  private takeEnded(): [number, unknown[], unknown[]][] {
    const codec = this.reducer.keys;
    const out = [...this.partials].sort((a, b) => a[0] - b[0]).map(([p, m]) => [p, ...columnsOf(m, codec)] as [number, unknown[], unknown[]]);
    this.partials = new Map();
    this.forgetPane();
    return out;
  }
}

/** The keys (decoded; `GLOBAL_SENTINEL` for `GLOBAL_KEY`) and partials of `m`, in its order. */
function columnsOf(m: Map<unknown, unknown> | ValueCounts, codec: KeyCodec): [unknown[], unknown[]] {
  if (m instanceof ValueCounts) return [m.keys.map((k) => (typeof k === 'string' ? codec.decode(k) : k)), m.counts];
  const keys: unknown[] = [];
  const values: unknown[] = [];
  for (const [k, v] of m) {
    keys.push(k === GLOBAL_KEY ? GLOBAL_SENTINEL : typeof k === 'string' ? codec.decode(k) : k);
    values.push(v);
  }
  return [keys, values];
}
