/**
 * The stateless prefix of a pipeline (`--parse`, `--map`, `--flat-map`,
 * `--filter`, `--event-time`) as a chain of nodes over lines, outside a
 * streaming job: for map-side combining (`--workers` threads, distributed
 * stage 1) and the rows of a stateless distributed job.
 */
import { ManualClock } from '../core/clock.js';
import type { ErrorPolicy, IssueLog } from '../core/issues.js';
import type { StreamNode } from '../core/node.js';
import { TimeZone } from '../core/time-zone.js';
import type { Millis } from '../core/types.js';
import { StatelessNode } from '../operators/stateless.js';
import { createParser } from '../parsers/index.js';
import type { FunctionCache } from '../plan/compile-fn.js';
import type { OperatorFlag } from '../plan/pipeline.js';
import { buildPipeline } from './apply-plan.js';
import { StreamingContext } from './context.js';

/** What the prefix needs. */
export interface PrefixOptions {
  prefix: OperatorFlag[];
  watermarkDelayMs: Millis;
  timezone?: string;
  parse?: { format: string; delimiter?: string; year?: number };
  onError: ErrorPolicy;
  /** Compiles each function once across prefixes (a `--workers` thread's parts). */
  functions?: FunctionCache;
}

/** A compiled prefix: its issue log, and `connect` to put it in front of a sink. */
export interface PrefixChain {
  readonly issues: IssueLog;
  /** The head to feed lines to (`record(line, NaN)`); the sink itself when the prefix is empty. */
  connect(sink: StreamNode): { head: StreamNode; stateless: StatelessNode | undefined };
}

/**
 * Compiles the prefix.
 * @throws ConfigError for an invalid function or parser.
 */
export function prefixChain(o: PrefixOptions): PrefixChain {
  const ssc = new StreamingContext({ batchIntervalMs: 1000, clock: new ManualClock(0), onError: o.onError });
  const ds = buildPipeline(ssc.queueStream<string>([]), o.prefix, {
    watermarkDelayMs: o.watermarkDelayMs,
    zone: o.timezone ? new TimeZone(o.timezone) : undefined,
    parser: o.parse ? createParser(o.parse.format, { delimiter: o.parse.delimiter, year: o.parse.year }) : undefined,
    functions: o.functions,
  });
  return {
    issues: ssc.issues,
    connect(sink) {
      if (ds.op.kind !== 'stateless') return { head: sink, stateless: undefined };
      const node = new StatelessNode(ds.op.steps, ssc.issues);
      node.connect(sink);
      node.prepare();
      return { head: node, stateless: node };
    },
  };
}
