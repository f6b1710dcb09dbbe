/**
 * The CLI of distributed mode: a worker (`dstream --from redis://…/TOPIC?group=JOB
 * … --to redis://…/NAME`); the subcommands are in distributed-commands.ts. Thin: flags → the library in src/distributed.
 */
import { ConfigError, ExitCode } from '../core/errors.js';
import { IssueLog } from '../core/issues.js';
import { StopSignals } from '../core/stop-signals.js';
import { KeyedReducer } from '../operators/keyed-map.js';
import { pipelineDescription } from '../plan/fingerprint.js';
import { compileFunction } from '../plan/compile-fn.js';
import { openBackend, type JobContext, type UpdateStateSettings, newWorkerId, Worker, distributedPlan, stageSettings, joinJob, kafkaBackend } from '../distributed/index.js';
import type { CliOptions } from './args.js';
import { DEFAULT_KEY_PARTITIONS, DEFAULT_PARTITION_IDLE_MS } from './distributed-options.js';
import { onStopSignals } from './process-io.js';
import { IssueReporter } from './report.js';

type Say = (line: string) => void;

/**
 * Refuses local-mode flags that mean nothing in distributed mode.
 * @throws ConfigError (exit 2).
 */
function checkWorkerFlags(o: CliOptions): void {
  const s = o.sources;
  if (s.connect.length || s.listen.length || s.watch.length) throw new ConfigError('--from reads the topic; drop --connect, --listen and --watch');
  if (o.checkpoint.checkpoint || o.checkpoint.output || o.checkpoint.outputDir || o.checkpoint.wal) {
    throw new ConfigError('distributed mode keeps its state and output in the log (redis or kafka); drop --checkpoint, --wal, --output and --output-dir');
  }
  if (o.workers !== undefined) throw new ConfigError('--workers is for local mode; start more workers with the same --from instead');
  if (o.format !== undefined) throw new ConfigError(`--format: a worker writes rows to --to; read them with dstream cat --to-URL --format ${o.format}`.replace('--to-URL', o.distributed!.to.text));
  if (s.once && o.distributed!.from.scheme !== 'kafka') throw new ConfigError('--once: a worker stops by itself when the job is complete (input published from a file, or ended by dstream publish < /dev/null)');
  const state = o.operators.some((f) => f.op === 'update-state-by-key');
  if (state && o.outputMode && o.outputMode !== 'complete' && o.outputMode !== 'update') {
    throw new ConfigError(`--output-mode ${o.outputMode}: distributed --update-state-by-key outputs the whole table once, at the end of bounded input (complete), or on live input each batch's changed keys (update)`);
  }
  if (!state && o.outputMode && o.outputMode !== 'append') throw new ConfigError(`--output-mode ${o.outputMode}: distributed mode outputs each window once (append)`);
  if (o.stateTimeoutMs !== undefined || o.maxKeys !== undefined) throw new ConfigError('--state-timeout and --max-keys: distributed --update-state-by-key keeps every key until the end of the input; run locally with --checkpoint for them');
  if (!state && o.sources.maxRecordsPerBatch !== undefined && o.distributed!.from.scheme !== 'kafka') {
    throw new ConfigError('--max-records-per-batch: a redis worker\'s stage-1 batch is what its input partition holds, up to 64 entries; the flag only cuts the batches of --update-state-by-key (or of kafka:// jobs)');
  }
  if (state && typeof o.distributed!.idleTimeoutMs === 'number') {
    throw new ConfigError('--idle-timeout: a batch of --update-state-by-key closes only once every input partition has committed its lines; an idle partition cannot be left out (drop it)');
  }
  if (o.initialState !== undefined) throw new ConfigError('--initial-state: distributed mode starts with no state; run locally with --checkpoint for it');
  if (o.parse?.format === 'csv') throw new ConfigError('--parse csv: distributed mode spreads lines over partitions, so rows would miss the header and records could be cut at quoted line breaks; convert to JSON lines first (or run locally)');
}

/**
 * Runs one worker until its job is complete or it is stopped (SIGTERM/SIGINT: the running
 * batch commits, leases are released). A second SIGINT: exit 130; a repeated SIGTERM is only noted.
 * @returns the exit code.
 * @throws ConfigError (exit 2) for flags, or a job created with other settings.
 */
