/**
 * Distributed mode's public face: what a program (the CLI's `publish`, `cat`, `job`, `topic` and
 * `--from LOG_URL` workers) needs to run a job over a shared log. The contract a backend implements
 * is log-backend.ts; Redis lives in redis/, Kafka in kafka/.
 */
export { formatStatus } from './admin.js';
export { catOutput } from './cat.js';
export { newWorkerId, type RunningWorker, type UnitContext, type UpdateStateSettings, type WorkerSettings } from './job-context.js';
export type { LogBackend } from './log-backend.js';
export { isLogUrl, parseLogUrl, type LogUrl } from './log-url.js';
export { openBackend } from './open-backend.js';
export { distributedPlan, stageSettings, type DistributedPlan } from './plan.js';
export { markTopic, openTopic, publish } from './publish.js';
