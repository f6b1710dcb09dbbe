/**
 * The worker of a `kafka://` job (`dstream --from kafka://…/TOPIC?group=JOB …
 * --to kafka://…/OUT`), as `LogBackend.runWorker` starts it (backend.ts):
 * refuse what this job cannot run before joining, create or join the job
 * (job.ts; ../join.ts refuses other settings), then run its units under the
 * shared loop (worker.ts).
 */
import { ConfigError, DStreamError } from '../../core/errors.js';
import type { WorkerSettings } from '../job-context.js';
import { jobPipelineText, refuseOtherSettings, refuseStateFlags, untilTopicExists } from '../join.js';
import type { LogUrl } from '../log-url.js';
import { openJob, readJob } from './job.js';
import { errorText, type KafkaLog } from './log.js';
import { KafkaWorker } from './worker.js';

function kafkaFailure(e: unknown, url: LogUrl): unknown {
  if (e instanceof DStreamError) return e;
  return new DStreamError('E_LOG', 'receiving', `kafka ${(url.brokers ?? []).join(',')}: ${errorText(e)}`);
}

/**
 * `call()`, tried again while it fails with a broker error (any but dstream's own: the brokers are down
 * or unreachable), every 250 ms to 2 s; the first failure is said once on stderr, the recovery too.
 * A stop signal meanwhile ends the process (the CLI's handler: no job joined yet).
 */
async function untilReachable<T>(call: () => Promise<T>, say: (line: string) => void, brokers: string): Promise<T> {
  let waited = false;
  for (let n = 1; ; n++) {
    try {
      const r = await call();
      if (waited) say(`dstream: the broker at ${brokers} answers`);
      return r;
    } catch (e) {
      if (e instanceof DStreamError) throw e;
      if (!waited) say(`dstream: waiting for the broker at ${brokers} (${errorText(e).slice(0, 200)}): retrying until it answers (SIGINT or SIGTERM stops)`);
      waited = true;
      await new Promise((r) => setTimeout(r, Math.min(2000, 250 * n)));
    }
  }
}

/**
 * Runs one Kafka worker until its job is complete (`--once`) or it is stopped (`s.joined`: the
 * running step commits, the groups are left).
 * @throws ConfigError (exit 2) for a job created with other settings; DStreamError (exit 1) for the broker or the records.
 */
export async function runKafkaWorker(log: KafkaLog, s: WorkerSettings): Promise<void> {
  const say = s.units.say;
  if ((s.to.brokers ?? []).join(',') !== (s.from.brokers ?? []).join(',')) {
    throw new ConfigError('--to must be on the same Kafka cluster (same brokers) as --from: rows are committed in one transaction with the offsets');
  }
  const job = s.from.group!;
  try {
    const fresh = { keyPartitions: s.keyPartitions ?? s.defaultKeyPartitions, pipeline: jobPipelineText(s.description, s.batchIntervalMs), output: s.to.name, once: s.once };
    // A state job on live input outputs each batch's changed keys (state-unit.ts): checked before the job is created.
    const reachable = <T>(call: () => Promise<T>) => untilReachable(call, say, (s.from.brokers ?? []).join(','));
    const live = s.units.updateState !== undefined && !s.once && !(await reachable(() => readJob(log, job)))?.endOffsets;
    if (s.units.updateState) {
      refuseStateFlags(`job '${job}'`, live, s.units.updateState.batchLines, s.description.outputMode, {
        made: 'a job created with --once',
        update: `--output-mode update: job '${job}' ends (--once), so --update-state-by-key outputs its whole table once at the end (complete); each batch's changed keys (update) are for live input, a job created without --once`,
      });
    }
    const waiting = () => say(`dstream: waiting for topic '${s.from.name}' (create it with kafka-topics.sh --create --topic ${s.from.name} --partitions N)`);
    const meta = await untilTopicExists(() => reachable(() => openJob(log, job, fresh)), waiting, 1000);
    const what = `job '${job}' on topic '${s.from.name}'`;
    refuseOtherSettings(what, meta, { ...s, output: s.to.name });
    if (meta.input !== s.from.name) throw new ConfigError(`${what} reads '${meta.input}', not '${s.from.name}'`);
    if (s.once && meta.endOffsets === null) throw new ConfigError(`--once: ${what} was created without --once (it has no end); drop --once, or start over with dstream job reset`);
    const fault = /^(stall|pause)-before-commit@(\d+)$/.exec(process.env.DSTREAM_FAULT ?? '');
    const units = { ...s.units, inputPartitions: meta.inputPartitions, keyPartitions: meta.keyPartitions, updateState: s.units.updateState && { ...s.units.updateState, live: meta.endOffsets === null } };
    say(`dstream: worker ${s.worker} joined ${what} (${meta.inputPartitions} input partitions, ${meta.keyPartitions} key partitions${meta.endOffsets ? ', ends at the offsets noted at creation' : ''})`);
    const w = new KafkaWorker(log, units, {
      job, meta, worker: s.worker, sessionTimeoutMs: s.leaseMs, batchRecords: s.batchRecords ?? 20_000, pollMs: 100,
      idleTimeoutMs: s.idleTimeoutMs !== undefined ? s.idleTimeoutMs : meta.endOffsets ? null : s.defaultIdleTimeoutMs,
      beforeCommit: fault ? (n) => {
        if (n !== Number(fault[2])) return;
        if (fault[1] === 'pause') { // the event loop runs on (heartbeats too) until SIGUSR2
          const resumed = new Promise<void>((res) => process.once('SIGUSR2', () => res()));
          say(`dstream: DSTREAM_FAULT: pausing before stage-1 commit ${n} until SIGUSR2`);
          return resumed;
        }
        say(`dstream: DSTREAM_FAULT: stalling ${2 * s.leaseMs} ms before stage-1 commit ${n}`);
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2 * s.leaseMs);
      } : undefined,
    });
    s.joined({ stop: () => w.stop(), stopping: 'finishing the current step, then leaving the groups' });
    await w.run();
  } catch (e) {
    throw kafkaFailure(e, s.from);
  } finally {
    await log.close();
  }
}