export async function runWorker(o: CliOptions, say: Say): Promise<number> {
  const d = o.distributed!;
  checkWorkerFlags(o);
  const plan = distributedPlan(o.operators);
  const stateless = plan.aggregation === undefined && plan.updateState === undefined; // stage 1 writes the rows; no key partitions
  if (stateless && d.keyPartitions !== undefined) throw new ConfigError('--key-partitions: a pipeline of stateless operators alone has no key partitions (its rows go straight from the input partitions to --to); drop it');
  const { spec, combiner, merge } = await stageSettings(plan, o);
  // A state job's batches are runs of --max-records-per-batch lines of the topic at --batch apart in
  // (logical) time (state-stage.ts): both part of its identity.
  const batchLines = o.sources.maxRecordsPerBatch ?? Infinity;
  const updateFn = plan.updateState === undefined ? undefined : compileFunction(plan.updateState, '--update-state-by-key') as UpdateStateSettings['fn'];
  const description = { ...pipelineDescription(o, 'distributed'), ...(updateFn ? { batchLines: Number.isFinite(batchLines) ? batchLines : null, batchIntervalMs: o.batchIntervalMs } : {}) };
  const reporter = new IssueReporter(say, o.deadLetter, o.late);
  const warned = new Set<string>();
  const issues = new IssueLog(o.onError);
  issues.listen(reporter.onIssue);
  const operators = unitOperators(issues, say);
  const updateState: UpdateStateSettings | undefined = updateFn && { fn: updateFn, label: stateLabel(plan.updateState!), issues, batchLines, batchIntervalMs: o.batchIntervalMs };
  if (d.from.scheme === 'kafka') return runKafka(o, say, { combiner, spec, merge, top: plan.top, stateless, updateState, description, reporter, issues, operators });

  // Signals before the worker has joined (connecting, waiting for the topic): stop at once, exit 0.
  let w: Worker | null = null;
  const stopSignals = onStopSignals((sig) => {
    if (!w) {
      say(`dstream: ${sig}: stopped before joining the job`);
      process.exit(ExitCode.OK);
    }
    say(`dstream: ${sig}: finishing the current batch, then handing over the leases ${StopSignals.abortHint(sig)}`);
    w.stop();
    // Redis away: the batch can neither commit nor hand over; the leases expire on their own.
    const grace = Math.max(5000, d.leaseMs);
    setTimeout(() => {
      say(`dstream: could not finish within ${grace} ms (is redis reachable?): stopping without handing over; other workers take over when the leases expire`);
      process.exit(ExitCode.RUNTIME);
    }, grace).unref();
  }, say);

  const backend = await openBackend(d.from, { persistent: true, onError: (m) => say(`dstream: ${m}`) });
  const log = backend.workerLog(d.from.group!)!; // redis: the shared loop (kafka returned above)
  await backend.connect();
  try {
    return await joinAndRun();
  } catch (e) {
    throw backend.classifyError(e);
  }

  async function joinAndRun(): Promise<number> {
    const job = `job '${d.from.group}' on topic '${d.from.name}'`;
    const waiting = () => say(`dstream: waiting for topic '${d.from.name}' (create it with: dstream publish redis://${d.from.host}:${d.from.port}/${d.from.name} --partitions N)`);
    let meta;
    try {
      if (updateState) {
        // A state job outputs its table at the end of bounded input, each batch's changed keys on live input
        // (state-stage.ts). Which one the topic is decides the refusals below, and they come before joining,
        // so a refused command creates no job: the topic is waited for first.
        if ((await backend.partitions()) === null) {
          waiting();
          while ((await backend.partitions()) === null) await new Promise((resolve) => setTimeout(resolve, 1000));
        }
        const live = !(await backend.isBounded());
        const refusal = live && !Number.isFinite(batchLines) ? `--update-state-by-key: ${job} reads live input, so it needs --max-records-per-batch N (a batch is N lines of the topic; without it the whole input is one batch, which live input never ends)`
          : live && o.outputMode === 'complete' ? `--output-mode complete: ${job} reads live input, so --update-state-by-key outputs each batch's changed keys (--output-mode update); the whole table once at the end needs a topic published from a file`
          : !live && o.outputMode === 'update' ? `--output-mode update: distributed --update-state-by-key outputs the whole table once, at the end of the input (complete): ${job} reads a topic published from a file; each batch's changed keys (update) are for live input`
          : null;
        if (refusal) throw new ConfigError(refusal);
        updateState.live = live;
      }
      meta = await joinJob(log, {
        topic: d.from.name, group: d.from.group!, keyPartitions: d.keyPartitions, defaultKeyPartitions: stateless ? 0 : DEFAULT_KEY_PARTITIONS,
        description, batchIntervalMs: o.batchIntervalMs, output: d.to.name, pollMs: 1000, onWaiting: waiting,
      });
    } catch (e) {
      await backend.close();
      throw e;
    }
    const missed = meta.missedEntries?.reduce((a, b) => a + b, 0) ?? 0;
    if (missed > 0) say(`dstream: warning: ${job} starts at the oldest input entry the topic holds: ${missed === 1 ? '1 entry before it was' : `${missed} entries before it were`} trimmed by retention once the topic's other jobs had read them, and its answer leaves them out (publish with --keep-input to keep input for jobs created later)`);
    const worker = newWorkerId();
    const fault = /^stall-before-commit@(\d+)$/.exec(process.env.DSTREAM_FAULT ?? '');
    const ctx: JobContext = {
      backend, log, worker, inputPartitions: meta.inputPartitions, keyPartitions: meta.keyPartitions, output: meta.output,
      combiner, stateless, spec, top: plan.top,
      updateState, watermarkDelayMs: o.watermarkDelayMs, allowedLatenessMs: o.allowedLatenessMs ?? 0,
      mergeReducer: () => new KeyedReducer(merge, issues, true),
      batchEntries: 64,
      idleTimeoutMs: d.idleTimeoutMs !== undefined ? d.idleTimeoutMs : (await backend.isBounded()) ? null : DEFAULT_PARTITION_IDLE_MS,
      leaseMs: d.leaseMs, now: () => Date.now(), say,
      onIssue: (i) => issues.forward(i),
      onWarning: (m, where) => {
        if (!warned.has(where) && warned.add(where)) say(`dstream: ${m}`); // once per operator, not per partition
      },
      onOperators: operators.add,
      beforeCommit: fault ? (n) => {
        if (n === Number(fault[1])) {
          say(`dstream: DSTREAM_FAULT: stalling ${3 * d.leaseMs} ms before stage-1 commit ${n}`);
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 3 * d.leaseMs);
        }
      } : undefined,
    };
    say(`dstream: worker ${worker} joined ${job} (${meta.inputPartitions} input partitions, ${meta.keyPartitions} key partitions)`);
    // With no new input a worker looks again after the batch interval, at most 100 ms (the latency of a
    // stage-1 batch; a stage-1 batch takes whatever input is there, up to 64 entries).
    w = new Worker(ctx, Math.min(o.batchIntervalMs, 100));
    await w.run();
    await backend.close();
    const summary = reporter.summary(issues);
    if (summary) say(summary);
    reporter.close();
    const code = operators.exitCode();
    say(`dstream: worker ${worker} ${stopSignals.received ? 'stopped' : 'done: the job is complete'}`);
    return code;
  }
}

