/**
 * Command-line parsing: yargs for flags, help and validation; the operator
 * flags in command-line order come from plan/operator-flags.ts.
 */
import type { Argv } from 'yargs';
import { createRequire } from 'node:module';
import { quickParse, recordFlags, type FlagTable } from './quick-args.js';
import { parseDuration } from '../core/duration.js';
import { parseByteSize, parseCount } from '../core/count.js';
import { ConfigError } from '../core/errors.js';
import type { Millis } from '../core/types.js';
import { OUTPUT_FORMATS, type OutputFormat } from '../sinks/format.js';
import { OUTPUT_MODES, type OutputMode } from '../state/output-mode.js';
import { OPERATOR_FLAGS, operatorsOf } from '../plan/operator-flags.js';

export { OPERATOR_FLAGS } from '../plan/operator-flags.js';
import type { OperatorFlag } from '../plan/pipeline.js';
import type { ErrorPolicy } from '../core/issues.js';
import { DEFAULT_MAX_LINE_BYTES } from '../sources/line-splitter.js';
import { applyConfig, printConfig, settingOrigin, type ConfiguredArgv } from './config.js';
import { helpWidth, renderHelp } from './help.js';
import { cutArrowMessage, freshStdoutFile, invalidChoiceMessage, unexpectedArgumentMessage } from './hints.js';
import { EPILOGUE, EXAMPLES, suggestFlag, version } from './usage.js';
import { addCheckpointOptions, readCheckpointOptions, type CheckpointCliOptions } from './checkpoint-options.js';
import { addSourceOptions, batchMarkerValues, readSourceOptions, SOURCE_FLAGS, type SourceCliOptions } from './source-options.js';
import { addDistributedOptions, DISTRIBUTED_FLAGS, readDistributedOptions, type DistributedCliOptions } from './distributed-options.js';

/** Everything the CLI was asked to do. Durations in ms. */
export interface CliOptions {
  batchIntervalMs: Millis;
  operators: OperatorFlag[];
  watermarkDelayMs: Millis;
  /** Output format; `undefined`: not given (a live table on a terminal for keyed results, else text). */
  format?: OutputFormat;
  /** `--parse FORMAT` with its options. */
  parse?: { format: string; delimiter?: string; year?: number };
  /** `--color` (true), `--no-color` (false), or neither. */
  color?: boolean;
  stats: boolean;
  progressJson?: string;
  metricsPort?: number;
  /**
   * `--workers N|auto`: threads for the stateless prefix and map-side combine; `auto` (also when
   * not given) is one per core where the input and the plan allow it, else 1 (cli/workers-auto.ts).
   */
  workers?: number | 'auto';
  /** `--print N`: records shown per text frame; undefined: not given (10 on a terminal, all on a pipe). */
  printLimit?: number;
  /** `--header`: a header row for tsv/csv. */
  header: boolean;
  maxLineBytes: number;
  onError: ErrorPolicy;
  deadLetter?: string;
  late?: string;
  verbose: boolean;
  outputMode?: OutputMode;
  allowedLatenessMs?: Millis;
  stateTimeoutMs?: Millis;
  maxKeys?: number;
  /** `--initial-state FILE`. */
  initialState?: string;
  timezone?: string;
  checkpoint: CheckpointCliOptions;
  /** What to read (stdin, --connect, --listen, --watch). */
  sources: SourceCliOptions;
  /** Distributed mode (`--from redis://…?group=JOB`), or undefined for local mode. */
  distributed?: DistributedCliOptions;
}

/**
 * The yargs parser, also used to print help. yargs (its CommonJS build) is loaded here, on first
 * use: a plain command line never needs it (quick-args.ts), which saves its loading at start-up.
 */
export function parser(argv: string[]) {
  return defineFlags((createRequire(import.meta.url)('yargs/yargs') as (a: string[]) => Argv)(argv));
}

