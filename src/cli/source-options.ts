/**
 * The source flags: stdin (`-`, `--stdin`, the default), `--connect`,
 * `--listen`, `--watch` and their settings, `--max-rate`, `--once`. Their
 * yargs definitions (`addSourceOptions`) and their validation
 * (`readSourceOptions`), which runs before anything is opened: every mistake
 * is a `ConfigError` (exit 2) naming the flag and the fix.
 */
import type { Argv } from 'yargs';
import { parseDuration } from '../core/duration.js';
import { parseCount } from '../core/count.js';
import { ConfigError } from '../core/errors.js';
import type { Millis } from '../core/types.js';
import { DEFAULT_LISTEN_HOST, parseHostPort, type HostPort } from '../sources/address.js';
import { parseAfterRead, type AfterRead } from '../sources/directory/after-read.js';
import { DEFAULT_SETTLE_MS } from '../sources/directory/settle.js';
import { DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_MAX_CONNECTIONS } from '../sources/socket-defaults.js';
import type { KafkaStart } from '../sources/kafka/options.js';

/** What to read. Durations in ms. */
export interface SourceCliOptions {
  /** Read stdin: asked for with `-`/`--stdin`, or no other source given. */
  stdin: boolean;
  connect: HostPort[];
  /** Consecutive failed reconnection attempts tolerated (`Infinity` by default). */
  connectRetries: number;
  listen: HostPort[];
  maxConnections: number;
  /** 0 = never. */
  idleTimeoutMs: Millis;
  watch: string[];
  pattern?: string;
  recursive: boolean;
  /** 0 = take files at once. */
  settleMs: Millis;
  newFilesOnly: boolean;
  maxFilesPerBatch?: number;
  /** `--max-records-per-batch N`: records per batch of bounded input (default all input in one batch) or of Kafka. */
  maxRecordsPerBatch?: number;
  afterRead: AfterRead;
  /** Records per second per source. */
  maxRate?: number;
  once: boolean;
  /** `--batch-marker TEXT`: a line equal to TEXT ends the batch; batches follow the input, not the clock. */
  batchMarker?: string;
  /** `--kafka BROKERS --topic NAME` and their settings. */
  kafka?: KafkaCliOptions;
}

/** The Kafka source flags (`--kafka`, `--topic`, `--kafka-record`, `--kafka-start`, `--group`). */
export interface KafkaCliOptions {
  brokers: string[];
  topics: string[];
  asRecord: boolean;
  start: KafkaStart;
  group?: string;
}

/** Every source flag, for "did you mean". */
export const SOURCE_FLAGS = ['stdin', 'connect', 'connect-retries', 'listen', 'max-connections', 'idle-timeout', 'watch', 'pattern',
  'recursive', 'settle', 'new-files-only', 'max-files-per-batch', 'after-read', 'max-rate', 'once', 'max-records-per-batch', 'batch-marker',
  'kafka', 'topic', 'kafka-record', 'kafka-start', 'group'] as const;

