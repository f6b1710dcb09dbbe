/**
 * The `dstream` command: the only module that touches `process` (argv, stdin,
 * stdout, stderr, signals, exit code). It parses flags, builds the job on the
 * library API, runs it over stdin and maps the outcome to an exit code.
 */
import { ConfigError, DStreamError, ExitCode } from '../core/errors.js';
import { buildWorkerPipeline } from '../engine/workers.js';
import { TimeZone } from '../core/time-zone.js';
import { StreamingContext } from '../engine/context.js';
import { buildPipeline } from '../plan/pipeline.js';
import { FormatSink } from '../sinks/format-sink.js';
import { StreamOutput } from '../sinks/output.js';
import { parseArgs, parser, type CliOptions } from './args.js';
import { completionScript, type CompletionFlag } from './completion.js';
import { IssueReporter } from './report.js';
import { IssueHints } from './hints.js';
import { helpWidth, wrapHelp } from './help.js';
import { functionsTopicText, parseTopicText, requestedTopic, TOPICS } from './topics.js';
import { createInputs } from './inputs.js';
import { readInitialState } from './initial-state.js';
import { checkpointCommand, defaultCheckpointIntervalMs, durableOutput, openCheckpoint } from './checkpoint-options.js';
import { pipelineDescription } from '../plan/fingerprint.js';
import { WalLineSource } from '../sources/wal-source.js';
import type { Output } from '../sinks/output.js';
import { createParser } from '../parsers/index.js';
import { FdLineSource } from '../sources/fd-line-source.js';
import type { Observers } from './observers.js';
import { isJournalStream, formatLogLine, type LogLevel } from './systemd.js';
import { chalkFor, unicodeTerminal } from './terminal.js';
import type { BoundedInput } from './progress-bar.js';
import type { OperatorFlag, PipelineSettings } from '../plan/pipeline.js';
import { KafkaOutput } from '../sinks/kafka-output.js';
import { fstatSync } from 'node:fs';
import { join } from 'node:path';

const SHORT_HELP = `Usage: dstream [options] < input
  e.g. tail -F access.log | dstream --map 'l => l.split(" ")[8]' --count-by-value --window 60
dstream reads lines from stdin, which is a terminal here. Try 'dstream --help' or 'man dstream'.
`;

const journal = isJournalStream(process.env.JOURNAL_STREAM);

/** One line on stderr; under systemd's journal with its priority prefix. */
function errLine(line: string, level: LogLevel = 'warning'): void {
  process.stderr.write(formatLogLine(level, line, journal) + '\n');
}

/** `--workers N` reads stdin from a regular file with its own threads: refuse what that mode cannot honour. */
function checkWorkerMode(o: CliOptions, checkpoint: boolean): void {
  if (o.parse?.format === 'csv') throw new ConfigError('--workers cannot split CSV input (every part needs the header, and a quoted field may span lines); run without --workers');
  const s = o.sources;
  if (!stdinIsFile() || s.connect.length || s.listen.length || s.watch.length) {
    throw new ConfigError('--workers reads stdin redirected from a file (dstream --workers 2 ... < file); it does not take pipes, TCP or watched directories');
  }
  if (checkpoint) throw new ConfigError('--workers cannot be combined with --checkpoint');
  if (o.deadLetter || o.late) throw new ConfigError('--workers does not keep raw lines for --dead-letter or --late; drop one of them');
  if (s.maxRate !== undefined) throw new ConfigError('--workers cannot be combined with --max-rate');
}

/**
 * `--batch-marker`: batches follow the input. The time before the first batch is aligned to the
 * least common multiple of the batch interval and every window length and slide interval, so that
 * processing-time windows fall on the same batches (counted from the first) in every run.
 * @throws ConfigError with --checkpoint or --workers (batches cut by the input are not logged for replay).
 */
function explicitBatchesOf(o: CliOptions, checkpoint: boolean): { alignMs: number } | undefined {
  if (o.sources.batchMarker === undefined) return undefined;
  if (checkpoint) throw new ConfigError('--batch-marker cannot be combined with --checkpoint: batches cut by markers are not logged for replay');
  if ((o.workers ?? 1) > 1) throw new ConfigError('--batch-marker cannot be combined with --workers');
  const gcd = (a: number, b: number): number => (b ? gcd(b, a % b) : a);
  let alignMs = o.batchIntervalMs;
  for (const f of o.operators) {
    if (f.op !== 'window') continue;
    for (const d of [f.lengthMs, f.slideMs ?? o.batchIntervalMs]) alignMs = (alignMs / gcd(alignMs, d)) * d;
  }
  return { alignMs };
}