/** The flags, on a yargs instance (or quick-args.ts' recorder of them). */
function defineFlags<T>(y0: Argv<T>) {
  // Operators first in --help; sources and checkpoints (defined in their own modules) after them.
  const y = y0
    .scriptName('dstream')
    .usage('Usage: dstream [options]\n\nSpark Streaming on a Unix pipe: reads lines from stdin, TCP or watched directories, cuts them into micro-batches every batch interval, and runs the operators below in command-line order on every batch.')
    .parserConfiguration({ 'duplicate-arguments-array': true, 'camel-case-expansion': false, 'boolean-negation': false, 'dot-notation': false })
    .option('batch', { type: 'string', default: '1s', describe: 'batch interval (bare number = seconds; 500ms, 5s, 1m)', group: 'Batches:' })
    .option('map', { type: 'string', describe: 'FN: one output record per record', group: 'Operators (applied in order):' })
    .option('flat-map', { type: 'string', describe: 'FN returning an array: zero or more records per record', group: 'Operators (applied in order):' })
    .option('filter', { type: 'string', describe: 'FN: keep records for which FN is truthy', group: 'Operators (applied in order):' })
    .option('reduce', { type: 'string', describe: 'FN (a, b) => c, or a built-in reducer: sum, count, min, max, avg, distinct, approx-distinct, topk:N; one record per batch/window', group: 'Operators (applied in order):' })
    .option('reduce-by-key', { type: 'string', describe: 'FN or a built-in reducer (as --reduce) over [key, value] pairs', group: 'Operators (applied in order):' })
    .option('count', { type: 'boolean', describe: 'number of records per batch/window', group: 'Operators (applied in order):' })
    .option('count-by-value', { type: 'boolean', describe: '[value, count] pairs per batch/window', group: 'Operators (applied in order):' })
    .option('window', { type: 'string', describe: 'LENGTH: window length; right after an aggregation it makes it windowed', group: 'Operators (applied in order):' })
    .option('slide', { type: 'string', describe: 'INTERVAL: slide interval of the preceding --window (default: batch interval; event time: window length)', group: 'Operators (applied in order):' })
    .option('top', { type: 'string', describe: 'N: the N records with the largest value per batch/window (ties: key ascending)', group: 'Operators (applied in order):' })
    .option('transform', { type: 'string', describe: 'FN (records, ctx) => records: the whole batch (or window) as an array, e.g. to sort or dedupe', group: 'Operators (applied in order):' })
    .option('update-state-by-key', { type: 'string', describe: 'FN (values, state) => newState per key, every batch; undefined removes the key; gives [key, state] pairs', group: 'State across batches:' })
    .option('map-with-state', { type: 'string', describe: 'FN (key, value, state) => output per [key, value]; state.get/exists/update/remove/isTimingOut', group: 'State across batches:' })
    .option('state-timeout', { type: 'string', describe: 'DURATION: remove keys idle that long (batch time, or watermark with --event-time)', group: 'State across batches:' })
    .option('max-keys', { type: 'string', describe: 'N: keep at most N keys in state, evicting the least recently updated (counted)', group: 'State across batches:' })
    .option('initial-state', { type: 'string', describe: 'FILE: the state to start with: JSON lines {"key", "state"} or the tsv that --format tsv prints', group: 'State across batches:' })
    .option('output-mode', { choices: OUTPUT_MODES as OutputMode[], describe: 'append (final rows once) | update (changed rows every batch) | complete (whole table every batch)', group: 'State across batches:' })
    .option('session-window', { type: 'string', describe: 'GAP: per key, events closer than GAP form a session (event time; after or before an aggregation)', group: 'Operators (applied in order):' })
    .option('event-time', { type: 'string', describe: 'FN giving the record\'s event time (a numeric epoch in s, ms, µs or ns by its size, Date, ISO 8601, RFC 2822, Apache time), or auto with --parse', group: 'Event time:' })
    .option('watermark', { type: 'string', default: '0', describe: 'DURATION of out-of-order event time waited for: watermark = max event time - DURATION (records behind it are late)', group: 'Event time:' })
    .option('allowed-lateness', { type: 'string', describe: 'DURATION: keep event-time windows open that long after the watermark passes their end', group: 'Event time:' })
    .option('timezone', { type: 'string', describe: 'ZONE (IANA): zone-less times are local there; windows of 1h..1d follow local time', group: 'Event time:' })
    .option('late', { type: 'string', describe: 'FILE: append the input lines of late records', group: 'Event time:' })
    .option('format', { choices: OUTPUT_FORMATS as OutputFormat[], describe: 'output format (default: a live table on a terminal for keyed results, else text)', group: 'Output:' })
    .option('parse', { type: 'string', describe: 'FORMAT: turn each line into an object first: json, logfmt, csv, combined, common, syslog, regex:PATTERN', group: 'Parsing:' })
    .option('delimiter', { type: 'string', describe: 'field delimiter of --parse csv (default ,)', group: 'Parsing:' })
    .option('year', { type: 'string', describe: 'year of --parse syslog timestamps that have none (default: inferred)', group: 'Parsing:' })
    .option('color', { type: 'boolean', describe: 'colour on stderr/stdout even when not a terminal', group: 'Terminal:' })
    .option('no-color', { type: 'boolean', describe: 'never colour (also NO_COLOR=1)', group: 'Terminal:' })
    .option('stats', { type: 'boolean', default: false, describe: 'one line of batch statistics on stderr per batch', group: 'Terminal:' })
    .option('progress-json', { type: 'string', describe: 'FILE: append one JSON object per batch (Spark StreamingQueryProgress names)', group: 'Terminal:' })
    .option('workers', { type: 'string', describe: 'N|auto: run the stateless operators and a map-side combine in N threads (stdin from a file; default auto: one per core where the job allows)', group: 'Batches:' })
    .option('metrics-port', { type: 'string', describe: 'PORT: serve Prometheus metrics on 127.0.0.1:PORT/metrics', group: 'Terminal:' })
    .option('print', { type: 'string', describe: 'records shown per batch in text format (default: 10 on a terminal for live input, else all)', group: 'Output:' })
    .option('header', { type: 'boolean', describe: 'tsv/csv: a header row first (window_start, window_end, key, value, or the record\'s fields)', group: 'Output:' })
    .option('max-line-bytes', { type: 'string', default: String(DEFAULT_MAX_LINE_BYTES), describe: 'longer lines are skipped and counted (e.g. 1048576, 64KB, 16MB)', group: 'Bad input:' })
    .option('on-error', { choices: ['skip', 'fail'] as const, default: 'skip' as const, describe: 'when FN throws: skip and count the record, or stop with exit 1', group: 'Bad input:' })
    .option('dead-letter', { type: 'string', describe: 'FILE: append the input lines of skipped records', group: 'Bad input:' })
    .option('verbose', { type: 'boolean', default: false, describe: 'stack traces on errors' });
  return addDistributedOptions(addCheckpointOptions(addSourceOptions(y)))
    .option('config', { type: 'string', describe: 'FILE: JSON settings {"batch": "5s", …} (flags > DSTREAM_* environment > config file)' })
    .option('print-config', { type: 'boolean', describe: 'print the effective settings and where each came from, then exit' })
    .version(version())
    .help()
    // A flag that takes a value must get one: `--batch` alone is an error, not the default.
    .requiresArg(['batch', 'batch-marker', 'map', 'flat-map', 'transform', 'filter', 'reduce', 'reduce-by-key', 'window', 'slide', 'top', 'event-time', 'watermark',
      'late', 'format', 'print', 'max-line-bytes', 'on-error', 'dead-letter', 'update-state-by-key', 'map-with-state', 'state-timeout',
      'max-keys', 'initial-state', 'output-mode', 'session-window', 'allowed-lateness', 'timezone', 'parse', 'delimiter', 'year', 'progress-json',
      'metrics-port', 'config', 'checkpoint', 'checkpoint-interval', 'checkpoint-mismatch', 'output', 'output-dir', ...DISTRIBUTED_FLAGS])
    .alias('h', 'help')
    .alias('V', 'version')
    // Unwrapped: help.ts wraps --help on word boundaries (yargs' columns cut words and examples).
    .wrap(null)
    .strictOptions()
    .exitProcess(false);
}