/** Adds the source flags to a yargs parser (no defaults here: a flag given without its source is an error). */
export function addSourceOptions<T>(y: Argv<T>): Argv<T> {
  const group = 'Sources (default: stdin; several are read as one stream):';
  return y
    .option('stdin', { type: 'boolean', describe: 'read stdin too (also: a lone -), alongside the sources below', group })
    .option('connect', { type: 'string', describe: 'HOST:PORT: read lines from a TCP server; reconnects with backoff (repeatable)', group })
    .option('connect-retries', { type: 'string', describe: 'N: fail (exit 1) after N consecutive failed reconnections (default: retry forever)', group })
    .option('listen', { type: 'string', describe: '[HOST:]PORT: accept TCP producers, one line stream each (host default 127.0.0.1; port 0: any)', group })
    .option('max-connections', { type: 'string', describe: `N: producers connected at once; more are refused and counted (default ${DEFAULT_MAX_CONNECTIONS})`, group })
    .option('idle-timeout', { type: 'string', describe: 'DURATION: with --listen, close a producer silent that long (default 5m; 0: never); with --from, declare an input partition idle after that long without input (default 60s; off: never)', group })
    .option('watch', { type: 'string', describe: 'DIR: read each complete file in DIR once (repeatable)', group })
    .option('pattern', { type: 'string', describe: 'GLOB: only files matching (e.g. \'*.log\'; default: all files)', group })
    .option('recursive', { type: 'boolean', describe: 'also watch subdirectories', group })
    .option('settle', { type: 'string', describe: 'DURATION a file must stay unchanged to be taken (default 1s; renamed-in files at once)', group })
    .option('new-files-only', { type: 'boolean', describe: 'skip the files already present at start', group })
    .option('max-files-per-batch', { type: 'string', describe: 'N: start at most N files per batch', group })
    .option('after-read', { type: 'string', describe: 'keep|delete|move:DIR: what to do with a file once its batch is output (default keep)', group })
    .option('max-rate', { type: 'string', describe: 'N: at most N records per second per source, and N × batch interval in each batch (reading pauses)', group })
    .option('once', { type: 'boolean', describe: 'read what is there now (stdin to EOF, files present, Kafka up to its end offsets), process it, exit 0', group })
    .option('max-records-per-batch', { type: 'string', describe: 'N: at most N records per batch: bounded input (stdin from a file, or --once; default one batch) or Kafka', group })
    .option('kafka', { type: 'string', describe: 'HOST:PORT[,HOST:PORT]: read the --topic(s) from these Kafka brokers, Spark\'s direct stream (repeatable)', group })
    .option('topic', { type: 'string', describe: 'NAME: a Kafka topic to read, every partition (repeatable)', group })
    .option('kafka-record', { type: 'boolean', describe: 'records are {topic, partition, offset, timestamp, key, value, headers} instead of the value', group })
    .option('kafka-start', { type: 'string', describe: 'earliest|latest|ISO-TIME: where a first run starts (default latest)', group })
    .option('group', { type: 'string', describe: 'ID: commit Kafka offsets to this consumer group after each batch (resume point without --checkpoint)', group })
    .option('batch-marker', { type: 'string', describe: 'TEXT: a line equal to TEXT ends the current batch and is not a record; batches then follow the markers, not the clock', group: 'Batches:' }) as Argv<T>;
}

function list(v: unknown): string[] {
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).map(String);
}

function last(v: unknown): string | undefined {
  const l = list(v);
  return l.length ? l[l.length - 1] : undefined;
}

function integer(flag: string, text: string | undefined, min: number): number | undefined {
  return text === undefined ? undefined : parseCount(text, `--${flag}`, min);
}

function durationOrZero(flag: string, text: string | undefined): Millis | undefined {
  if (text === undefined) return undefined;
  return /^0+(ms|s)?$/.test(text.trim()) ? 0 : parseDuration(text, `--${flag}`);
}

/**
 * Reads and checks the source flags.
 * @param parsed yargs' result.
 * @param positional the positional arguments; a lone `-` means stdin.
 * @throws ConfigError for a bad value, or a setting without its source (e.g. `--pattern` without `--watch`).
 */
export function readSourceOptions(parsed: Record<string, unknown>, positional: readonly unknown[]): SourceCliOptions {
  const connect = list(parsed.connect).map((t) => parseHostPort(t, '--connect'));
  const listen = list(parsed.listen).map((t) => parseHostPort(t, '--listen', { defaultHost: DEFAULT_LISTEN_HOST, allowZero: true }));
  const watch = list(parsed.watch);
  for (const w of watch) if (w === '') throw new ConfigError('--watch needs a directory');
  const needs = (flag: string, source: string, has: boolean) => {
    if (parsed[flag] !== undefined && !has) throw new ConfigError(`--${flag} needs ${source}`);
  };
  needs('connect-retries', '--connect HOST:PORT', connect.length > 0);
  // With --from (distributed mode) --idle-timeout is the input partitions' idle timeout (distributed-options.ts).
  const distributed = parsed.from !== undefined;
  for (const f of distributed ? ['max-connections'] : ['max-connections', 'idle-timeout']) needs(f, '--listen [HOST:]PORT', listen.length > 0);
  for (const f of ['pattern', 'recursive', 'settle', 'new-files-only', 'max-files-per-batch', 'after-read']) needs(f, '--watch DIR', watch.length > 0);

  const explicitStdin = Boolean(last(parsed.stdin) === 'true') || positional.includes('-');
  const once = last(parsed.once) === 'true';
  const newFilesOnly = last(parsed['new-files-only']) === 'true';
  const idleTimeoutMs = (distributed ? undefined : durationOrZero('idle-timeout', last(parsed['idle-timeout']))) ?? DEFAULT_IDLE_TIMEOUT_MS;
  if (once && newFilesOnly) throw new ConfigError('--new-files-only with --once would read no file: --once reads the files present now');
  if (once && listen.length > 0 && idleTimeoutMs === 0) {
    throw new ConfigError('--once with --listen ends after --idle-timeout without producers; give a non-zero --idle-timeout, e.g. 5s');
  }
  const kafka = readKafkaOptions(parsed, needs);
  const pattern = last(parsed.pattern);
  if (pattern === '') throw new ConfigError('--pattern needs a glob, e.g. \'*.log\'');
  return {
    stdin: explicitStdin || (connect.length === 0 && listen.length === 0 && watch.length === 0 && !kafka),
    connect,
    connectRetries: integer('connect-retries', last(parsed['connect-retries']), 0) ?? Infinity,
    listen,
    maxConnections: integer('max-connections', last(parsed['max-connections']), 1) ?? DEFAULT_MAX_CONNECTIONS,
    idleTimeoutMs,
    watch,
    pattern,
    recursive: last(parsed.recursive) === 'true',
    settleMs: durationOrZero('settle', last(parsed.settle)) ?? DEFAULT_SETTLE_MS,
    newFilesOnly,
    maxFilesPerBatch: integer('max-files-per-batch', last(parsed['max-files-per-batch']), 1),
    maxRecordsPerBatch: integer('max-records-per-batch', last(parsed['max-records-per-batch']), 1),
    afterRead: parseAfterRead(last(parsed['after-read']) ?? 'keep'),
    maxRate: integer('max-rate', last(parsed['max-rate']), 1),
    once,
    batchMarker: last(parsed['batch-marker']),
    kafka,
  };
}