/**
 * Bounded input is batched by the input, not the clock: stdin redirected from
 * a regular file when it is the only source, or anything with `--once`.
 * `--max-rate` replays a file as a live stream (clock-cut batches); Kafka keeps its own batches.
 * @throws ConfigError for `--max-records-per-batch` on live input.
 */
function boundedInput(o: CliOptions): boolean {
  const s = o.sources;
  // Kafka is a pull source with its own batches (offset ranges noted at each batch time), also under --once.
  const kafka = s.kafka !== undefined;
  const bounded = !kafka && s.maxRate === undefined
    && (s.once || (s.stdin && !s.connect.length && !s.listen.length && !s.watch.length && stdinIsFile()));
  if (!bounded && !kafka && s.maxRecordsPerBatch !== undefined) {
    throw new ConfigError('--max-records-per-batch cuts bounded input (stdin from a file, or --once); live input is batched by the clock (--batch)');
  }
  return bounded;
}

/** Operators whose result is a keyed table worth a live view. */
function keyedResult(ops: readonly OperatorFlag[]): boolean {
  return ops.some((o) => ['count-by-value', 'reduce-by-key', 'top', 'window', 'session-window', 'update-state-by-key'].includes(o.op));
}

/** stdin read in 1 MiB blocks when it is a regular file (fd-line-source.ts), else as a stream. */
function stdinIsFile(): boolean {
  try {
    return fstatSync(0).isFile();
  } catch {
    return false;
  }
}

function renderError(e: unknown, verbose: boolean): number {
  if (e instanceof DStreamError) {
    errLine(`dstream: ${e.message}`, 'error');
    if (verbose && e.cause instanceof Error && e.cause.stack) errLine(e.cause.stack, 'error');
    return e.exitCode;
  }
  errLine(`dstream: internal error: ${e instanceof Error ? e.message : String(e)}`, 'error');
  if (verbose && e instanceof Error && e.stack) errLine(e.stack, 'error');
  return ExitCode.RUNTIME;
}

/**
 * Crash tests: `DSTREAM_FAULT=<point>@<batch id>` kills the process with
 * SIGKILL at that step of the checkpoint protocol (points: after-offsets,
 * after-output, after-snapshot). Unset in normal use.
 */
function faultInjection(spec: string | undefined): ((point: string, id: number) => void) | undefined {
  const m = spec ? /^(after-offsets|after-output|after-snapshot)@(\d+)$/.exec(spec) : null;
  if (!m) return undefined;
  return (point, id) => {
    if (point === m[1] && id === Number(m[2])) process.kill(process.pid, 'SIGKILL');
  };
}

interface YargsOptionsView {
  key: Record<string, unknown>;
  boolean: string[];
  choices: Record<string, unknown[]>;
  alias: Record<string, string[]>;
}

/** Every flag of the parser, for `dstream completion` (yargs 17's getOptions(), not in its types). */
function completionFlags(): CompletionFlag[] {
  const o = (parser([]) as unknown as { getOptions(): YargsOptionsView }).getOptions();
  const flags: CompletionFlag[] = Object.keys(o.key).map((name) => ({
    name, takesValue: !o.boolean.includes(name), choices: o.choices[name]?.map(String),
  }));
  for (const [short, longs] of Object.entries(o.alias)) {
    if (longs[0] !== undefined) flags.push({ name: short, takesValue: !o.boolean.includes(longs[0]) });
  }
  return flags;
}

/** Exits once stdout has taken everything written. */
function exitAfterFlush(code: number): void {
  process.exitCode = code;
  if (process.stdout.writableLength === 0) process.exit(code);
  process.stdout.write('', () => process.exit(code));
}

/**
 * The bounded input of a job, for the progress bar: stdin alone from a regular file, or watched
 * directories alone under --once without a checkpoint (which would skip files read before).
 */
async function progressInput(s: CliOptions['sources'], checkpoint: boolean): Promise<BoundedInput | undefined> {
  if (s.connect.length || s.listen.length) return undefined;
  const { stdinInput, watchedFilesInput } = await import('./progress-bar.js');
  if (s.stdin && !s.watch.length) return stdinInput();
  if (!s.stdin && s.watch.length && s.once && !s.newFilesOnly && !checkpoint) return watchedFilesInput(s.watch, { pattern: s.pattern, recursive: s.recursive });
  return undefined;
}