export const KNOWN_FLAGS = ['batch', 'map', 'flat-map', 'transform', 'filter', 'reduce', 'reduce-by-key', 'count', 'count-by-value', 'window', 'slide', 'top',
  'event-time', 'watermark', 'late', 'format', 'print', 'max-line-bytes', 'on-error', 'dead-letter', 'verbose', 'help', 'version',
  'parse', 'delimiter', 'year', 'color', 'no-color', 'stats', 'progress-json', 'metrics-port', 'config', 'print-config', 'workers',
  'update-state-by-key', 'map-with-state', 'state-timeout', 'max-keys', 'initial-state', 'output-mode', 'session-window', 'allowed-lateness', 'timezone',
  'checkpoint', 'checkpoint-interval', 'checkpoint-mismatch', 'wal', 'drain', 'output', 'output-dir', 'header', ...SOURCE_FLAGS, ...DISTRIBUTED_FLAGS];

function workersOf(v: unknown): number | 'auto' | undefined {
  if (v === undefined) return undefined;
  if (v === 'auto') return 'auto';
  if (v === '') throw new ConfigError('--workers needs a value');
  const n = /^\d+$/.test(String(v)) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new ConfigError(`--workers: '${String(v)}' is not auto or a number of threads from 1 to 64`);
  return n;
}

