/**
 * The job-join protocol of a worker: create the job or join it, waiting for
 * its topic, and refuse to join a job created with other settings (key
 * partitions, pipeline fingerprint, output). The pipeline is stored with the
 * job as `{ fingerprint, pipeline, batchIntervalMs }`: the fingerprint
 * (plan/fingerprint.ts, the one a local checkpoint uses) decides, the
 * description lets a refusal name what changed, and the batch interval is
 * what `dstream cat` prints as the batch time of bounded input.
 */
import { ConfigError } from '../core/errors.js';
import type { Millis } from '../core/types.js';
import { describeChange, fingerprint, type PipelineDescription } from '../plan/fingerprint.js';
import type { JobMeta } from './backend.js';
import type { JobLog } from './log-backend.js';

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

/** What a worker asks to join with. */
export interface JoinRequest {
  topic: string;
  group: string;
  /** `--key-partitions`; undefined: the job's, or `defaultKeyPartitions` for a new job. */
  keyPartitions?: number;
  defaultKeyPartitions: number;
  description: PipelineDescription;
  batchIntervalMs: Millis;
  /** Output stream name (`--to`). */
  output: string;
  /** Called once when the topic does not exist yet (the worker waits for it). */
  onWaiting: () => void;
  /** Time between looks for the topic (ms). */
  pollMs: number;
}

/**
 * Creates or joins the job; waits (forever) for its topic to exist.
 * @returns the job's settings.
 * @throws ConfigError (exit 2) when the job was created with other key partitions, another pipeline or another output.
 */
export async function joinJob(log: JobLog, r: JoinRequest): Promise<JobMeta> {
  const text = jobPipelineText(r.description, r.batchIntervalMs);
  const open = () => log.open(r.keyPartitions ?? r.defaultKeyPartitions, text, r.output);
  let meta = await open();
  if (meta === null) {
    r.onWaiting();
    while (meta === null) {
      await new Promise((resolve) => setTimeout(resolve, r.pollMs));
      meta = await open();
    }
  }
  const job = `job '${r.group}' on topic '${r.topic}'`;
  if (r.keyPartitions !== undefined && r.keyPartitions !== meta.keyPartitions) {
    throw new ConfigError(`${job} was created with ${meta.keyPartitions} key partitions, not ${r.keyPartitions}; drop --key-partitions (or DSTREAM_KEY_PARTITIONS), or start over with dstream job reset`);
  }
  const stored = storedPipeline(meta.fingerprint);
  if (stored.fingerprint !== fingerprint(r.description)) {
    const what = describeChange(stored.pipeline, r.description);
    throw new ConfigError(`${job} was created with another pipeline (${what || 'an older dstream'}); restore the old flags, use another ?group=, or start over with dstream job reset`);
  }
  if (meta.output !== r.output) throw new ConfigError(`${job} writes to '${meta.output}', not '${r.output}'`);
  return meta;
}