/** `dstream help [TOPIC]`: prints the topic on stdout, wrapped to the terminal; returns the exit code. */
function showTopic(topic: string): number {
  const width = helpWidth(process.stdout, process.env);
  if (topic === 'flags') return parseArgs(['--help']).kind === 'done' ? ExitCode.OK : ExitCode.USAGE;
  if (topic === 'parse' || topic === 'functions') {
    process.stdout.write(topic === 'parse' ? wrapHelp(parseTopicText(), width) : functionsTopicText(width));
    return ExitCode.OK;
  }
  errLine(`dstream: help: unknown topic '${topic}'; use one of ${TOPICS.join(', ')} (or dstream --help for the flags)`, 'error');
  return ExitCode.USAGE;
}

/** Runs the CLI with `argv` (without `node` and the script). Never throws; sets the exit code. */
export async function main(argv: string[]): Promise<void> {
  if (argv.length === 0 && process.stdin.isTTY) {
    process.stderr.write(SHORT_HELP);
    exitAfterFlush(ExitCode.USAGE);
    return;
  }
  const topic = requestedTopic(argv);
  if (topic !== undefined) {
    exitAfterFlush(showTopic(topic));
    return;
  }
  if (argv[0] === 'completion') {
    const shell = argv[1];
    if ((shell !== 'bash' && shell !== 'zsh') || argv.length > 2) {
      process.stderr.write('Usage: dstream completion bash|zsh\n');
      exitAfterFlush(ExitCode.USAGE);
    } else {
      process.stdout.write(completionScript(shell, completionFlags()));
      exitAfterFlush(ExitCode.OK);
    }
    return;
  }
  if (argv[0] === 'publish' || argv[0] === 'cat' || argv[0] === 'job' || argv[0] === 'topic') {
    try {
      const { distributedCommand } = await import('./distributed.js');
      process.stdout.on('error', () => exitAfterFlush(ExitCode.OK)); // `dstream cat … | head`
      exitAfterFlush(await distributedCommand(argv, (s) => process.stdout.write(s), (l) => errLine(l, 'info')));
    } catch (e) {
      exitAfterFlush(renderError(e, argv.includes('--verbose')));
    }
    return;
  }
  if (argv[0] === 'checkpoint') {
    try {
      exitAfterFlush(checkpointCommand(argv.slice(1), (s) => process.stdout.write(s), (s) => process.stderr.write(s)));
    } catch (e) {
      exitAfterFlush(renderError(e, argv.includes('--verbose')));
    }
    return;
  }
  let options: CliOptions;
  let ssc: StreamingContext;
  let reporter: IssueReporter;
  let observers: Observers;
  /** Leaves the live table (if any) on screen; stderr lines go below it from then on. */
  let closeView = () => {};
  /** Stops the progress bar (if any), at 100 % when the input was read to its end. */
  let stopBar = (_complete: boolean) => {};
  let inputsToClose: { close(): Promise<void> } | null = null;
  const verbose = argv.includes('--verbose');
  const output = new StreamOutput(process.stdout);
  let sink: Output = output;
  try {
    const parsed = parseArgs(argv);
    if (parsed.kind === 'done') {
      exitAfterFlush(ExitCode.OK);
      return;
    }
    options = parsed.options;
    if (options.distributed) {
      const local = options.sources.batchMarker !== undefined ? '--batch-marker' : options.initialState !== undefined ? '--initial-state' : undefined;
      if (local) throw new ConfigError(`${local} is not supported in distributed mode (--from)`);
      const { runWorker } = await import('./distributed.js');
      exitAfterFlush(await runWorker(options, (l) => errLine(l, 'info')));
      return;
    }
    const ck = options.checkpoint;
    const explicitBatches = explicitBatchesOf(options, ck.checkpoint !== undefined);
    ssc = new StreamingContext({
      batchIntervalMs: options.batchIntervalMs, onError: options.onError, output, explicitBatches,
      bounded: explicitBatches === undefined && boundedInput(options), maxRecordsPerBatch: options.sources.maxRecordsPerBatch,
    });
    const store = openCheckpoint(ck, pipelineDescription(options, 'local'), errLine);
    const fileOut = durableOutput(ck, () => ssc.currentBatchTimeMs);
    if (fileOut) sink = fileOut;
    const settings: PipelineSettings = {
      watermarkDelayMs: options.watermarkDelayMs,
      outputMode: options.outputMode,
      allowedLatenessMs: options.allowedLatenessMs,
      stateTimeoutMs: options.stateTimeoutMs,
      maxKeys: options.maxKeys,
      zone: options.timezone ? new TimeZone(options.timezone) : undefined,
      parser: options.parse ? createParser(options.parse.format, { delimiter: options.parse.delimiter, year: options.parse.year }) : undefined,
      note: (message: string) => errLine(`dstream: note: ${message}`, 'info'),
      initialState: options.initialState !== undefined ? readInitialState(options.initialState) : undefined,
    };
    const workers = options.workers ?? 1;
    if (workers > 1) checkWorkerMode(options, store !== null);
    // Sources (stdin, --connect, --listen, --watch) made one stream; see inputs.ts.
    const inputs = workers > 1 ? null : await createInputs(ssc, options.sources, {
      maxLineBytes: options.maxLineBytes, errLine, stdin: process.stdin, stdout: process.stdout,
      // A regular file on stdin is its own log: under a checkpoint it is remembered by identity and
      // byte offset (fd-line-source.ts), so --wal is for pipes only.
      stdinSource: options.sources.maxRate === undefined && stdinIsFile()
        ? (backpressure) => Object.assign(new FdLineSource('stdin', 0, ssc.issues, options.maxLineBytes), {
          backpressure, log: (m: string) => errLine(`dstream: ${m}`), holdUnterminatedLine: store !== null,
        })
        : store && ck.wal
          ? () => new WalLineSource('stdin', process.stdin, join(store.dir, 'wal'), ssc.issues, options.maxLineBytes)
          : undefined,
      wal: store && ck.wal ? (src, n) => new WalLineSource(src.name, src, join(store.dir, `wal-${n}`), ssc.issues, options.maxLineBytes) : undefined,
      checkpointed: store ? (name) => {
        const r = store.recover();
        const state = r.snapshot?.state as { sources?: Record<string, unknown> } | undefined;
        return { snapshot: state?.sources?.[name], batches: r.batches.map((b) => b.offsets.sources[name]) };
      } : undefined,
    });
    inputsToClose = inputs;
    if (inputs?.kafka) settings.recordTime = inputs.kafka;
    if (store) {
      ssc.checkpoint({
        store,
        intervalMs: ck.checkpointIntervalMs ?? defaultCheckpointIntervalMs(options.batchIntervalMs, options.operators),
        outputs: fileOut ? [fileOut] : [],
        replayMuted: fileOut ? [] : [output],
        drain: ck.drain,
        keepOpenAtEnd: options.sources.once && !ck.drain,
        log: errLine,
        fault: faultInjection(process.env.DSTREAM_FAULT),
      });
    }
    // The in-place live table is for live input; a one-off answer over bounded input is printed whole, as awk would.
    const live = options.format === undefined && sink === output && process.stdout.isTTY === true && !ssc.bounded && keyedResult(options.operators);
    // On a terminal (not CI, no live table on it), progress: a bar for bounded input (stdin from a
    // file, watched directories under --once), else a spinner.
    const terminalProgress = process.stderr.isTTY === true && !process.env.CI && !live;
    const bounded = terminalProgress && inputs ? await progressInput(options.sources, store !== null) : undefined;
    let stream = inputs?.stream;
    const count = bounded?.count;
    if (count) stream = stream!.map((line) => (count(line), line), 'progress');
    const result = stream
      ? buildPipeline(stream, options.operators, settings)
      : buildWorkerPipeline(ssc, {
        workers, operators: options.operators, settings, stdinSize: fstatSync(0).size, maxLineBytes: options.maxLineBytes,
        onError: options.onError, timezone: options.timezone, parse: options.parse, log: errLine,
      });
    // Text on a pipe, into a file or over bounded input shows every record; live on a terminal, Spark's cut at 10.
    const limit = options.printLimit ?? (sink === output && process.stdout.isTTY === true && !ssc.bounded ? 10 : Infinity);
    let recordsOut: () => number = () => 0;
    if (live) {
      const { LiveView } = await import('./live-view.js');
      const view = new LiveView({ stream: process.stdout, stderr: process.stderr, chalk: chalkFor(process.stdout, process.env, options.color) });
      recordsOut = () => view.recordsOut;
      closeView = () => view.close();
      result.output(() => view);
    } else {
      const fmt = options.format ?? (sink instanceof KafkaOutput ? 'json' : 'text');
      result.output((everyBatch) => {
        const f = new FormatSink(sink, { format: fmt, printLimit: limit, header: options.header && (() => !(fileOut && Number(fileOut.position()) > 0)), everyBatch, currentBatchTimeMs: () => ssc.currentBatchTimeMs });
        recordsOut = () => f.recordsOut;
        return f;
      });
    }
    reporter = new IssueReporter(errLine, options.deadLetter, options.late, new IssueHints(options.parse?.format));
    ssc.issues.listen(reporter.onIssue);
    ssc.issues.onWarning((m) => errLine(`dstream: ${m}`));
    const { Observers } = await import('./observers.js');
    observers = await Observers.create({
      ssc, chalk: chalkFor(process.stderr, process.env, options.color),
      spinner: terminalProgress && !bounded && !options.stats,
      stats: options.stats, progressJson: options.progressJson, metricsPort: options.metricsPort,
      recordsOut: () => recordsOut(), log: errLine, env: process.env,
    });
    if (store) store.onWrite = (ms, failed) => observers.checkpointWritten(ms, failed);
    if (sink instanceof KafkaOutput) sink.prepare(); // connects: a missing topic exits 2 before any input is read
    await inputs?.prepare(); // binds ports, checks directories: a failure exits 2 before any input is read
    if (bounded) {
      const { InputProgressBar } = await import('./progress-bar.js');
      const bar = new InputProgressBar({ stderr: process.stderr, stdout: process.stdout, input: bounded, unicode: unicodeTerminal(process.env) });
      stopBar = (complete) => bar.stop(complete);
    }
  } catch (e) {
    exitAfterFlush(renderError(e, verbose));
    return;
  }

  // The reader of stdout went away (`| head -1`): stop quietly, exit 0.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') {
      output.closed = true;
      ssc.stop({ graceful: false });
      stopBar(false);
      exitAfterFlush(ExitCode.OK);
      return;
    }
    errLine(`dstream: cannot write output: ${err.message}`, 'error');
    ssc.stop({ graceful: false });
    exitAfterFlush(ExitCode.RUNTIME);
  });

  // A user function that starts async work (a Promise, a timer) cannot have its failures tied to a
  // record: report them instead of crashing with a stack trace.
  let asyncFailures = 0;
  const asyncFailure = (e: unknown) => {
    if (++asyncFailures > 5) return;
    let text: string;
    try {
      text = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    } catch {
      text = 'unprintable value';
    }
    errLine(`dstream: a user function failed asynchronously (functions must be synchronous; promises and timers are not awaited): ${text}`, 'warning');
  };
  process.on('unhandledRejection', asyncFailure);
  process.on('uncaughtException', asyncFailure);

  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (signals === 1) {
      errLine(`dstream: ${sig}: finishing the current batch (again to abort)`, 'info');
      observers.stopping();
      ssc.stop({ graceful: true });
    } else {
      errLine(`dstream: ${sig} again: aborting`, 'warning');
      stopBar(false);
      process.exit(ExitCode.INTERRUPTED);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let code: number = ExitCode.OK;
  try {
    ssc.start();
    if (ssc.state === 'active') observers.ready();
    await ssc.awaitTermination();
  } catch (e) {
    code = renderError(e, options.verbose);
  }
  await observers.close();
  stopBar(code === ExitCode.OK && signals === 0);
  closeView();
  await inputsToClose?.close();
  try {
    output.flush();
  } catch {
    /* reported by the stdout error handler */
  }
  const summary = reporter.summary(ssc.issues);
  if (summary) errLine(summary, 'info');
  for (const hint of reporter.exitHints(ssc.issues)) errLine(hint, 'info');
  reporter.close();
  // Input that all failed in one function gives an empty result that looks like an empty input: refuse it.
  for (const b of ssc.issues.blocked()) {
    if (code !== ExitCode.OK || output.closed) break;
    errLine(`dstream: no record got through ${b.name}: all ${b.failed} failed in it (first errors above); exit 1`, 'error');
    code = ExitCode.RUNTIME;
  }
  exitAfterFlush(output.closed ? ExitCode.OK : code);
}
