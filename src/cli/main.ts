/**
 * The `dstream` command: with compose.ts and process-io.ts, the only modules
 * that touch `process` (argv, stdin, stdout, stderr, signals, exit code). It
 * dispatches the subcommands, has the job composed (compose.ts), runs it,
 * handles signals and a closed stdout, and maps the outcome to an exit code.
 */
import { ConfigError, ExitCode } from '../core/errors.js';
import { StopSignals } from '../core/stop-signals.js';
import type { StreamingContext } from '../engine/context.js';
import type { SpareThread } from '../engine/workers.js';
import { StreamOutput } from '../sinks/output.js';
import { stoppedCoverageMessage } from '../sources/fd-line-source.js';
import type { Observers } from '../observe/observers.js';
import { parseArgs, parser, type CliOptions } from './args.js';
import { checkpointCommand } from './checkpoint-options.js';
import { completionScript, type CompletionFlag } from './completion.js';
import { composeJob } from './compose.js';
import { helpWidth, wrapHelp } from './help.js';
import type { Inputs } from './inputs.js';
import { errLine, exitAfterFlush, onStopSignals, renderError } from './process-io.js';
import type { IssueReporter } from './report.js';
import { functionsTopicText, parseTopicText, requestedTopic, TOPICS } from './topics.js';

const SHORT_HELP = `Usage: dstream [options] < input
  e.g. tail -F access.log | dstream --map 'l => l.split(" ")[8]' --count-by-value --window 60
dstream reads lines from stdin, which is a terminal here. Try 'dstream --help' or 'man dstream'.
`;

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

/**
 * Runs the CLI with `argv` (without `node` and the script). Never throws; sets the exit code.
 * @param startup.spareThread a `--workers` thread started before the CLI was loaded (cli/start.cts)
 */
export async function main(argv: string[], startup: { spareThread?: SpareThread } = {}): Promise<void> {
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
    if (argv.includes('--help') || argv.includes('-h')) {
      process.stdout.write('Usage: dstream completion bash|zsh\n');
      exitAfterFlush(ExitCode.OK);
    } else if ((shell !== 'bash' && shell !== 'zsh') || argv.length > 2) {
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
      const { distributedCommand } = await import('./distributed-commands.js');
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
  let inputsToClose: Inputs | null = null;
  let stdinCoverage: () => { read: number; size: number } | undefined = () => undefined;
  const verbose = argv.includes('--verbose');
  const output = new StreamOutput(process.stdout);
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
      void startup.spareThread?.()?.terminate(); // a distributed worker reads no stdin file in threads
      const { runWorker } = await import('./distributed.js');
      exitAfterFlush(await runWorker(options, (l) => errLine(l, 'info')));
      return;
    }
    ({ ssc, reporter, observers, inputs: inputsToClose, closeView, stopBar, stdinCoverage } = await composeJob(options, output, startup.spareThread));
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

  const stopSignals = onStopSignals((sig) => {
    errLine(`dstream: ${sig}: finishing the current batch ${StopSignals.abortHint(sig)}`, 'info');
    observers.stopping();
    ssc.stop({ graceful: true });
  }, (line) => errLine(line, 'info'), (sig) => {
    errLine(`dstream: ${sig} again: aborting`, 'warning');
    stopBar(false);
  });

  let code: number = ExitCode.OK;
  try {
    ssc.start();
    if (ssc.state === 'active') observers.ready();
    await ssc.awaitTermination();
  } catch (e) {
    code = renderError(e, options.verbose);
  }
  // Stopped by a signal: a second one that came while a slow function held the event loop waits in
  // the same signal read as the first, or in the next one; let one poll phase pass so it aborts (130).
  if (stopSignals.received > 0) await new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
  await observers.close();
  stopBar(code === ExitCode.OK && stopSignals.received === 0);
  // A stop signal before the end of a file on stdin: the answer is over its first bytes only; say so
  // (as --workers does), or a partial count would look like the whole file's.
  const covered = stopSignals.received > 0 && code === ExitCode.OK ? stdinCoverage() : undefined;
  if (covered && covered.read < covered.size) {
    errLine(stoppedCoverageMessage(covered.read, covered.size), 'warning');
  }
  closeView();
  await inputsToClose?.close();
  try {
    output.flush();
  } catch {
    /* reported by the stdout error handler */
  }
  const summary = reporter.summary(ssc.issues);
  if (summary) errLine(summary, 'info');
  const { unwritableValues: u } = await import('../sinks/format.js');
  if (u.count > 0) errLine(`dstream: ${u.count} output value${u.count === 1 ? '' : 's'} JSON cannot write (a cycle, a toJSON that throws or returns undefined) written as ${u.count === 1 ? 'its' : 'their'} text (String(value))`, 'info');
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
