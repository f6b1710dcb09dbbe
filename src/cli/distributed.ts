/**
 * The CLI of distributed mode: a worker (`dstream --from redis://…/TOPIC?group=JOB
 * … --to redis://…/NAME`, or kafka://); the subcommands are in distributed-commands.ts. Thin: flags →
 * one `WorkerSettings` → the backend's worker (`LogBackend.runWorker`), whatever the log.
 */
import { ConfigError, ExitCode } from '../core/errors.js';
import { IssueLog } from '../core/issues.js';
import { StopSignals } from '../core/stop-signals.js';
import { KeyedReducer } from '../operators/keyed-map.js';
import { pipelineDescription } from '../plan/fingerprint.js';
import { compileFunction } from '../plan/compile-fn.js';
import { openBackend, type RunningWorker, type UpdateStateSettings, newWorkerId, distributedPlan, stageSettings } from '../distributed/index.js';
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
  const state = o.operators.some((f) => f.op === 'update-state-by-key');
  if (state && o.outputMode && o.outputMode !== 'complete' && o.outputMode !== 'update') {
    throw new ConfigError(`--output-mode ${o.outputMode}: distributed --update-state-by-key outputs the whole table once, at the end of bounded input (complete), or on live input each batch's changed keys (update)`);
  }
  if (!state && o.outputMode && o.outputMode !== 'append') throw new ConfigError(`--output-mode ${o.outputMode}: distributed mode outputs each window once (append)`);
  if (o.stateTimeoutMs !== undefined || o.maxKeys !== undefined) throw new ConfigError('--state-timeout and --max-keys: distributed --update-state-by-key keeps every key until the end of the input; run locally with --checkpoint for them');
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
  const issues = new IssueLog(o.onError);
  issues.listen(reporter.onIssue);
  if (o.deadLetter && updateFn) {
    // Stage 2 holds a key's values, not the input lines they came from: said once, never a silently empty file.
    let said = false;
    issues.listen((i) => {
      if (said || i.kind !== 'user-error' || i.raw !== undefined || !i.where.startsWith('--update-state-by-key')) return;
      said = true;
      say(`dstream: --dead-letter: --update-state-by-key runs on the key partitions, which hold the values but not the input lines: the records its function failed on are counted, not written to ${o.deadLetter}`);
    });
  }
  const operators = unitOperators(issues, say);
  const updateState: UpdateStateSettings | undefined = updateFn && { fn: updateFn, label: stateLabel(plan.updateState!), issues, batchLines, batchIntervalMs: o.batchIntervalMs };
  // Warnings once per operator, not per partition: the units' (stage 1) and the key partitions' reducers' (a key that came as a Set and as an array).
  const warned = new Set<string>();
  const warnOnce = (m: string, where: string) => {
    if (!warned.has(where) && warned.add(where)) say(`dstream: ${m}`);
  };
  issues.onWarning(warnOnce);
  const worker = newWorkerId();

  // Signals before the worker has joined (connecting, waiting for the topic): stop at once, exit 0.
  let running: RunningWorker | null = null;
  const stopSignals = onStopSignals((sig) => {
    if (!running) {
      say(`dstream: ${sig}: stopped before joining the job`);
      process.exit(ExitCode.OK);
    }
    say(`dstream: ${sig}: ${running.stopping} ${StopSignals.abortHint(sig)}`);
    running.stop();
    const { grace } = running;
    if (grace) {
      setTimeout(() => {
        say(`dstream: ${grace.line}`);
        process.exit(ExitCode.RUNTIME);
      }, grace.ms).unref();
    }
  }, say);

  const backend = await openBackend(d.from, { persistent: true, onError: (m) => say(`dstream: ${m}`) });
  await backend.runWorker({
    from: d.from, to: d.to, keyPartitions: d.keyPartitions, defaultKeyPartitions: stateless ? 0 : DEFAULT_KEY_PARTITIONS, description,
    batchIntervalMs: o.batchIntervalMs, once: o.sources.once, leaseMs: d.leaseMs, idleTimeoutMs: d.idleTimeoutMs, defaultIdleTimeoutMs: DEFAULT_PARTITION_IDLE_MS,
    batchRecords: o.sources.maxRecordsPerBatch, worker,
    units: {
      inputPartitions: 0, keyPartitions: 0, stateless, updateState, combiner, spec, top: plan.top,
      mergeReducer: () => new KeyedReducer(merge, issues, true),
      watermarkDelayMs: o.watermarkDelayMs, allowedLatenessMs: o.allowedLatenessMs ?? 0,
      say, onIssue: (i) => issues.forward(i),
      onWarning: warnOnce,
      onOperators: operators.add,
    },
    joined: (w) => (running = w),
  });
  const summary = reporter.summary(issues);
  if (summary) say(summary);
  reporter.close();
  const code = operators.exitCode();
  say(`dstream: worker ${worker} ${stopSignals.received ? 'stopped' : 'done: the job is complete'}`);
  return code;
}

/**
 * The operators of a worker's units (each unit made gives its issue log: `JobContext.onOperators`),
 * and the local rule at the worker's end: when every record this worker ran failed in one function,
 * its empty answer would look like an empty input, so it says so as a local run does and exits 1.
 * The counts are this worker's records, not the whole job's. A unit's log is let go once each of its
 * operators has let a record through (a long-lived worker makes units at every rebalance).
 */
function unitOperators(issues: IssueLog, say: Say) {
  let logs: IssueLog[] = [];
  /** Operators (`where`) that have let a record through in some unit, with their names. */
  const through = new Map<string, string>();
  const fold = () => {
    logs = logs.filter((l) => {
      let open = false;
      for (const t of l.passedCounts()) {
        if (t.passed > 0) through.set(t.where, t.name);
        else if (!through.has(t.where)) open = true;
      }
      return open;
    });
  };
  return {
    add: (l: IssueLog) => {
      fold();
      logs.push(l);
    },
    /** @returns exit code 1 (said on stderr) when some operator let no record through, else 0. */
    exitCode(): number {
      fold();
      for (const [where, name] of through) issues.trackOperator(where, name, () => 1);
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
