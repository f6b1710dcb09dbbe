/**
 * A job plan's operator flags → a job on the library API (plan/pipeline.ts
 * has the flags and the checks that need no stream). Operators are applied in command-line
 * order; a `--window` (or `--session-window`) right after an aggregation makes
 * that aggregation windowed (`--reduce-by-key sum --window 1h --slide 1m` is
 * Spark's `reduceByKeyAndWindow`); anywhere else it windows the stream at that
 * point (Spark's `window()`), which gives the same results for a following
 * aggregation. Settings that are not operators (`--output-mode`,
 * `--state-timeout`, …) apply to the windowed and stateful operators and are
 * refused when there is none. All checks happen before any input is read.
 */
import { ConfigError } from '../core/errors.js';
import { formatDuration } from '../core/duration.js';
import type { TimeZone } from '../core/time-zone.js';
import type { IssueLog } from '../core/issues.js';
import type { Millis, Pair } from '../core/types.js';
import type { DStream, StatefulOptions, WindowOptions } from './dstream.js';
import { isBuiltinReducer, type BuiltinReducer } from '../operators/reducers.js';
import type { OutputMode } from '../state/output-mode.js';
import type { StateHandle } from '../state/state-handle.js';
import { compileFunction, type FunctionCache } from '../plan/compile-fn.js';
import { checkSettings, type OperatorFlag } from '../plan/pipeline.js';
import { autoEventTime, ParseError, type LineParser } from '../parsers/index.js';
import type { PartitionClock } from '../windows/watermark.js';

/** Settings that are not operators. Durations in ms. */
export interface PipelineSettings {
  /** Compiles the stateless operators' functions once across pipelines (a `--workers` thread's parts); default: each build compiles. */
  functions?: FunctionCache;
  /** `--watermark`. */
  watermarkDelayMs: Millis;
  /** Position of `flags[0]` among the command line's operator flags (1-based; default 1): messages number them as the user wrote them. */
  firstPosition?: number;
  /** `--output-mode`, for the windowed or stateful operators. */
  outputMode?: OutputMode;
  /** `--allowed-lateness`, for event-time windows. */
  allowedLatenessMs?: Millis;
  /** `--state-timeout`, for stateful operators. */
  stateTimeoutMs?: Millis;
  /** `--max-keys`, for stateful operators. */
  maxKeys?: number;
  /** `--initial-state`: `[key, state]` pairs for the stateful operator. */
  initialState?: readonly (readonly [unknown, unknown])[];
  /** `--timezone`. */
  zone?: TimeZone;
  /** `--parse FORMAT`: applied to every line before the operators. */
  parser?: LineParser;
  /** Bounded input (a file, `--once`): batch times are logical; a processing-time sampling window is refused. */
  bounded?: boolean;
  /** Told of accepted settings worth a note on stderr (a window whose slide exceeds its length). */
  note?: (message: string) => void;
  /**
   * A source whose records carry a time (Kafka): `--event-time auto` without
   * `--parse` takes `recordTimeMs()`, and the watermark is kept per partition.
   */
  recordTime?: { recordTimeMs(): Millis } & PartitionClock;
}

/** How messages name an operator flag: `--map 'l => l.x'`, with `position` (1-based, among the operator flags) `--map #2 'l => l.x'`. */
function label(flag: string, source: string, position?: number): string {
  const s = source.length > 60 ? `${source.slice(0, 57)}...` : source;
  return position === undefined ? `--${flag} '${s}'` : `--${flag} #${position} '${s}'`;
}

function reducerOf(source: string, flag: string): BuiltinReducer | ((a: any, b: any) => any) {
  return isBuiltinReducer(source) ? source : (compileFunction(source, `--${flag}`) as (a: any, b: any) => any);
}

/** Reports `left`, the text of a record `parser` had open when `what` ended (a quoted csv field never closed), as a bad record. */
function reportOpenRecord(parser: LineParser, issues: IssueLog, left: string | undefined, what: string): void {
  if (left === undefined) return;
  issues.current = left;
  issues.userError(`--parse ${parser.name}`, left, new ParseError(parser.name, `missing closing quote: ${what} ended inside a quoted field`));
}

/**
 * What a directory source calls before the first line of each file when `parser` reads a header per
 * input (`LineParser.startInput`: csv); undefined for other formats.
 */