/** The worker of a `kafka://` job (src/distributed/kafka/), with what runWorker prepared. */
async function runKafka(o: CliOptions, say: Say, p: {
  combiner: JobContext['combiner']; spec: JobContext['spec']; merge: ConstructorParameters<typeof KeyedReducer>[0]; top?: number; stateless: boolean; updateState?: UpdateStateSettings;
  description: ReturnType<typeof pipelineDescription>; reporter: IssueReporter; issues: IssueLog; operators: ReturnType<typeof unitOperators>;
}): Promise<number> {
  const d = o.distributed!;
  const { runKafkaWorker } = await kafkaBackend();
  const warned = new Set<string>();
  return runKafkaWorker({
    from: d.from, to: d.to, keyPartitions: d.keyPartitions, defaultKeyPartitions: p.stateless ? 0 : DEFAULT_KEY_PARTITIONS, description: p.description,
    batchIntervalMs: o.batchIntervalMs, once: o.sources.once, sessionTimeoutMs: d.leaseMs, batchRecords: o.sources.maxRecordsPerBatch, idleTimeoutMs: d.idleTimeoutMs, worker: newWorkerId(),
    units: {
      combiner: p.combiner, spec: p.spec, top: p.top, updateState: p.updateState, watermarkDelayMs: o.watermarkDelayMs, allowedLatenessMs: o.allowedLatenessMs ?? 0,
      mergeReducer: () => new KeyedReducer(p.merge, p.issues, true),
      inputPartitions: 0, keyPartitions: 0, say, onIssue: (i) => p.issues.forward(i),
      onWarning: (m, where) => {
        if (!warned.has(where) && warned.add(where)) say(`dstream: ${m}`);
      },
      onOperators: p.operators.add,
    },
    finish: () => {
      const summary = p.reporter.summary(p.issues);
      if (summary) say(summary);
      p.reporter.close();
      return p.operators.exitCode();
    },
  });
}

/**
 * The operators of a worker's units (each unit made gives its issue log: `JobContext.onOperators`),
 * and the local rule at the worker's end: when every record this worker ran failed in one function,
 * its empty answer would look like an empty input, so it says so as a local run does and exits 1.
 * The counts are this worker's records, not the whole job's.
 */
function unitOperators(issues: IssueLog, say: Say) {
  const logs: IssueLog[] = [];
  return {
    add: (l: IssueLog) => void logs.push(l),
    /** @returns exit code 1 (said on stderr) when some operator let no record through, else 0. */
    exitCode(): number {
      for (const l of logs) for (const t of l.passedCounts()) issues.trackOperator(t.where, t.name, () => t.passed);
      const [b] = issues.blocked();
      if (!b) return ExitCode.OK;
      say(`dstream: no record got through ${b.name}: all ${b.failed} failed in it (first errors above); exit 1`);
      return ExitCode.RUNTIME;
    },
  };
}

/** `--update-state-by-key '…'` as local mode names it in issues (the function cut at 60 characters). */
function stateLabel(source: string): string {
  return `--update-state-by-key '${source.length > 60 ? `${source.slice(0, 57)}...` : source}'`;
}