function readKafkaOptions(parsed: Record<string, unknown>, needs: (flag: string, source: string, has: boolean) => void): KafkaCliOptions | undefined {
  const brokers = list(parsed.kafka).flatMap((b) => b.split(',')).map((b) => b.trim());
  const topics = list(parsed.topic);
  for (const f of ['topic', 'kafka-record', 'kafka-start', 'group']) needs(f, '--kafka BROKERS', brokers.length > 0);
  if (!brokers.length) return undefined;
  for (const b of brokers) parseHostPort(b, '--kafka');
  if (!topics.length) throw new ConfigError('--kafka needs --topic NAME (repeatable)');
  for (const t of topics) if (!/^[A-Za-z0-9._-]{1,249}$/.test(t)) throw new ConfigError(`--topic: '${t}' is not a Kafka topic name (letters, digits, '.', '_', '-')`);
  const startText = last(parsed['kafka-start']) ?? 'latest';
  let start: KafkaStart;
  if (startText === 'earliest' || startText === 'latest') start = startText;
  else {
    const ms = /^\d{4}-\d\d-\d\d/.test(startText) ? Date.parse(startText) : NaN;
    if (!Number.isFinite(ms)) throw new ConfigError(`--kafka-start: '${startText}' is not earliest, latest or an ISO 8601 time (e.g. 2026-01-31T12:00:00Z)`);
    start = { timeMs: ms };
  }
  const group = last(parsed.group);
  if (group === '') throw new ConfigError('--group needs a consumer group id');
  return { brokers, topics, asRecord: last(parsed['kafka-record']) === 'true', start, group };
}

/** `--batch-marker` without a value, or before one of dstream's flags (hints.ts too). */
export const BATCH_MARKER_MISSING = '--batch-marker needs a value (a marker line that is a flag\'s name is given with =: --batch-marker=--count)';

/**
 * `--batch-marker --` (a marker line that looks like a flag: `--`, `---`, `-x`) as `--batch-marker=--`: a
 * marker is the text of a line, but yargs reads `--` as the end of the options and `-x` as a flag, which
 * left `--batch-marker` without a value. A next word that names one of dstream's flags (`isFlag`: `--count`,
 * `-h`, `-V`) is a missing value (`BATCH_MARKER_MISSING`, which says how to give such a marker:
 * `--batch-marker=--count`), before `-V` or `-h` would print the version or the help and exit 0.
 * Nothing after a `--` that ends the options is looked at.
 * @returns `argv`, with each such pair as one word
 * @throws ConfigError (exit 2) when a flag of dstream follows `--batch-marker`.
 */
export function batchMarkerValues(argv: readonly string[], isFlag: (name: string) => boolean): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const w = argv[i]!, next = argv[i + 1];
    if (w === '--') return out.concat(argv.slice(i));
    if (w === '--batch-marker' && next !== undefined && next.startsWith('-') && next !== '-') {
      if (isFlag(next.replace(/^--?/, '').split('=')[0]!)) throw new ConfigError(BATCH_MARKER_MISSING);
      out.push(`--batch-marker=${next}`);
      i++;
    } else out.push(w);
  }
  return out;
}
