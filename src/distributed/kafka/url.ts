/**
 * Kafka log URLs: `kafka://HOST[:PORT][,HOST[:PORT]…]/TOPIC[?group=JOB]`.
 * The hosts are the bootstrap brokers (port 9092 when left out); `?group=`
 * names the job (Kafka Streams' application.id): its consumer groups,
 * transactional ids and internal topics are named after it.
 */
import { ConfigError } from '../../core/errors.js';

/** A parsed Kafka log URL. */
export interface KafkaUrl {
  /** The URL as given (for messages). */
  text: string;
  /** Bootstrap brokers, `host:port`. */
  brokers: string[];
  /** Topic: the input of `--from`, the output of `--to` and `dstream cat`. */
  name: string;
  /** `?group=`: the job; absent in `--to` and `cat` URLs. */
  group?: string;
}

/** Topic and job names: Kafka's legal topic characters, at most 100 (internal topics add a suffix to the job). */
const NAME = /^[A-Za-z0-9._-]{1,100}$/;
const HOST = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/;

/** True when `s` is a `kafka://` URL. */
export function isKafkaUrl(s: string): boolean {
  return /^kafka:\/\//i.test(s);
}

/**
 * Parses a Kafka log URL.
 * @param flag the flag or command it came from, for messages.
 * @param needGroup true when the URL must carry `?group=JOB`.
 * @throws ConfigError (exit 2) for a bad broker list, a missing or invalid topic or group, or unknown parameters.
 */
export function parseKafkaUrl(s: string, flag: string, needGroup: boolean): KafkaUrl {
  const m = /^kafka:\/\/([^/?#]*)\/([^?#]*)(?:\?([^#]*))?$/i.exec(s);
  const shape = `kafka://HOST:PORT[,HOST:PORT]/TOPIC${needGroup ? '?group=JOB' : ''}`;
  if (!m) throw new ConfigError(`${flag}: '${s}' is not a Kafka URL (expected ${shape})`);
  const brokers = m[1]!.split(',').map((h) => h.trim());
  for (const h of brokers) {
    const hm = HOST.exec(h);
    if (!hm || (hm[2] !== undefined && !(Number(hm[2]) >= 1 && Number(hm[2]) <= 65535))) throw new ConfigError(`${flag}: '${h}' in '${s}' is not a broker address (HOST:PORT)`);
  }
  const name = decodeURIComponent(m[2]!);
  if (!NAME.test(name)) throw new ConfigError(`${flag}: '${s}' needs a topic name after the brokers: ${shape} (letters, digits, . _ -)`);
  const params = new URLSearchParams(m[3] ?? '');
  for (const k of params.keys()) if (k !== 'group') throw new ConfigError(`${flag}: unknown URL parameter '${k}' (only ?group=JOB)`);
  const group = params.get('group') ?? undefined;
  if (needGroup && group === undefined) throw new ConfigError(`${flag}: '${s}' needs a job name: ${s}?group=JOB`);
  if (!needGroup && group !== undefined) throw new ConfigError(`${flag}: '${s}' takes no ?group=`);
  if (group !== undefined && !NAME.test(group)) throw new ConfigError(`${flag}: group '${group}' must be 1–100 of letters, digits, . _ -`);
  return { text: s, brokers: brokers.map((h) => (HOST.exec(h)![2] === undefined ? `${h}:9092` : h)), name, group };
}

/** The generic log URL of a Kafka URL (host and port of the first broker). */
export function fromKafkaUrl(k: KafkaUrl): { text: string; scheme: 'kafka'; host: string; port: number; brokers: string[]; name: string; group?: string } {
  const first = k.brokers[0]!;
  const at = first.lastIndexOf(':');
  return { text: k.text, scheme: 'kafka', host: first.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(first.slice(at + 1)), brokers: k.brokers, name: k.name, group: k.group };
}

/** The Kafka URL of a generic log URL made by `fromKafkaUrl`. */
export function toKafkaUrl(u: { text: string; brokers?: string[]; name: string; group?: string }): KafkaUrl {
  return { text: u.text, brokers: u.brokers ?? [], name: u.name, group: u.group };
}
