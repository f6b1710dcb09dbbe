/**
 * The CLI of distributed mode: a worker (`dstream --from redis://…/TOPIC?group=JOB
 * … --to redis://…/NAME`) and the subcommands `publish`, `cat` and
 * `job status|reset`. Thin: flags → the library in src/distributed.
 */
import yargs from 'yargs';
import bytes from 'bytes';
import { ConfigError, DStreamError, ExitCode } from '../core/errors.js';
import { parseDuration } from '../core/duration.js';
import { IssueLog } from '../core/issues.js';
import { KeyedReducer } from '../operators/keyed-map.js';
import { compileFunction } from '../plan/compile-fn.js';
import { pipelineDescription } from '../plan/fingerprint.js';
import { OUTPUT_FORMATS, type OutputFormat } from '../sinks/format.js';
import { DEFAULT_MAX_LINE_BYTES } from '../sources/line-splitter.js';
import { formatStatus, jobStatus } from '../distributed/admin.js';
import { catOutput } from '../distributed/cat.js';
import { openBackend } from '../distributed/log-backend.js';
import type { JobContext } from '../distributed/job-context.js';
import { parseLogUrl } from '../distributed/log-url.js';
import { markTopic, openTopic, publish } from '../distributed/publish.js';
import { newWorkerId, Worker } from '../distributed/worker.js';
import type { CliOptions } from './args.js';
import { DEFAULT_INPUT_PARTITIONS, DEFAULT_KEY_PARTITIONS, DEFAULT_PARTITION_IDLE_MS } from './distributed-options.js';
import { distributedPlan, stageSettings } from '../distributed/plan.js';
import { joinJob } from '../distributed/join.js';
import { fstatSync } from 'node:fs';

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function stdinIsFile(): boolean {
  try {
    return fstatSync(0).isFile();
  } catch {
    return false;
  }
}
import { IssueReporter } from './report.js';
import { invalidChoiceMessage } from './hints.js';

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
  if (o.outputMode && o.outputMode !== 'append') throw new ConfigError(`--output-mode ${o.outputMode}: distributed mode outputs each window once (append)`);
  if (o.stateTimeoutMs !== undefined || o.maxKeys !== undefined) throw new ConfigError('--state-timeout and --max-keys are for state across batches, which distributed mode does not run');
  if (o.parse?.format === 'csv') throw new ConfigError('--parse csv: distributed mode spreads lines over partitions, so rows would miss the header and records could be cut at quoted line breaks; convert to JSON lines first (or run locally)');
}

/**
 * Runs one worker until its job is complete or it is stopped (SIGTERM/SIGINT: the running
 * batch commits, leases are released). Second signal: exit 130.
 * @returns the exit code.
 * @throws ConfigError (exit 2) for flags, or a job created with other settings.
 */
