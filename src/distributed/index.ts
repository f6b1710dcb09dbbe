/**
 * Distributed mode's public face: what a program (the CLI's `publish`, `cat`, `job`, `topic` and
 * `--from LOG_URL` workers) needs to run a job over a shared log. The contract a backend implements
 * is log-backend.ts; Redis lives in redis/.
 */
export { formatStatus, jobStatus } from './admin.js';
export { catOutput } from './cat.js';
export type { JobContext } from './job-context.js';
export { joinJob } from './join.js';
export type { LogBackend, JobLog } from './log-backend.js';
export { isLogUrl, parseLogUrl, type LogUrl } from './log-url.js';
export { openBackend } from './open-backend.js';
export { distributedPlan, stageSettings, type DistributedPlan } from './plan.js';
export { markTopic, openTopic, publish } from './publish.js';
export { newWorkerId, Worker } from './worker.js';
export type { UpdateStateSettings } from './job-context.js';

/** The Kafka backend (kafka/run.ts), loaded on first use with its client. */
export async function kafkaBackend(): Promise<typeof import('./kafka/run.js')> {
  return import('./kafka/run.js');
}
