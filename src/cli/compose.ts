/**
 * The composition root of a local job: a validated `JobPlan` from the
 * options, then the context, checkpoint, inputs, outputs, bad-input reporting
 * and observers wired on the public API, everything checked (ports bound,
 * directories and topics found) before any input is read.
 */
import { join } from 'node:path';
import { fstatSync } from 'node:fs';
// Modules of the public API (src/index.ts), imported one by one: the bundle loads only what a job uses.
import { TimeZone } from '../core/time-zone.js';
import { buildPipeline, parserFileEnd, parserFileStart, type PipelineSettings } from '../engine/apply-plan.js';
import { StreamingContext } from '../engine/context.js';
import { loggedInputOf } from '../engine/recovery.js';
import { buildWorkerPipeline, type SpareThread } from '../engine/workers.js';
import { autoThreads, threadsProgress } from './workers-auto.js';
import { createParser, csvRecordSpan } from '../parsers/index.js';
import { FormatSink } from '../sinks/format-sink.js';
import { FileOutput } from '../sinks/durable-output.js';
import { KafkaOutput } from '../sinks/kafka-output.js';
import type { Output, StreamOutput } from '../sinks/output.js';
import { FdLineSource } from '../sources/fd-line-source.js';
import { gzipStdinError } from '../sources/gzip-start.js';
import { keepCarriageReturns } from '../sources/line-splitter.js';
import { WalLineSource } from '../sources/wal-source.js';
import { planJob } from '../plan/job-plan.js';
import { checkWorkerInput, explicitBatches as explicitBatchesOf, isBoundedInput } from '../plan/input-plan.js';
import type { OperatorFlag } from '../plan/pipeline.js';
import type { Observers } from '../observe/observers.js';
import type { CliOptions } from './args.js';
import { durableOutput, openCheckpoint } from './checkpoint-options.js';
import { IssueHints } from './hints.js';
import { readInitialState } from './initial-state.js';
import { createInputs, type Inputs } from './inputs.js';
import { errLine, stdinFileIsGzip, stdinIsFile, stdinOffset } from './process-io.js';
import type { BoundedInput } from './progress-bar.js';
import { IssueReporter } from './report.js';
import { chalkFor, unicodeTerminal } from './terminal.js';

/** A local job, composed and ready to start. */
export interface ComposedJob {
  ssc: StreamingContext;
  reporter: IssueReporter;
  observers: Observers;
  /** null in `--workers` mode. */
  inputs: Inputs | null;
  /** Leaves the live table (if any) on screen; stderr lines go below it from then on. */
  closeView: () => void;
  /** Stops the progress bar (if any), at 100 % when the input was read to its end. */
  stopBar: (complete: boolean) => void;
  /** A regular file on stdin read by this thread: bytes handed to the batches and its size (see FdLineSource.coverage). */
  stdinCoverage: () => { read: number; size: number } | undefined;
}

