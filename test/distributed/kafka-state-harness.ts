/**
 * The broker-less setting of the Kafka `--update-state-by-key` unit tests (kafka-state-unit,
 * kafka-state-live): the topic's lines spread over two input partitions (line g to partition g mod
 * 2), their stage-1 units, and a repartition log that a new stage-2 owner reads again.
 */
import { IssueLog } from '../../src/core/issues.js';
import type { KafkaLog, LogRecord } from '../../src/distributed/kafka/log.js';
import { StateKeyUnit } from '../../src/distributed/kafka/state-unit.js';
import { InputUnit, type UnitContext } from '../../src/distributed/kafka/units.js';

/** The batch interval of the units (ms). */
export const BATCH_MS = 1000;

/** The units' context: lines `key value` split into pairs, `fn` the update function, batches of `batchLines` lines. */
function context(batchLines: number, fn: (vs: unknown[], s: unknown, t: number) => unknown, live: boolean): UnitContext {
  return {
    combiner: { prefix: [{ op: 'map', source: 'l => l.split(" ")' }], watermarkDelayMs: 0, onError: 'skip' },
    inputPartitions: 2, keyPartitions: 1,
    updateState: { fn, label: '--update-state-by-key', issues: new IssueLog('skip'), batchLines, batchIntervalMs: BATCH_MS, ...(live ? { live: true } : {}) },
    say: () => undefined, onIssue: () => undefined,
  } as unknown as UnitContext;
}

/**
 * @param pairs `[key, value]` per line of the topic.
 * @param n lines per batch (`--max-records-per-batch`).
 * @param fn the `--update-state-by-key` function.
 * @param live true: the input partitions have no end (a job created without --once).
 * @returns the lines as text pairs, the context, the input partitions' records and stage-1 units,
 *   the repartition log, and a fresh stage-2 unit `s2`.
 */
export function stateHarness(pairs: [string, number][], n: number, fn: (vs: unknown[], s: unknown, t: number) => unknown, live: boolean) {
  const lines = pairs.map(([k, v]) => [k, String(v)] as [string, string]);
  const ctx = context(n, fn, live);
  const parts = [0, 1].map((p) => lines.filter((_, g) => g % 2 === p).map((l, k): LogRecord => ({ offset: k, timestampMs: 0, key: null, value: l.join(' ') })));
  const s1 = [0, 1].map((p) => new InputUnit(ctx, p, 0, undefined, live ? Infinity : parts[p]!.length, { repartition: 'rep' }));
  /** The repartition partition's records (offset = index). */
  const rep: LogRecord[] = [];
  const log = { read: async (_t: string, _p: number, from: number, to: number, max: number) => {
    const records = rep.slice(from, Math.min(to, from + max));
    return { records, next: from + records.length };
  } } as unknown as KafkaLog;
  return { lines, ctx, parts, s1, rep, log, s2: new StateKeyUnit(ctx, 0, 0, undefined) };
}