/** An unknown one-letter option (`-f`): not an edit away from a long name; the long ones with its initial. */
function unknownShortMessage(letter: string): string {
  const initial = KNOWN_FLAGS.filter((k) => k.startsWith(letter.toLowerCase())).sort();
  const some = initial.length > 6 ? [...initial.slice(0, 6).map((k) => `--${k}`), '…'] : initial.map((k) => `--${k}`);
  return `unknown option '-${letter}' (the short options are -h and -V${some.length ? `; long options starting with ${letter.toLowerCase()}: ${some.join(', ')}` : ''})`;
}

let flagTable: FlagTable | undefined;

/** The flags as yargs-parser takes them (quick-args.ts), recorded on first use. */
export function quickFlagTable(): FlagTable {
  return (flagTable ??= recordFlags(defineFlags));
}

/** Result of parsing: options to run, or a request already answered (help/version printed). */
export type ParseResult = { kind: 'run'; options: CliOptions } | { kind: 'done' };

function single(v: unknown): unknown {
  return Array.isArray(v) ? v[v.length - 1] : v;
}

/** Settings that may be given several times (a config file may give them as an array). */
const LIST_SETTINGS = ['connect', 'listen', 'watch', 'kafka', 'topic'];
/** Settings that take a whole number (core/count.ts), shown as numbers by `--print-config`. */
const COUNT_SETTINGS = ['print', 'year', 'metrics-port', 'max-keys', 'max-line-bytes', 'connect-retries', 'max-connections', 'max-files-per-batch',
  'max-rate', 'max-records-per-batch', 'workers', 'key-partitions'];

/**
 * Parses argv.
 * @throws ConfigError (exit 2) for unknown flags (with "did you mean"), bad values, bad order.
 */
export function parseArgs(cliArgv: string[], env: NodeJS.ProcessEnv = process.env): ParseResult {
  cliArgv = batchMarkerValues(cliArgv, (name) => name !== '' && (KNOWN_FLAGS.includes(name) || name === 'h' || name === 'V'));
  // Settings from --config FILE and DSTREAM_* come first, so that flags win; operators only from argv.
  const cfg = applyConfig(cliArgv, env, KNOWN_FLAGS, Object.keys(OPERATOR_FLAGS), { booleans: quickFlagTable().boolean, lists: LIST_SETTINGS });
  try {
    return parseConfigured(cliArgv, env, cfg);
  } catch (e) {
    throw e instanceof ConfigError ? new ConfigError(settingOrigin(e.message, cfg), { cause: e.cause }) : e;
  }
}