/** Operators whose result is a keyed table worth a live view. */
function keyedResult(ops: readonly OperatorFlag[]): boolean {
  return ops.some((o) => ['count-by-value', 'reduce-by-key', 'top', 'window', 'session-window', 'update-state-by-key'].includes(o.op));
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

/**
 * Composes the job of `options` writing to `output` (stdout) unless `--output` says otherwise.
 * @throws ConfigError (exit 2) for anything wrong, before any input is read; DStreamError E_CHECKPOINT_IN_USE (exit 75).
 */
export async function composeJob(options: CliOptions, output: StreamOutput, spareThread?: SpareThread): Promise<ComposedJob> {
  // A gzip file on stdin would be counted as lines of compressed bytes (a pipe is checked by its reader).
  if (options.sources.stdin && stdinFileIsGzip()) throw gzipStdinError();
  let sink: Output = output;
  let closeView = () => {};
  let stopBar = (_complete: boolean) => {};
  const ck = options.checkpoint;
  const plan = planJob({ ...options, checkpointIntervalMs: ck.checkpointIntervalMs });
  const explicitBatches = explicitBatchesOf(options.sources, { ...options, checkpoint: ck.checkpoint !== undefined });
  const ssc = new StreamingContext({
    batchIntervalMs: plan.batchIntervalMs, onError: options.onError, output, explicitBatches,
    bounded: explicitBatches === undefined && isBoundedInput(options.sources, stdinIsFile()), maxRecordsPerBatch: options.sources.maxRecordsPerBatch,
  });
  const store = openCheckpoint(ck, plan.description, errLine);
  const fileOut = durableOutput(ck, () => ssc.currentBatchTimeMs, (m) => errLine(`dstream: ${m}`));
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
    bounded: ssc.bounded,
    initialState: options.initialState !== undefined
      ? readInitialState(options.initialState, options.operators.some((f) => f.op === 'map-with-state')) : undefined,
  };
  // Threads read stdin from its file offset (something may have read part of it before dstream) to its end.
  const stdinStart = stdinIsFile() ? stdinOffset() : undefined;
  const stdinSize = stdinIsFile() ? fstatSync(0).size : 0;
  const stdinLeft = stdinStart === undefined ? undefined : Math.max(0, stdinSize - stdinStart);
  const auto = autoThreads(options, { checkpoint: store !== null, stdinSize: stdinLeft, stdinOffsetUnknown: stdinIsFile() && stdinStart === undefined });
  const workers = auto.threads;
  // A spare thread started at start-up (cli/start.cts) that the job does not use is ended now.
  if (workers <= 1) void spareThread?.()?.terminate();
  if (options.verbose && typeof options.workers !== 'number') errLine(`dstream: --workers auto: ${workers} thread${workers === 1 ? '' : 's'}${auto.why ? ` (${auto.why})` : ''}`, 'info');
  if (workers > 1) {
    checkWorkerInput(options.sources, {
      parseFormat: options.parse?.format, stdinIsFile: stdinIsFile(), checkpoint: store !== null, deadLetter: options.deadLetter, late: options.late,
    });
  }
  let stdinFile: FdLineSource | null = null;
  // A CRLF inside a quoted CSV field is the field's text: lines keep their CR (csv.ts drops a line's last one).
  keepCarriageReturns(options.parse?.format === 'csv');
  // --batch-marker with --parse csv: a marker line inside a quoted field is data (one span for the one parser).
  const recordSpan = options.parse?.format === 'csv' ? csvRecordSpan(options.parse.delimiter) : undefined;
  const parserStart = parserFileStart(settings.parser, ssc.issues);
  const fileStart = parserStart && ((path: string) => (recordSpan?.reset(), parserStart(path)));
  // Sources (stdin, --connect, --listen, --watch) made one stream; see inputs.ts.
  const inputs = workers > 1 ? null : await createInputs(ssc, options.sources, {
    // process.stdin when read: on a regular file (FdLineSource) it is never made (an fs.ReadStream: start-up time).
    maxLineBytes: options.maxLineBytes, errLine, get stdin() { return process.stdin; }, stdout: process.stdout, onFileStart: fileStart,
    onFileEnd: parserFileEnd(settings.parser, ssc.issues), recordSpan,
    // A regular file on stdin is its own log: under a checkpoint it is remembered by identity and
    // byte offset (fd-line-source.ts), so --wal is for pipes only.
    stdinSource: options.sources.maxRate === undefined && stdinIsFile()
      ? (backpressure) => (stdinFile = Object.assign(new FdLineSource('stdin', 0, ssc.issues, options.maxLineBytes), {
        backpressure, log: (m: string) => errLine(`dstream: ${m}`), holdUnterminatedLine: store !== null,
      }))
      : store && ck.wal
        ? () => new WalLineSource('stdin', process.stdin, join(store.dir, 'wal'), ssc.issues, options.maxLineBytes)
        : undefined,
    wal: store && ck.wal ? (src, n) => new WalLineSource(src.name, src, join(store.dir, `wal-${n}`), ssc.issues, options.maxLineBytes) : undefined,
    checkpointed: store ? (name) => loggedInputOf(store, name) : undefined,
  });
  if (inputs?.kafka) settings.recordTime = inputs.kafka;
  if (store) {
    ssc.checkpoint({
      store,
      intervalMs: plan.checkpointIntervalMs,
      outputs: fileOut ? [fileOut] : [],
      replayMuted: fileOut ? [] : [output],
      drain: ck.drain,
      keepOpenAtEnd: options.sources.once && !ck.drain,
      log: errLine,
      fault: faultInjection(process.env.DSTREAM_FAULT),
    });
  }
  // The in-place live table is for live input; a one-off answer over bounded input is printed whole, as awk would.
  // Not on a terminal of 0 rows or columns (an unsized pty): the table would be cut to nothing there.
  const live = options.format === undefined && sink === output && process.stdout.isTTY === true && (process.stdout.columns ?? 0) > 0 && (process.stdout.rows ?? 0) > 0 && !ssc.bounded && keyedResult(options.operators);
  // On a terminal (not CI, no live table on it), progress: a bar for bounded input (stdin from a
  // file, watched directories under --once), else a spinner. Not on a terminal of 0 columns (a pty
  // nobody sized, as `script -c` makes): the spinner's line erasing never ends there.
  const terminalProgress = process.stderr.isTTY === true && (process.stderr.columns ?? 0) > 0 && !process.env.CI && !live;
  // Threads read stdin at their own offsets: they count the bytes they have read (workers-auto.ts).
  const threadBytes = terminalProgress && !inputs ? new SharedArrayBuffer(8 * workers) : undefined;
  const bounded = terminalProgress && inputs ? await progressInput(options.sources, store !== null) : threadBytes && threadsProgress(threadBytes, stdinLeft ?? 0);
  let stream = inputs?.stream;
  const count = bounded?.count;
  if (count) stream = stream!.map((line) => (count(line), line), 'progress');
  const result = stream
    ? buildPipeline(stream, plan.steps, settings)
    : buildWorkerPipeline(ssc, {
      workers, operators: options.operators, settings, stdinStart: stdinStart ?? 0, stdinSize, maxLineBytes: options.maxLineBytes,
      onError: options.onError, timezone: options.timezone, parse: options.parse, log: errLine, progress: threadBytes,
      onOneThread: typeof options.workers === 'number'
        ? () => settings.note!(`--workers ${workers}: the sum has a value that is not an integer, so it depends on the order of additions: the file is read in one thread`)
        : undefined,
      // auto only (an explicit --workers N keeps its threads): DSTREAM_FAULT=workers-yield yields at once (crash tests).
      secondCore: typeof options.workers === 'number' ? undefined : {
        clocks: { cpuMs: () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; }, nowMs: () => performance.now() },
        atOnce: process.env.DSTREAM_FAULT === 'workers-yield',
      },
      spareThread,
    });
  // Text on a pipe, into a file or over bounded input shows every record; live on a terminal, Spark's cut at 10.
  const limit = options.printLimit ?? (sink === output && process.stdout.isTTY === true && !ssc.bounded ? 10 : Infinity);
  let recordsOut: () => number = () => 0;
  if (live) {
    const { LiveView } = await import('./live-view.js');
    const view = new LiveView({ stream: process.stdout, stderr: process.stderr, chalk: await chalkFor(process.stdout, process.env, options.color) });
    recordsOut = () => view.recordsOut;
    closeView = () => view.close();
    result.output(() => view);
  } else {
    const fmt = options.format ?? (sink instanceof KafkaOutput ? 'json' : 'text');
    result.output((everyBatch) => {
      const f = new FormatSink(sink, { format: fmt, printLimit: limit, header: options.header && (() => !(fileOut && Number(fileOut.position()) > 0)), appendingTo: options.header && fileOut instanceof FileOutput ? fileOut : undefined, everyBatch, currentBatchTimeMs: () => ssc.currentBatchTimeMs, warn: (m) => errLine(`dstream: ${m}`) });
      recordsOut = () => f.recordsOut;
      return f;
    });
  }
  const reporter = new IssueReporter(errLine, options.deadLetter, options.late, new IssueHints(options.parse?.format));
  ssc.issues.listen(reporter.onIssue);
  ssc.issues.keepInputs = options.deadLetter !== undefined;
  ssc.issues.onWarning((m) => errLine(`dstream: ${m}`));
  const { Observers } = await import('../observe/observers.js');
  const observers = await Observers.create({
    ssc, chalk: () => chalkFor(process.stderr, process.env, options.color),
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
  return { ssc, reporter, observers, inputs, closeView, stopBar, stdinCoverage: () => stdinFile?.coverage() };
}
