/**
 * The contract of the Kafka source on one screen: its options, the shape of a
 * batch's offsets in the offset log, and where a partition starts.
 */
import type { Millis } from '../../core/types.js';

/** Where a partition without a checkpointed or committed position starts. */
export type KafkaStart = 'earliest' | 'latest' | { timeMs: Millis };

/** Options of a `KafkaSource`. */
export interface KafkaSourceOptions {
  /** Bootstrap brokers, `host:port`. */
  brokers: string[];
  topics: string[];
  start: KafkaStart;
  /** Consumer group whose offsets are committed after each batch (and read at start without a checkpoint). */
  group?: string;
  /** Read up to the end offsets present at start, then end. */
  once: boolean;
  /** Push `{topic, partition, offset, timestamp, key, value, headers}` instead of the value text. */
  asRecord: boolean;
  /** Records per batch over all partitions (default: unbounded). */
  maxRecordsPerBatch?: number;
  /** One line on stderr (without the `dstream: ` prefix). */
  log: (message: string) => void;
  /**
   * With a checkpoint: this source's data in the newest snapshot and its offsets
   * in each logged batch after it (what recovery will replay), read in `prepare`.
   */
  checkpointed?: () => { snapshot: unknown; batches: unknown[] };
}

/** A batch's offsets: per `topic:partition`, the range `[from, to)`. Plain JSON. */
export type KafkaOffsets = Record<string, [number, number]>;