export function parserFileStart(parser: LineParser | undefined, issues: IssueLog): ((path: string) => void) | undefined {
  const start = parser?.startInput;
  if (!start) return undefined;
  let previous: string | undefined;
  return (path) => {
    reportOpenRecord(parser, issues, start.call(parser), previous === undefined ? 'the input' : previous);
    previous = path;
  };
}

/**
 * What a directory source calls after the last line of each file when `parser` reads a header per
 * input (csv): a record still open there (a quoted field never closed) is reported now, naming
 * the file, not when the next file starts or the job ends. Undefined for other formats.
 */
export function parserFileEnd(parser: LineParser | undefined, issues: IssueLog): ((path: string) => void) | undefined {
  if (!parser?.startInput || !parser.finish) return undefined;
  return (path) => reportOpenRecord(parser, issues, parser.finish!(), path);
}

/**
 * Window checks and notes made when the pipeline is built (once per job).
 * @param eventTime the input already has event time (`--workers`: assigned in the threads).
 * @throws ConfigError for a sampling window (slide over length) over bounded input without event time.
 */
function checkWindows(flags: readonly OperatorFlag[], settings: PipelineSettings, eventTime: boolean): void {
  let noted = false;
  for (const f of flags) {
    if (f.op === 'event-time') eventTime = true;
    if (f.op === 'window' && f.slideMs !== undefined && f.slideMs > f.lengthMs) {
      // Bounded input has logical batch times: which batches fall between two windows is arbitrary
      // (a file read whole is the batch at one batch interval, in no window of length < slide).
      if (!eventTime && settings.bounded) {
        const length = formatDuration(f.lengthMs);
        throw new ConfigError(`--window ${f.text}: the slide interval ${formatDuration(f.slideMs)} is longer than the window length ${length} (a sampling window); over bounded input (a file, --once) batch times are not clock times, so which batches fall in a window is arbitrary; use a slide of at most ${length}, or --event-time`);
      }
      settings.note?.(`--window ${f.text}: the slide interval ${formatDuration(f.slideMs)} is longer than the window length (a sampling window): records between two windows are not counted`);
    }
    if ((f.op === 'window' || f.op === 'session-window') && !eventTime && settings.bounded && !noted && !flags.some((g) => g.op === 'event-time')) {
      // Processing-time windows over input read whole: one batch at a logical time (1970), whatever times the records hold.
      noted = true;
      settings.note?.(`--${f.op} ${f.text} without --event-time: windows are over processing time, and a file read whole is one batch `
        + `(bounded input has logical batch times, from 1970-01-01), so the records' own times are not used; give --event-time for them`);
    }
  }
}

/**
 * Applies the operator flags to `input`.
 * @throws ConfigError for an invalid function, window, order or setting.
 */
