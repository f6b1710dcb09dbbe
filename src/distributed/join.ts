/**
 * What a worker joins a job with, on every backend (Redis: redis/join.ts;
 * Kafka: kafka/run.ts): refuse a job created with other settings (key
 * partitions, pipeline fingerprint, output). The pipeline is stored with the
 * job as `{ fingerprint, pipeline, batchIntervalMs }`: the fingerprint
 * (plan/fingerprint.ts, the one a local checkpoint uses) decides, the
 * description lets a refusal name what changed, and the batch interval is
 * what `dstream cat` prints as the batch time of bounded input.
 */
import { ConfigError } from '../core/errors.js';
import type { Millis } from '../core/types.js';
import { describeChange, fingerprint, type PipelineDescription } from '../plan/fingerprint.js';

/** The text stored with a job for `description` (see module doc). */
export function jobPipelineText(description: PipelineDescription, batchIntervalMs: Millis): string {
  return JSON.stringify({ fingerprint: fingerprint(description), pipeline: description, batchIntervalMs });
}

/** The pipeline stored with a job; a job of an older dstream stored the bare description. */
export function storedPipeline(text: string): { fingerprint: string; pipeline: PipelineDescription } {
  try {
    const v = JSON.parse(text) as { fingerprint?: unknown; pipeline?: unknown };
    if (typeof v.fingerprint === 'string' && v.pipeline && typeof v.pipeline === 'object') return { fingerprint: v.fingerprint, pipeline: v.pipeline as PipelineDescription };
    return { fingerprint: '', pipeline: v && typeof v === 'object' ? (v as PipelineDescription) : {} };
  } catch {
    return { fingerprint: '', pipeline: {} };
  }
}

/** What a job was created with, as its log keeps it (Redis: `JobMeta`; Kafka: `KafkaJobMeta`). */
export interface StoredJob {
  keyPartitions: number;
  /** `jobPipelineText` of the description it was created with. */
  pipeline: string;
  output: string;
}

/**
 * Refuses to join job `what` ("job 'G' on topic 'T'") when it was created with other settings than
 * the worker's: key partitions, pipeline (the fingerprint decides; the refusal names what changed) or output.
 * @throws ConfigError (exit 2) naming the difference and the fix.
 */
export function refuseOtherSettings(what: string, job: StoredJob, s: { keyPartitions?: number; description: PipelineDescription; output: string }): void {
  if (s.keyPartitions !== undefined && s.keyPartitions !== job.keyPartitions) {
    throw new ConfigError(`${what} was created with ${job.keyPartitions} key partitions, not ${s.keyPartitions}; drop --key-partitions, or start over with dstream job reset`);
  }
  const stored = storedPipeline(job.pipeline);
  if (stored.fingerprint !== fingerprint(s.description)) {
    throw new ConfigError(`${what} was created with another pipeline (${describeChange(stored.pipeline, s.description) || 'an older dstream'}); restore the old flags, use another ?group=, or start over with dstream job reset`);
  }
  if (job.output !== s.output) throw new ConfigError(`${what} writes to '${job.output}', not '${s.output}'`);
}

/**
 * `open()` until it gives the job: null means its topic does not exist yet; then `onWaiting` once and
 * another look every `pollMs` (forever: a stop signal ends the wait).
 */
export async function untilTopicExists<T>(open: () => Promise<T | null>, onWaiting: () => void, pollMs: number): Promise<T> {
  let v = await open();
  if (v !== null) return v;
  onWaiting();
  while (v === null) {
    await new Promise((resolve) => setTimeout(resolve, pollMs));
    v = await open();
  }
  return v;
}

/**
 * Refuses, before joining, an `--update-state-by-key` job whose flags do not fit its input: live input
 * outputs each batch's changed keys (needs `--max-records-per-batch`, not `--output-mode complete`),
 * bounded input the table once at the end (not `--output-mode update`), state-stage.ts.
 * @param bounded what makes this backend's input bounded (`made`: "a topic published from a file"), and
 *   its refusal of `--output-mode update` on bounded input (`update`, the whole message).
 * @throws ConfigError (exit 2) naming the flag and why.
 */
export function refuseStateFlags(job: string, live: boolean, batchLines: number, outputMode: unknown, bounded: { made: string; update: string }): void {
  if (live && !Number.isFinite(batchLines)) {
    throw new ConfigError(`--update-state-by-key: ${job} reads live input, so it needs --max-records-per-batch N (a batch is N lines of the topic; without it the whole input is one batch, which live input never ends)`);
  }
  if (live && outputMode === 'complete') {
    throw new ConfigError(`--output-mode complete: ${job} reads live input, so --update-state-by-key outputs each batch's changed keys (--output-mode update); the whole table once at the end needs ${bounded.made}`);
  }
  if (!live && outputMode === 'update') {
    throw new ConfigError(bounded.update);
  }
}
