/**
 * The entry point of a Kafka worker for the CLI
 * (`dstream --from kafka://…/TOPIC?group=JOB … --to kafka://…/OUT`); `publish`,
 * `cat`, `job status` and `job reset` go through the `LogBackend` (backend.ts).
 */
import { ConfigError, DStreamError, ExitCode } from '../../core/errors.js';
import { StopSignals } from '../../core/stop-signals.js';
import { describeChange, fingerprint, type PipelineDescription } from '../../plan/fingerprint.js';
import { jobPipelineText, storedPipeline } from '../join.js';
import type { LogUrl } from '../log-url.js';
import { openJob, readJob } from './job.js';
import { errorText, KafkaLog } from './log.js';
import type { UnitContext } from './units.js';
import { toKafkaUrl } from './url.js';
import { KafkaWorker } from './worker.js';

/** What the CLI hands a Kafka worker. Durations in ms. */
export interface KafkaWorkerSettings {
  from: LogUrl;
  to: LogUrl;
  /** `--key-partitions`; undefined: the job's (default for a new job). */
  keyPartitions?: number;
  defaultKeyPartitions: number;
  description: PipelineDescription;
  /** `--batch` (ms), stored with the job (`jobPipelineText`). */
  batchIntervalMs: number;
  once: boolean;
  sessionTimeoutMs: number;
  /** `--idle-timeout`: null = off; undefined: off for a `--once` job, else 60 s. */
  idleTimeoutMs?: number | null;
  /** `--max-records-per-batch`: records per input partition and stage-1 transaction at most (default 20000). */
  batchRecords?: number;
  worker: string;
  units: UnitContext;
  /** Called when the worker ends (summary of issues). @returns the exit code (1: every record failed in one function). */
  finish: () => number;
}

function kafkaFailure(e: unknown, url: LogUrl): unknown {
  if (e instanceof DStreamError) return e;
  return new DStreamError('E_LOG', 'receiving', `kafka ${(url.brokers ?? []).join(',')}: ${errorText(e)}`);
}

/**
 * `call()`, tried again while it fails with a broker error (any but dstream's own: the brokers are down
 * or unreachable), every 250 ms to 2 s; the first failure is said once on stderr, the recovery too.
 * A stop signal meanwhile ends the process (run's handler: no job joined yet).
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
 * Runs one Kafka worker until its job is complete (`--once`) or it is stopped
 * (SIGTERM/SIGINT: the running step commits, the groups are left; a SIGINT after it: exit 130).
 * @returns the exit code.
 * @throws ConfigError (exit 2) for a job created with other settings; DStreamError (exit 1) for the broker or the records.
 */