export function buildPipeline(input: DStream<string>, flags: readonly OperatorFlag[], settings: PipelineSettings): DStream<unknown> {
  let ds = input as DStream<any>;
  const parser = settings.parser;
  const compile = (source: string, flag: string): ((...args: any[]) => unknown) => settings.functions?.compile(source, flag) ?? compileFunction(source, flag);
  if (parser) {
    // A CSV header gives `undefined`: it is consumed, not a record.
    const where = `--parse ${parser.name}`;
    const issues = input.ssc.issues;
    let line = '';
    const repaired = (message: string): void => issues.repaired(where, line, message);
    const parse = (l: string): unknown => {
      try {
        return parser.parse((line = l), repaired);
      } finally {
        // A record over several lines (csv): report and dead-letter all of it, not its last line.
        if (parser.spanned !== undefined) issues.current = parser.spanned;
      }
    };
    const atEnd = (): void => reportOpenRecord(parser, issues, parser.finish?.(), 'the input');
    const hooks = parser.snapshot
      ? { atEnd, dropUndefined: true, snapshot: () => parser.snapshot!(), restore: (d: unknown) => parser.restore!(d) }
      : { atEnd, dropUndefined: true };
    ds = ds.map(parse, where, undefined, hooks);
  }
  const win = (l: string): WindowOptions => ({ label: l, outputMode: settings.outputMode, allowedLatenessMs: settings.allowedLatenessMs });
  const state = (l: string): StatefulOptions => ({
    label: l, outputMode: settings.outputMode, stateTimeoutMs: settings.stateTimeoutMs, maxKeys: settings.maxKeys, initialState: settings.initialState,
  });
  checkWindows(flags, settings, ds.eventTimeTracker !== null);
  const at = settings.firstPosition ?? 1;
  for (let i = 0; i < flags.length; i++) {
    const f = flags[i]!;
    const next = flags[i + 1];
    const windowNext = next?.op === 'window' ? next : undefined;
    const sessionNext = next?.op === 'session-window' ? next : undefined;
    switch (f.op) {
      case 'map':
        ds = ds.map(compile(f.source, '--map'), label('map', f.source), label('map', f.source, at + i));
        break;
      case 'flat-map':
        ds = ds.flatMap(compile(f.source, '--flat-map') as (x: unknown) => unknown[], label('flat-map', f.source), label('flat-map', f.source, at + i));
        break;
      case 'filter':
        ds = ds.filter(compile(f.source, '--filter'), label('filter', f.source), label('filter', f.source, at + i));
        break;
      case 'event-time':
        if (f.source === 'auto' && !parser && !settings.recordTime) throw new ConfigError('--event-time auto needs --parse FORMAT (it takes the format\'s time field) or --kafka (the record timestamp)');
        ds = ds.eventTime(f.source === 'auto'
          ? (parser ? (r: Record<string, unknown>) => autoEventTime(r, parser) : () => settings.recordTime!.recordTimeMs())
          : compile(f.source, '--event-time'), { watermarkDelayMs: settings.watermarkDelayMs, label: label('event-time', f.source), zone: settings.zone });
        if (settings.recordTime && ds.eventTimeTracker) ds.eventTimeTracker.partitions = settings.recordTime;
        break;
      case 'reduce': {
        const fn = reducerOf(f.source, 'reduce');
        const l = label('reduce', f.source);
        if (windowNext) {
          ds = ds.reduceByWindow(fn, windowNext.lengthMs, windowNext.slideMs, win(l));
          i++;
        } else if (sessionNext) {
          ds = ds.sessionWindow(sessionNext.gapMs, win(`--session-window ${sessionNext.text}`)).reduce(fn, l);
          i++;
        } else ds = ds.reduce(fn, l);
        break;
      }
      case 'reduce-by-key': {
        const fn = reducerOf(f.source, 'reduce-by-key');
        const l = label('reduce-by-key', f.source);
        const pairs = ds as DStream<Pair<unknown, any>>;
        if (windowNext) {
          ds = pairs.reduceByKeyAndWindow(fn, windowNext.lengthMs, windowNext.slideMs, win(l));
          i++;
        } else if (sessionNext) {
          ds = pairs.sessionWindow(sessionNext.gapMs, win(`--session-window ${sessionNext.text}`)).reduceByKey(fn, l);
          i++;
        } else ds = pairs.reduceByKey(fn, l);
        break;
      }
      case 'count':
        if (windowNext) {
          ds = ds.countByWindow(windowNext.lengthMs, windowNext.slideMs, win('--count --window'));
          i++;
        } else if (sessionNext) {
          ds = ds.sessionWindow(sessionNext.gapMs, win(`--session-window ${sessionNext.text}`)).count('--count');
          i++;
        } else ds = ds.count('--count');
        break;
      case 'count-by-value':
        if (windowNext) {
          ds = ds.countByValueAndWindow(windowNext.lengthMs, windowNext.slideMs, win('--count-by-value --window'));
          i++;
        } else if (sessionNext) {
          ds = ds.sessionWindow(sessionNext.gapMs, win(`--session-window ${sessionNext.text}`)).countByValue('--count-by-value');
          i++;
        } else ds = ds.countByValue('--count-by-value');
        break;
      case 'window':
        ds = ds.window(f.lengthMs, f.slideMs, win(`--window ${f.text}`));
        break;
      case 'session-window':
        ds = ds.sessionWindow(f.gapMs, win(`--session-window ${f.text}`));
        break;
      case 'update-state-by-key': {
        const fn = compileFunction(f.source, '--update-state-by-key') as (values: unknown[], s: unknown) => unknown;
        ds = (ds as DStream<Pair<unknown, unknown>>).updateStateByKey(fn, state(label('update-state-by-key', f.source)));
        break;
      }
      case 'map-with-state': {
        const fn = compileFunction(f.source, '--map-with-state') as (k: unknown, v: unknown, s: StateHandle) => unknown;
        ds = (ds as DStream<Pair<unknown, unknown>>).mapWithState(fn, state(label('map-with-state', f.source)));
        break;
      }
      case 'top':
        ds = ds.top(f.n);
        break;
      case 'transform':
        ds = ds.transform(compileFunction(f.source, '--transform') as (records: unknown[]) => unknown[], label('transform', f.source));
        break;
    }
  }
  checkSettings(flags, settings);
  return ds;
}
