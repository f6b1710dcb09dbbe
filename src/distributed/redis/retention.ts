/**
 * A job created after retention trimmed its topic's input (entries every
 * earlier job had committed, backend.ts `trimInput`) never reads those
 * entries: on a topic published from a file its answer would leave them out,
 * so it is refused; on live input it starts at the oldest entry kept, and
 * the count is kept with the job (`missed`, shown by `job status`).
 */
import { ConfigError } from '../../core/errors.js';
import { range } from './codec.js';

/** What the check reads of a topic (a `RedisBackend`). */
export interface TopicInput {
  readonly topic: string;
  partitions(): Promise<number | null>;
  isBounded(): Promise<boolean>;
  /** Entries of input partition `p` ever appended and still held. */
  inputCounts(p: number): Promise<{ added: number; length: number }>;
}

/**
 * Per input partition, the entries retention trimmed: what job `group`, created now, would never read.
 * @throws ConfigError (exit 2) when some were and the topic was published from a file (bounded).
 */
export async function missedByNewJob(topic: TopicInput, group: string): Promise<number[]> {
  const counts = await Promise.all(range((await topic.partitions()) ?? 0).map((p) => topic.inputCounts(p)));
  const trimmed = counts.map((c) => c.added - c.length);
  const missed = trimmed.reduce((a, b) => a + b, 0);
  if (missed > 0 && (await topic.isBounded())) {
    throw new ConfigError(`job ${group} would miss ${missed} input entries of topic '${topic.topic}' that retention trimmed once its other jobs had read them, and leave them out of its answer; publish the file again (after dstream topic delete, or to another topic), with --keep-input to keep the input for jobs created later`);
  }
  return trimmed;
}