function parseConfigured(cliArgv: string[], env: NodeJS.ProcessEnv, cfg: ConfiguredArgv): ParseResult {
  let failure: string | undefined;
  let output = '';
  const argv = cfg.argv;
  // A plain command line is read by yargs' tokenizer alone; yargs in full for anything else (quick-args.ts).
  const parsed = quickParse(argv, quickFlagTable()) ?? (parser(argv).fail((msg) => {
    failure = msg;
  }).parseSync(argv, {}, (_err, _argv, out) => {
    output = out;
  }) as Record<string, unknown>);
  if (failure) {
    const m = /^Unknown arguments?: (.*)$/.exec(failure);
    if (m) {
      const first = m[1]!.split(', ')[0]!.replace(/^-+/, '');
      if (first.length === 1) throw new ConfigError(unknownShortMessage(first));
      const hint = suggestFlag(first, KNOWN_FLAGS);
      throw new ConfigError(`unknown option '--${first}'${hint ? ` (did you mean --${hint}?)` : ''}`);
    }
    throw new ConfigError(invalidChoiceMessage(failure) ?? failure.replace(/\s*\n\s*/g, ' '));
  }
  if (output) {
    process.stdout.write(parsed.help ? renderHelp(output, EXAMPLES, EPILOGUE, helpWidth(process.stdout, env)) : output + '\n');
    return { kind: 'done' };
  }
  if (parsed.help || parsed.version) return { kind: 'done' };
  const positional = ((parsed._ as unknown[]) ?? []).filter((p) => p !== '-'); // a lone '-' is stdin
  if (positional.length > 0) throw new ConfigError(unexpectedArgumentMessage(cliArgv, positional, OPERATOR_FLAGS, freshStdoutFile()));
  const cutArrow = cutArrowMessage(cliArgv, OPERATOR_FLAGS, freshStdoutFile());
  if (cutArrow !== undefined) throw new ConfigError(cutArrow);

  const printLimit = single(parsed.print) === undefined ? undefined : parseCount(single(parsed.print), '--print', 0);
  const header = Boolean(single(parsed.header));
  const format = single(parsed.format) as OutputFormat | undefined;
  if (header && format !== 'tsv' && format !== 'csv') throw new ConfigError('--header adds a header row to tsv or csv: add --format tsv or --format csv');
  const maxLineBytes = parseByteSize(String(single(parsed['max-line-bytes'])), '--max-line-bytes');
  const watermarkText = String(single(parsed.watermark));
  const optDuration = (name: string) => {
    const v = single(parsed[name]);
    return v === undefined ? undefined : parseDuration(String(v), `--${name}`);
  };
  const year = single(parsed.year) === undefined ? undefined : parseCount(single(parsed.year), '--year', 0, 9999);
  const maxKeysText = single(parsed['max-keys']);
  const maxKeys = maxKeysText === undefined ? undefined : parseCount(maxKeysText, '--max-keys');
  const run: ParseResult = {
    kind: 'run',
    options: {
      batchIntervalMs: parseDuration(String(single(parsed.batch)), '--batch'),
      operators: operatorsOf(cliArgv),
      watermarkDelayMs: watermarkText === '0' ? 0 : parseDuration(watermarkText, '--watermark'),
      format,
      parse: single(parsed.parse) === undefined ? undefined : {
        format: String(single(parsed.parse)),
        delimiter: single(parsed.delimiter) as string | undefined,
        year,
      },
      color: single(parsed['no-color']) ? false : (single(parsed.color) as boolean | undefined),
      stats: Boolean(single(parsed.stats)),
      progressJson: single(parsed['progress-json']) as string | undefined,
      metricsPort: single(parsed['metrics-port']) === undefined ? undefined : parseCount(single(parsed['metrics-port']), '--metrics-port', 0, 65535),
      workers: workersOf(single(parsed.workers)),
      printLimit,
      header,
      maxLineBytes,
      onError: single(parsed['on-error']) as ErrorPolicy,
      deadLetter: single(parsed['dead-letter']) as string | undefined,
      late: single(parsed.late) as string | undefined,
      verbose: Boolean(single(parsed.verbose)),
      outputMode: single(parsed['output-mode']) as OutputMode | undefined,
      allowedLatenessMs: optDuration('allowed-lateness'),
      stateTimeoutMs: optDuration('state-timeout'),
      maxKeys,
      initialState: single(parsed['initial-state']) as string | undefined,
      timezone: single(parsed.timezone) as string | undefined,
      checkpoint: readCheckpointOptions(parsed),
      sources: readSourceOptions(parsed, (parsed._ as unknown[]) ?? []),
      distributed: readDistributedOptions(parsed),
    },
  };
  // --print-config after every check: it shows only settings a run would take.
  if (parsed['print-config']) {
    process.stdout.write(printConfig(Object.fromEntries(KNOWN_FLAGS.map((k) => [k, single(parsed[k])])), cfg.sources, KNOWN_FLAGS, COUNT_SETTINGS));
    return { kind: 'done' };
  }
  return run;
}