export async function runKafkaWorker(s: KafkaWorkerSettings): Promise<number> {
  const say = s.units.say;
  if ((s.to.brokers ?? []).join(',') !== (s.from.brokers ?? []).join(',')) {
    throw new ConfigError('--to must be on the same Kafka cluster (same brokers) as --from: rows are committed in one transaction with the offsets');
  }
  const job = s.from.group!;
  const log = new KafkaLog(toKafkaUrl(s.from));
  let w: KafkaWorker | null = null;
  const signals = new StopSignals();
  const onSignal = (sig: NodeJS.Signals) => {
    const action = signals.next(sig);
    if (action === 'abort') {
      say(`dstream: ${sig} again: aborting`);
      process.exit(ExitCode.INTERRUPTED);
    }
    if (action === 'repeat') return say(`dstream: ${StopSignals.repeatLine(sig)}`);
    if (!w) {
      say(`dstream: ${sig}: stopped before joining the job`);
      process.exit(ExitCode.OK);
    }
    say(`dstream: ${sig}: finishing the current step, then leaving the groups ${StopSignals.abortHint(sig)}`);
    w.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const fresh = { keyPartitions: s.keyPartitions ?? s.defaultKeyPartitions, pipeline: jobPipelineText(s.description, s.batchIntervalMs), output: s.to.name, once: s.once };
    // A state job on live input outputs each batch's changed keys (state-unit.ts): checked before the job is created.
    const reachable = <T>(call: () => Promise<T>) => untilReachable(call, say, (s.from.brokers ?? []).join(','));
    const live = s.units.updateState !== undefined && !s.once && !(await reachable(() => readJob(log, job)))?.endOffsets;
    if (live && !Number.isFinite(s.units.updateState!.batchLines)) {
      throw new ConfigError(`--update-state-by-key: job '${job}' reads live input, so it needs --max-records-per-batch N (a batch is N lines of the topic; without it the whole input is one batch, which live input never ends)`);
    }
    if (s.units.updateState && !live && s.description.outputMode === 'update') {
      throw new ConfigError(`--output-mode update: job '${job}' ends (--once), so --update-state-by-key outputs its whole table once at the end (complete); each batch's changed keys (update) are for live input, a job created without --once`);
    }
    if (live && s.description.outputMode === 'complete') {
      throw new ConfigError(`--output-mode complete: job '${job}' reads live input, so --update-state-by-key outputs each batch's changed keys (--output-mode update); the whole table once at the end needs a job created with --once`);
    }
    let meta = await reachable(() => openJob(log, job, fresh));
    if (meta === null) {
      say(`dstream: waiting for topic '${s.from.name}' (create it with kafka-topics.sh --create --topic ${s.from.name} --partitions N)`);
      while (meta === null) {
        await new Promise((r) => setTimeout(r, 1000));
        meta = await reachable(() => openJob(log, job, fresh));
      }
    }
    const what = `job '${job}' on topic '${s.from.name}'`;
    if (s.keyPartitions !== undefined && s.keyPartitions !== meta.keyPartitions) {
      throw new ConfigError(`${what} was created with ${meta.keyPartitions} key partitions, not ${s.keyPartitions}; drop --key-partitions, or start over with dstream job reset`);
    }
    const stored = storedPipeline(meta.pipeline);
    if (stored.fingerprint !== fingerprint(s.description)) {
      throw new ConfigError(`${what} was created with another pipeline (${describeChange(stored.pipeline, s.description) || 'an older dstream'}); restore the old flags, use another ?group=, or start over with dstream job reset`);
    }
    if (meta.output !== s.to.name) throw new ConfigError(`${what} writes to '${meta.output}', not '${s.to.name}'`);
    if (meta.input !== s.from.name) throw new ConfigError(`${what} reads '${meta.input}', not '${s.from.name}'`);
    if (s.once && meta.endOffsets === null) throw new ConfigError(`--once: ${what} was created without --once (it has no end); drop --once, or start over with dstream job reset`);
    const fault = /^(stall|pause)-before-commit@(\d+)$/.exec(process.env.DSTREAM_FAULT ?? '');
    const units = { ...s.units, inputPartitions: meta.inputPartitions, keyPartitions: meta.keyPartitions, updateState: s.units.updateState && { ...s.units.updateState, live: meta.endOffsets === null } };
    say(`dstream: worker ${s.worker} joined ${what} (${meta.inputPartitions} input partitions, ${meta.keyPartitions} key partitions${meta.endOffsets ? ', ends at the offsets noted at creation' : ''})`);
    w = new KafkaWorker(log, units, {
      job, meta, worker: s.worker, sessionTimeoutMs: s.sessionTimeoutMs, batchRecords: s.batchRecords ?? 20_000, pollMs: 100,
      idleTimeoutMs: s.idleTimeoutMs !== undefined ? s.idleTimeoutMs : meta.endOffsets ? null : 60_000,
      beforeCommit: fault ? (n) => {
        if (n !== Number(fault[2])) return;
        if (fault[1] === 'pause') { // the event loop runs on (heartbeats too) until SIGUSR2
          const resumed = new Promise<void>((res) => process.once('SIGUSR2', () => res()));
          say(`dstream: DSTREAM_FAULT: pausing before stage-1 commit ${n} until SIGUSR2`);
          return resumed;
        }
        say(`dstream: DSTREAM_FAULT: stalling ${2 * s.sessionTimeoutMs} ms before stage-1 commit ${n}`);
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2 * s.sessionTimeoutMs);
      } : undefined,
    });
    await w.run();
    const code = s.finish();
    say(`dstream: worker ${s.worker} ${signals.received ? 'stopped' : 'done: the job is complete'}`);
    return code;
  } catch (e) {
    throw kafkaFailure(e, s.from);
  } finally {
    await log.close();
  }
}
