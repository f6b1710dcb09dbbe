/**
 * Log URLs: `redis://[user:password@]HOST[:PORT]/TOPIC[?group=NAME]`, a Redis
 * Cluster as `redis+cluster://[user:password@]HOST:PORT[,HOST:PORT…]/TOPIC[?group=NAME]`
 * (seed nodes; the client discovers the others), or
 * `kafka://HOST:PORT[,HOST:PORT]/TOPIC[?group=NAME]` (kafka/url.ts).
 * A log URL in `--from` selects distributed mode; `?group=` names the job
 * (Kafka's application.id). Topic, output and group names are 1–100 of
 * `A-Z a-z 0-9 . _ -`.
 */
import { ConfigError } from '../core/errors.js';
import { fromKafkaUrl, isKafkaUrl, parseKafkaUrl } from './kafka/url.js';

/** A parsed log URL. */
export interface LogUrl {
  /** The URL as given (for messages). */
  text: string;
  scheme: 'redis' | 'kafka';
  /** `kafka://` only: the bootstrap brokers, `host:port` (host and port are the first one's). */
  brokers?: string[];
  host: string;
  port: number;
  username?: string;
  password?: string;
  /** `redis+cluster://` only: the seed nodes of the Redis Cluster (host and port are the first one's). */
  nodes?: { host: string; port: number }[];
  /** Stream name: an input topic, or an output stream of `--to` / `dstream cat`. */
  name: string;
  /** `?group=`: the job; absent in `--to`, `publish` and `cat` URLs. */
  group?: string;
}

const NAME = /^[A-Za-z0-9._-]{1,100}$/;

/** True when `s` looks like a log URL (so `--from` means distributed mode). */
export function isLogUrl(s: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(s);
}

/**
 * Parses a log URL.
 * @param flag the flag or command it came from, for messages.
 * @param needGroup true when the URL must carry `?group=NAME`.
 * @throws ConfigError (exit 2) for another scheme, a missing or invalid name or group, or unknown query parameters.
 */
export function parseLogUrl(s: string, flag: string, needGroup: boolean): LogUrl {
  if (isKafkaUrl(s)) return fromKafkaUrl(parseKafkaUrl(s, flag, needGroup));
  const cluster = /^redis\+cluster:\/\/(?:([^@/]*)@)?([^/?#]*)(.*)$/i.exec(s);
  if (cluster) {
    const [, auth, hosts = '', rest = ''] = cluster;
    const nodes = hosts.split(',').map((h) => {
      const m = /^(\[[^\]]+\]|[^:]+)(?::(\d{1,5}))?$/.exec(h);
      if (!m) throw new ConfigError(`${flag}: '${s}': '${h}' is not HOST:PORT (expected redis+cluster://HOST:PORT[,HOST:PORT…]/NAME)`);
      return { host: m[1]!.replace(/^\[|\]$/g, ''), port: m[2] ? Number(m[2]) : 6379 };
    });
    const one = parseLogUrl(`redis://${auth !== undefined ? `${auth}@` : ''}${hosts.split(',')[0]}${rest}`, flag, needGroup);
    return { ...one, text: s, nodes };
  }
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    throw new ConfigError(`${flag}: '${s}' is not a URL (expected redis://HOST:PORT/NAME${needGroup ? '?group=JOB' : ''})`);
  }
  if (u.protocol !== 'redis:') throw new ConfigError(`${flag}: '${u.protocol}//' logs are not supported (only redis://HOST:PORT/NAME, redis+cluster://HOST:PORT,…/NAME and kafka://HOST:PORT/NAME)`);
  const name = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (!NAME.test(name)) throw new ConfigError(`${flag}: '${s}' needs a stream name after the host: redis://HOST:PORT/NAME (letters, digits, . _ -)`);
  const group = u.searchParams.get('group') ?? undefined;
  for (const k of u.searchParams.keys()) {
    if (k !== 'group') throw new ConfigError(`${flag}: unknown URL parameter '${k}' (only ?group=JOB)`);
  }
  if (needGroup && group === undefined) throw new ConfigError(`${flag}: '${s}' needs a job name: ${s}?group=JOB`);
  if (!needGroup && group !== undefined) throw new ConfigError(`${flag}: '${s}' takes no ?group=`);
  if (group !== undefined && !NAME.test(group)) throw new ConfigError(`${flag}: group '${group}' must be 1–100 of letters, digits, . _ -`);
  const port = u.port ? Number(u.port) : 6379;
  return {
    text: s, scheme: 'redis', host: u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1', port,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    name, group,
  };
}
