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
import { createInputs } from './inputs.js';
import { checkpointCommand, defaultCheckpointIntervalMs, durableOutput, openCheckpoint, pipelineDescription } from './checkpoint-options.js';
import { WalLineSource } from '../sources/wal-source.js';
import type { Output } from '../sinks/output.js';
import { createParser } from '../parsers/index.js';
import { FdLineSource } from '../sources/fd-line-source.js';
import type { Observers } from './observers.js';
import { isJournalStream, formatLogLine, type LogLevel } from './systemd.js';
import { chalkFor } from './terminal.js';
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
  const s = o.sources;
  if (!stdinIsFile() || s.connect.length || s.listen.length || s.watch.length) {
    throw new ConfigError('--workers reads stdin redirected from a file (dstream --workers 2 ... < file); it does not take pipes, TCP or watched directories');
  }
  if (checkpoint) throw new ConfigError('--workers cannot be combined with --checkpoint');
  if (o.deadLetter || o.late) throw new ConfigError('--workers does not keep raw lines for --dead-letter or --late; drop one of them');
  if (s.maxRate !== undefined) throw new ConfigError('--workers cannot be combined with --max-rate');
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
    if (e.exitCode === ExitCode.USAGE) errLine("Try 'dstream --help' for more information.", 'info');
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

/** Runs the CLI with `argv` (without `node` and the script). Never throws; sets the exit code. */
export async function main(argv: string[]): Promise<void> {
  if (argv.length === 0 && process.stdin.isTTY) {
    process.stderr.write(SHORT_HELP);
    exitAfterFlush(ExitCode.USAGE);
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
  if (argv[0] === 'publish' || argv[0] === 'cat' || argv[0] === 'job') {
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
      const { runWorker } = await import('./distributed.js');
      exitAfterFlush(await runWorker(options, (l) => errLine(l, 'info')));
      return;
    }
    ssc = new StreamingContext({ batchIntervalMs: options.batchIntervalMs, onError: options.onError, output });
    const ck = options.checkpoint;
    const store = openCheckpoint(ck, pipelineDescription(options), errLine);
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
    };
    const workers = options.workers ?? 1;
    if (workers > 1) checkWorkerMode(options, store !== null);
    // Sources (stdin, --connect, --listen, --watch) made one stream; see inputs.ts.
    const inputs = workers > 1 ? null : await createInputs(ssc, options.sources, {
      maxLineBytes: options.maxLineBytes, errLine, stdin: process.stdin, stdout: process.stdout,
      stdinSource: store && ck.wal
        ? () => new WalLineSource('stdin', process.stdin, join(store.dir, 'wal'), ssc.issues, options.maxLineBytes)
        : options.sources.maxRate === undefined && stdinIsFile()
          ? () => new FdLineSource('stdin', 0, ssc.issues, options.maxLineBytes)
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
        drain: ck.drain,
        log: errLine,
        fault: faultInjection(process.env.DSTREAM_FAULT),
      });
    }
    const result = inputs
      ? buildPipeline(inputs.stream, options.operators, settings)
      : buildWorkerPipeline(ssc, {
        workers, operators: options.operators, settings, stdinSize: fstatSync(0).size, maxLineBytes: options.maxLineBytes,
        onError: options.onError, timezone: options.timezone, parse: options.parse, log: errLine,
      });
    const limit = options.printLimit;
    const live = options.format === undefined && sink === output && process.stdout.isTTY === true && keyedResult(options.operators);
    let recordsOut: () => number = () => 0;
    if (live) {
      const { LiveView } = await import('./live-view.js');
      const view = new LiveView({ stream: process.stdout, chalk: chalkFor(process.stdout, process.env, options.color) });
      recordsOut = () => view.recordsOut;
      result.output(() => view);
    } else {
      const fmt = options.format ?? (sink instanceof KafkaOutput ? 'json' : 'text');
      result.output((everyBatch) => {
        const f = new FormatSink(sink, { format: fmt, printLimit: limit, everyBatch, currentBatchTimeMs: () => ssc.currentBatchTimeMs });
        recordsOut = () => f.recordsOut;
        return f;
      });
    }
    reporter = new IssueReporter(errLine, options.deadLetter, options.late);
    ssc.issues.listen(reporter.onIssue);
    const { Observers } = await import('./observers.js');
    observers = await Observers.create({
      ssc, chalk: chalkFor(process.stderr, process.env, options.color),
      spinner: process.stderr.isTTY === true && !process.env.CI && !live && !options.stats,
      stats: options.stats, progressJson: options.progressJson, metricsPort: options.metricsPort,
      recordsOut: () => recordsOut(), log: errLine, env: process.env,
    });
    if (sink instanceof KafkaOutput) sink.prepare(); // connects: a missing topic exits 2 before any input is read
    await inputs?.prepare(); // binds ports, checks directories: a failure exits 2 before any input is read
  } catch (e) {
    exitAfterFlush(renderError(e, verbose));
    return;
  }

  // The reader of stdout went away (`| head -1`): stop quietly, exit 0.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') {
      output.closed = true;
      ssc.stop({ graceful: false });
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
  await inputsToClose?.close();
  try {
    output.flush();
  } catch {
    /* reported by the stdout error handler */
  }
  const summary = reporter.summary(ssc.issues);
  if (summary) errLine(summary, 'info');
  reporter.close();
  exitAfterFlush(output.closed ? ExitCode.OK : code);
}
