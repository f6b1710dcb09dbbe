/**
 * The flags of distributed mode (`--from redis://…/TOPIC?group=JOB`,
 * `--to`, `--key-partitions`, `--lease`; `--idle-timeout` is shared with
 * `--listen`) and their validation. What pipelines distributed mode runs is
 * decided in distributed/plan.ts.
 */
import type { Argv } from 'yargs';
import { parseDuration } from '../core/duration.js';
import { parseCount } from '../core/count.js';
import { ConfigError } from '../core/errors.js';
import type { Millis } from '../core/types.js';
import { isLogUrl, parseLogUrl, type LogUrl } from '../distributed/log-url.js';

/** Distributed-mode settings. Durations in ms. */
export interface DistributedCliOptions {
  from: LogUrl;
  to: LogUrl;
  /** `--key-partitions`; undefined: the job's (16 for a new job). */
  keyPartitions?: number;
  /** `--idle-timeout`: null = off; undefined = not given (off for a topic published from a file, else 60 s). */
  idleTimeoutMs?: Millis | null;
  leaseMs: Millis;
}

/** Default input partitions of a new topic (`dstream publish`). */
export const DEFAULT_INPUT_PARTITIONS = 16;
/** Default key partitions of a new job. */
export const DEFAULT_KEY_PARTITIONS = 16;
/** Default lease time (ms). */
export const DEFAULT_LEASE_MS = 10_000;
/** Default idle timeout of input partitions (ms) when the topic is not known to be bounded. */
export const DEFAULT_PARTITION_IDLE_MS = 60_000;

export const DISTRIBUTED_FLAGS = ['from', 'to', 'key-partitions', 'lease'] as const;

/** Adds the distributed-mode flags to a yargs parser. */
export function addDistributedOptions<T>(y: Argv<T>): Argv<T> {
  const group = 'Distributed mode (Redis Streams or Kafka; see man dstream):';
  return y
    .option('from', { type: 'string', describe: 'redis://HOST:PORT/TOPIC?group=JOB or kafka://BROKERS/TOPIC?group=JOB: run as one worker of JOB over the topic (written by dstream publish)', group })
    .option('to', { type: 'string', describe: 'redis://HOST:PORT/NAME or kafka://BROKERS/TOPIC: output of the job (read with dstream cat)', group })
    .option('key-partitions', { type: 'string', describe: 'N: key partitions of a new job (default 16; fixed at creation)', group })
    .option('lease', { type: 'string', describe: 'DURATION: lease time of a unit of work; a worker silent that long loses it (default 10s)', group }) as Argv<T>;
}

function last(v: unknown): string | undefined {
  return v === undefined ? undefined : String(Array.isArray(v) ? v[v.length - 1] : v);
}

/**
 * Reads the distributed-mode flags; undefined without `--from`.
 * @throws ConfigError (exit 2) for invalid values or a flag that needs `--from`.
 */
export function readDistributedOptions(parsed: Record<string, unknown>): DistributedCliOptions | undefined {
  const from = last(parsed.from);
  if (from === undefined) {
    for (const f of ['to', 'key-partitions', 'lease']) if (parsed[f] !== undefined) throw new ConfigError(`--${f} needs --from redis://HOST:PORT/TOPIC?group=JOB`);
    return undefined;
  }
  if (!isLogUrl(from)) throw new ConfigError(`--from: '${from}' is not a log URL (redis://HOST:PORT/TOPIC?group=JOB)`);
  const src = parseLogUrl(from, '--from', true);
  const toText = last(parsed.to);
  if (toText === undefined) throw new ConfigError(`--from needs --to redis://HOST:PORT/NAME: where the job's rows go (read them with dstream cat)`);
  const to = parseLogUrl(toText, '--to', false);
  if (to.host !== src.host || to.port !== src.port) throw new ConfigError('--to must be on the same redis server as --from (rows are committed atomically with offsets)');
  const kp = last(parsed['key-partitions']);
  const keyPartitions = kp === undefined ? undefined : parseCount(kp, '--key-partitions', 1, 1024);
  const idle = last(parsed['idle-timeout']);
  const idleTimeoutMs = idle === undefined ? undefined : idle === 'off' || idle === '0' ? null : parseDuration(idle, '--idle-timeout');
  const lease = last(parsed.lease);
  const leaseMs = lease === undefined ? DEFAULT_LEASE_MS : parseDuration(lease, '--lease');
  if (leaseMs < 100) throw new ConfigError('--lease must be at least 100ms');
  return { from: src, to, keyPartitions, idleTimeoutMs, leaseMs };
}
