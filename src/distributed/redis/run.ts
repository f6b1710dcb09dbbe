/**
 * The worker of a `redis://` job (`dstream --from redis://…/TOPIC?group=JOB …
 * --to redis://…/OUT`), as `LogBackend.runWorker` starts it: connect, refuse
 * what this job cannot run before joining, create or join the job
 * (join.ts), then run its units under the shared loop (worker.ts).
 */
import { ConfigError } from '../../core/errors.js';
import type { WorkerSettings } from '../job-context.js';
import { refuseStateFlags, untilTopicExists } from '../join.js';
import type { LogBackend } from '../log-backend.js';
import type { JobContext } from './context.js';
import { joinJob } from './join.js';
import type { JobLog } from './job-log.js';
import { Worker } from './worker.js';

/** Entries per stage-1 batch at most. */
const BATCH_ENTRIES = 64;

/**
 * Runs one Redis worker until its job is complete or it is stopped (`s.joined`).
 * @throws ConfigError (exit 2) for `--once` and a stateless `--max-records-per-batch` (before connecting), a
 *   job created with other settings or a state job this topic refuses (before joining: a refused command
 *   creates no job); the backend's errors (`classifyError`).
 */
export async function runRedisWorker(backend: LogBackend, log: JobLog, s: WorkerSettings): Promise<void> {
  const say = s.units.say;
  if (s.once) throw new ConfigError('--once: a worker stops by itself when the job is complete (input published from a file, or ended by dstream publish < /dev/null)');
  if (!s.units.updateState && s.batchRecords !== undefined) {
    throw new ConfigError('--max-records-per-batch: a redis worker\'s stage-1 batch is what its input partition holds, up to 64 entries; the flag only cuts the batches of --update-state-by-key (or of kafka:// jobs)');
  }
  await backend.connect();
  try {
    await joinAndRun();
  } catch (e) {
    throw backend.classifyError(e);
  }

  async function joinAndRun(): Promise<void> {
    const { from } = s;
    const job = `job '${from.group}' on topic '${from.name}'`;
    const waiting = () => say(`dstream: waiting for topic '${from.name}' (create it with: dstream publish redis://${from.host}:${from.port}/${from.name} --partitions N)`);
    const state = s.units.updateState;
    let meta;
    try {
      if (state) {
        // A state job outputs its table at the end of bounded input, each batch's changed keys on live input
        // (state-stage.ts). Which one the topic is decides the refusals below, and they come before joining,
        // so a refused command creates no job: the topic is waited for first.
        await untilTopicExists(() => backend.partitions(), waiting, 1000);
        const live = !(await backend.isBounded());
        refuseStateFlags(job, live, state.batchLines, s.description.outputMode, {
          made: 'a topic published from a file',
          update: `--output-mode update: distributed --update-state-by-key outputs the whole table once, at the end of the input (complete): ${job} reads a topic published from a file; each batch's changed keys (update) are for live input`,
        });
        state.live = live;
      }
      meta = await joinJob(log, {
        topic: from.name, group: from.group!, keyPartitions: s.keyPartitions, defaultKeyPartitions: s.defaultKeyPartitions,
        description: s.description, batchIntervalMs: s.batchIntervalMs, output: s.to.name, pollMs: 1000, onWaiting: waiting,
      });
    } catch (e) {
      await backend.close();
      throw e;
    }
    const missed = meta.missedEntries?.reduce((a, b) => a + b, 0) ?? 0;
    if (missed > 0) say(`dstream: warning: ${job} starts at the oldest input entry the topic holds: ${missed === 1 ? '1 entry before it was' : `${missed} entries before it were`} trimmed by retention once the topic's other jobs had read them, and its answer leaves them out (publish with --keep-input to keep input for jobs created later)`);
    const fault = /^stall-before-commit@(\d+)$/.exec(process.env.DSTREAM_FAULT ?? '');
    const ctx: JobContext = {
      ...s.units, backend, log, worker: s.worker, inputPartitions: meta.inputPartitions, keyPartitions: meta.keyPartitions, output: meta.output,
      batchEntries: BATCH_ENTRIES,
      idleTimeoutMs: s.idleTimeoutMs !== undefined ? s.idleTimeoutMs : (await backend.isBounded()) ? null : s.defaultIdleTimeoutMs,
      leaseMs: s.leaseMs, now: () => Date.now(),
      beforeCommit: fault ? (n) => {
        if (n === Number(fault[1])) {
          say(`dstream: DSTREAM_FAULT: stalling ${3 * s.leaseMs} ms before stage-1 commit ${n}`);
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 3 * s.leaseMs);
        }
      } : undefined,
    };
    say(`dstream: worker ${s.worker} joined ${job} (${meta.inputPartitions} input partitions, ${meta.keyPartitions} key partitions)`);
    // With no new input a worker looks again after the batch interval, at most 100 ms (the latency of a
    // stage-1 batch; a stage-1 batch takes whatever input is there, up to 64 entries).
    const w = new Worker(ctx, Math.min(s.batchIntervalMs, 100));
    // Redis away: the batch can neither commit nor hand over; the leases expire on their own.
    const grace = Math.max(5000, s.leaseMs);
    s.joined({
      stop: () => w.stop(), stopping: 'finishing the current batch, then handing over the leases',
      grace: { ms: grace, line: `could not finish the current batch within ${grace} ms (redis unreachable, or a batch slower than --lease): stopping without handing over; other workers take over when the leases expire` },
    });
    await w.run();
    await backend.close();
  }
}