export async function runWorker(o: CliOptions, say: Say): Promise<number> {
  const d = o.distributed!;
  checkWorkerFlags(o);
  const plan = distributedPlan(o.operators);
  const { spec, combiner, merge } = await stageSettings(plan, o);
  const description = pipelineDescription(o, 'distributed');
  const reporter = new IssueReporter(say, o.deadLetter, o.late);
  const warned = new Set<string>();
  const issues = new IssueLog(o.onError);
  issues.listen(reporter.onIssue);
  if (d.from.scheme === 'kafka') return runKafka(o, say, { combiner, spec, merge, top: plan.top, description, reporter, issues });

  // Signals before the worker has joined (connecting, waiting for the topic): stop at once, exit 0.
  let w: Worker | null = null;
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    if (++signals === 1 && w) {
      say(`dstream: ${sig}: finishing the current batch, then handing over the leases (again to abort)`);
      w.stop();
      // Redis away: the batch can neither commit nor hand over; the leases expire on their own.
      const grace = Math.max(5000, d.leaseMs);
      setTimeout(() => {
        say(`dstream: could not finish within ${grace} ms (is redis reachable?): stopping without handing over; other workers take over when the leases expire`);
        process.exit(ExitCode.RUNTIME);
      }, grace).unref();
    } else if (signals === 1) {
      say(`dstream: ${sig}: stopped before joining the job`);
      process.exit(ExitCode.OK);
    } else {
      say(`dstream: ${sig} again: aborting`);
      process.exit(ExitCode.INTERRUPTED);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const backend = await openBackend(d.from, { persistent: true, onError: (m) => say(`dstream: ${m}`) });
  const log = backend.job(d.from.group!);
  await backend.connect();
  try {
    return await joinAndRun();
  } catch (e) {
    throw backend.classifyError(e);
  }

  async function joinAndRun(): Promise<number> {
    let meta;
    try {
      meta = await joinJob(log, {
        topic: d.from.name, group: d.from.group!, keyPartitions: d.keyPartitions, defaultKeyPartitions: DEFAULT_KEY_PARTITIONS,
        description, batchIntervalMs: o.batchIntervalMs, output: d.to.name, pollMs: 1000,
        onWaiting: () => say(`dstream: waiting for topic '${d.from.name}' (create it with: dstream publish redis://${d.from.host}:${d.from.port}/${d.from.name} --partitions N)`),
      });
    } catch (e) {
      await backend.close();
      throw e;
    }
    const job = `job '${d.from.group}' on topic '${d.from.name}'`;
    const worker = newWorkerId();
    const fault = /^stall-before-commit@(\d+)$/.exec(process.env.DSTREAM_FAULT ?? '');
    const ctx: JobContext = {
      backend, log, worker, inputPartitions: meta.inputPartitions, keyPartitions: meta.keyPartitions, output: meta.output,
      combiner, spec, top: plan.top, watermarkDelayMs: o.watermarkDelayMs, allowedLatenessMs: o.allowedLatenessMs ?? 0,
      mergeReducer: () => new KeyedReducer(merge, issues, true),
      batchEntries: 64,
      idleTimeoutMs: d.idleTimeoutMs !== undefined ? d.idleTimeoutMs : (await backend.isBounded()) ? null : DEFAULT_PARTITION_IDLE_MS,
      leaseMs: d.leaseMs, now: () => Date.now(), say,
      onIssue: (i) => issues.forward(i),
      onWarning: (m, where) => {
        if (!warned.has(where) && warned.add(where)) say(`dstream: ${m}`); // once per operator, not per partition
      },
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
    say(`dstream: worker ${worker} ${signals ? 'stopped' : 'done: the job is complete'}`);
    return ExitCode.OK;
  }
}

/** The worker of a `kafka://` job (src/distributed/kafka/), with what runWorker prepared. */
async function runKafka(o: CliOptions, say: Say, p: {
  combiner: JobContext['combiner']; spec: JobContext['spec']; merge: ConstructorParameters<typeof KeyedReducer>[0]; top?: number;
  description: ReturnType<typeof pipelineDescription>; reporter: IssueReporter; issues: IssueLog;
}): Promise<number> {
  const d = o.distributed!;
  if (p.top !== undefined) throw new ConfigError('--top after the window: not supported on kafka:// yet (it runs on redis://, or locally)');
  const { runKafkaWorker } = await import('../distributed/kafka/run.js');
  const warned = new Set<string>();
  return runKafkaWorker({
    from: d.from, to: d.to, keyPartitions: d.keyPartitions, defaultKeyPartitions: DEFAULT_KEY_PARTITIONS, description: p.description,
    batchIntervalMs: o.batchIntervalMs, once: o.sources.once, sessionTimeoutMs: d.leaseMs, batchRecords: o.sources.maxRecordsPerBatch, idleTimeoutMs: d.idleTimeoutMs, worker: newWorkerId(),
    units: {
      combiner: p.combiner, spec: p.spec, watermarkDelayMs: o.watermarkDelayMs, allowedLatenessMs: o.allowedLatenessMs ?? 0,
      mergeReducer: () => new KeyedReducer(p.merge, p.issues, true),
      inputPartitions: 0, keyPartitions: 0, say, onIssue: (i) => p.issues.forward(i),
      onWarning: (m, where) => {
        if (!warned.has(where) && warned.add(where)) say(`dstream: ${m}`);
      },
    },
    finish: () => {
      const summary = p.reporter.summary(p.issues);
      if (summary) say(summary);
      p.reporter.close();
    },
  });
}

const SUB_USAGE = `Usage:
  dstream publish redis://HOST:PORT/TOPIC [--partitions N] [--partition-key FN] [--no-eof] [--keep-input] < lines
  dstream cat redis://HOST:PORT/NAME [--format tsv|json|csv|text] [--follow]
  dstream job status 'redis://HOST:PORT/TOPIC?group=JOB' [--json]
  dstream job reset 'redis://HOST:PORT/TOPIC?group=JOB'
  dstream topic delete redis://HOST:PORT/TOPIC`;

function subParser(argv: string[]) {
  return yargs(argv)
    .parserConfiguration({ 'camel-case-expansion': false, 'boolean-negation': false })
    .option('partitions', { type: 'string' })
    .option('partition-key', { type: 'string' })
    .option('max-line-bytes', { type: 'string' })
    .option('format', { choices: OUTPUT_FORMATS as OutputFormat[] })
    .option('follow', { type: 'boolean' })
    .option('json', { type: 'boolean' })
    .option('flush', { type: 'string' })
    .option('no-eof', { type: 'boolean' })
    .option('keep-input', { type: 'boolean' })
    .strictOptions()
    .help(false)
    .version(false)
    .exitProcess(false);
}

/**
 * `dstream publish|cat|job …`.
 * @returns the exit code.
 * @throws ConfigError (exit 2) for bad arguments; DStreamError (exit 1) when redis cannot be reached; (exit 75) reset of a running job.
 */
export async function distributedCommand(argv: string[], out: (s: string) => boolean, say: Say): Promise<number> {
  const [cmd, ...rest0] = argv;
  let rest = rest0;
  let verb: string | undefined;
  if (cmd === 'job') {
    verb = rest[0];
    rest = rest.slice(1);
    if (verb !== 'status' && verb !== 'reset') throw new ConfigError(`dstream job: expected status or reset\n${SUB_USAGE}`);
  } else if (cmd === 'topic') {
    verb = rest[0];
    rest = rest.slice(1);
    if (verb !== 'delete') throw new ConfigError(`dstream topic: expected delete\n${SUB_USAGE}`);
  }
  let failure: string | undefined;
  const parsed = subParser(rest).fail((m) => {
    failure = m;
  }).parseSync() as Record<string, unknown>;
  if (failure) throw new ConfigError(`dstream ${cmd}${verb ? ` ${verb}` : ''}: ${invalidChoiceMessage(failure) ?? failure.replace(/\s*\n\s*/g, ' ')}`);
  const pos = (parsed._ as unknown[]).map(String);
  if (pos.length !== 1) throw new ConfigError(`dstream ${cmd}${verb ? ` ${verb}` : ''} takes one URL\n${SUB_USAGE}`);
  const allowed: Record<string, string[]> = {
    publish: ['partitions', 'partition-key', 'max-line-bytes', 'flush', 'no-eof', 'keep-input'], cat: ['format', 'follow'], status: ['json'], reset: [], delete: [],
  };
  for (const k of Object.keys(parsed)) {
    if (k === '_' || k === '$0') continue;
    if (!allowed[verb ?? cmd!]!.includes(k)) throw new ConfigError(`dstream ${cmd}${verb ? ` ${verb}` : ''} does not take --${k}`);
  }
  const url = parseLogUrl(pos[0]!, `dstream ${cmd}`, cmd === 'job');
  if (url.scheme === 'kafka') {
    const { kafkaCommand } = await import('../distributed/kafka/run.js');
    const o = { format: (parsed.format as OutputFormat | undefined) ?? 'tsv', json: parsed.json === true, follow: parsed.follow === true };
    return kafkaCommand(cmd!, verb, url, o, (s) => (out(s) ? true : new Promise<void>((r) => process.stdout.once('drain', () => r()))), say);
  }
  const log = await openBackend(url, { persistent: false });
  if (cmd === 'publish') {
    const n = parsed.partitions === undefined ? undefined : Number(parsed.partitions);
    if (n !== undefined && !(Number.isInteger(n) && n >= 1 && n <= 1024)) throw new ConfigError(`--partitions: '${String(parsed.partitions)}' is not a whole number from 1 to 1024`);
    const keyFn = parsed['partition-key'] === undefined ? undefined : compileFunction(String(parsed['partition-key']), '--partition-key') as (l: string) => unknown;
    const maxText = String(parsed['max-line-bytes'] ?? DEFAULT_MAX_LINE_BYTES);
    const maxLineBytes = /^\d+$/.test(maxText) ? Number(maxText) : bytes.parse(maxText);
    if (!Number.isInteger(maxLineBytes) || maxLineBytes! < 1) throw new ConfigError(`--max-line-bytes: '${maxText}' is not a positive size`);
    const flushMs = parsed.flush === undefined ? 100 : parseDuration(String(parsed.flush), '--flush');
    await log.connect();
    try {
      const partitions = await openTopic(log, n, DEFAULT_INPUT_PARTITIONS);
      const issues = new IssueLog('skip');
      const reporter = new IssueReporter(say);
      issues.listen(reporter.onIssue);
      // SIGTERM/SIGINT: stop reading, send what is packed, no end-of-input markers (the input did not end).
      let stopSignal: NodeJS.Signals | undefined;
      const stopRequested = new Promise<void>((resolve) => {
        const on = (sig: NodeJS.Signals) => {
          stopSignal = sig;
          resolve();
        };
        process.once('SIGTERM', on);
        process.once('SIGINT', on);
      });
      // Input from a regular file is bounded: workers then wait for every partition by default (--idle-timeout off).
      await markTopic(log, { bounded: stdinIsFile(), keepInput: parsed['keep-input'] === true });
      const r = await publish(log, process.stdin, { partitions, partitionKey: keyFn, maxLineBytes: maxLineBytes!, issues, flushMs, stop: stopRequested, eof: parsed['no-eof'] !== true });
      if (stopSignal) say(`dstream: ${stopSignal}: stopped publishing; lines read so far were sent, no end-of-input markers written`);
      const summary = reporter.summary(issues);
      if (summary) say(summary);
      say(`dstream: published ${plural(r.lines, 'line')} to ${plural(partitions, 'partition')} of '${url.name}' (${plural(r.entries, 'entry', 'entries')})${r.ended && parsed['no-eof'] !== true ? ', then end-of-input markers' : ''}`);
    } catch (e) {
      const f = log.classifyError(e);
      if (f instanceof DStreamError && !(f instanceof ConfigError) && f.code === 'E_LOG') {
        throw new DStreamError('E_LOG', 'sending', `${f.message} (publishing stopped; lines sent before may be in the topic: re-running publishes them again)`);
      }
      throw f;
    } finally {
      await log.close();
    }
    return ExitCode.OK;
  }
  await log.connect();
  try {
    if (cmd === 'cat') {
      let stopped = false;
      const stop = () => {
        stopped = true;
        log.interrupt();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      const format = (parsed.format as OutputFormat | undefined) ?? 'tsv';
      try {
        await catOutput(log, url.name, format, (s) => {
          if (out(s)) return true;
          return new Promise<void>((r) => process.stdout.once('drain', () => r()));
        }, { follow: parsed.follow === true, stopped: () => stopped });
      } catch (e) {
        if (stopped) return ExitCode.OK;
        throw e;
      }
      return ExitCode.OK;
    }
    if (cmd === 'topic') {
      const n = await log.deleteTopic();
      say(n === 0 ? `dstream: topic '${url.name}' does not exist: nothing to delete`
        : `dstream: topic '${url.name}' deleted with its jobs and their outputs (${n} keys)`);
      return ExitCode.OK;
    }
    const job = log.job(url.group!);
    if (verb === 'status') {
      const s = await jobStatus(log, job);
      out(parsed.json ? JSON.stringify(s, null, 2) + '\n' : formatStatus(s));
      return ExitCode.OK;
    }
    const n = await job.reset();
    say(n === 0 ? `dstream: job '${url.group}' on topic '${url.name}' does not exist: nothing to reset`
      : `dstream: job '${url.group}' on topic '${url.name}' reset (${n} keys deleted, its output stream included)`);
    return ExitCode.OK;
  } catch (e) {
    throw log.classifyError(e);
  } finally {
    await log.close();
  }
}
