/**
 * The broker-less setting of the Kafka `--update-state-by-key` unit tests (kafka-state-unit,
 * kafka-state-live): the topic's lines spread over two input partitions (line g to partition g mod
 * 2), their stage-1 units, and a repartition log that a new stage-2 owner reads again.
 */
import type { KafkaLog, LogRecord } from '../../src/distributed/kafka/log.js';
import { InputUnit, type UnitContext } from '../../src/distributed/kafka/units.js';

/**
 * @param lines `[key, value]` per line of the topic.
 * @param live true: the input partitions have no end (a job created without --once).
 */
export function stateHarness(ctx: UnitContext, lines: [string, string][], live: boolean) {
  const parts = [0, 1].map((p) => lines.filter((_, g) => g % 2 === p).map((l, k): LogRecord => ({ offset: k, timestampMs: 0, key: null, value: l.join(' ') })));
  const s1 = [0, 1].map((p) => new InputUnit(ctx, p, 0, undefined, live ? Infinity : parts[p]!.length, { repartition: 'rep' }));
  /** The repartition partition's records (offset = index). */
  const rep: LogRecord[] = [];
  const log = { read: async (_t: string, _p: number, from: number, to: number, max: number) => {
    const records = rep.slice(from, Math.min(to, from + max));
    return { records, next: from + records.length };
  } } as unknown as KafkaLog;
  return { parts, s1, rep, log };
}
