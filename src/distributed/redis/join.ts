/**
 * A Redis worker's join: create the job or join it, waiting for its topic,
 * and refuse a job created with other settings (../join.ts).
 */
import type { Millis } from '../../core/types.js';
import type { PipelineDescription } from '../../plan/fingerprint.js';
import type { JobMeta } from './types.js';
import { jobPipelineText, refuseOtherSettings, untilTopicExists } from '../join.js';
import type { JobLog } from './job-log.js';

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
  const meta = await untilTopicExists(open, r.onWaiting, r.pollMs);
  refuseOtherSettings(`job '${r.group}' on topic '${r.topic}'`, { ...meta, pipeline: meta.fingerprint }, r);
  return meta;
}
