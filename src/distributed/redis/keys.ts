/**
 * Where the Redis backend keeps everything, one hash slot per partition (the
 * `{…}` hash tag decides the slot). Topic, output and group names are
 * `A-Z a-z 0-9 . _ -` (log-url.ts), so the tags below never collide:
 *
 *     {T}       ds:{T}:meta ds:{T}:jobs                  the topic
 *               ds:{T}:job:G:meta ds:{T}:job:G:members   job G: settings, membership
 *     {T:P}     ds:{T:P}:in                              input partition P (stream)
 *               ds:{T:P}:job:G:s1 ds:{T:P}:job:G:lease   job G's stage-1 state and lease of P
 *               ds:{T:P}:job:G:out:NAME                  a stateless job's output rows of P (Cluster)
 *     {T:G:Q}   ds:{T:G:Q}:s2 :s2in :seen :lease         job G's key partition Q: state, messages,
 *               ds:{T:G:Q}:out:NAME                      last batch seq delivered per input partition, lease,
 *                                                        and the output rows of Q
 *     (own)     ds:outputs                               output NAME → `T:G`, NAME:job → `ds:{T}:job:G`
 *
 * So Redis Cluster spreads a topic's input, each job's stage-1 state, its
 * stage-2 streams and its output over the cluster; every Lua script touches
 * the keys of one slot (see scripts.ts and stage1-commit.ts for how a commit
 * that spans partitions stays exactly-once).
 */
import type { UnitId } from '../backend.js';

/** The keys of topic `topic`. */
export class TopicKeys {
  readonly meta: string;
  readonly jobs: string;
  constructor(readonly topic: string) {
    this.meta = `ds:{${topic}}:meta`;
    this.jobs = `ds:{${topic}}:jobs`;
  }
  /** Input partition `p` (stream). */
  input(p: number): string {
    return `ds:{${this.topic}:${p}}:in`;
  }
  job(group: string): JobKeys {
    return new JobKeys(this.topic, group);
  }
}

/** The keys of job `group` of topic `topic`. */
export class JobKeys {
  /** Prefix of the job's keys in the topic's slot, `ds:{T}:job:G` (also the job's name in `ds:outputs`). */
  readonly prefix: string;
  readonly meta: string;
  readonly members: string;
  /** `T:G`: with `:Q`, the hash tag of key partition Q. */
  readonly base: string;
  constructor(readonly topic: string, readonly group: string) {
    this.prefix = `ds:{${topic}}:job:${group}`;
    this.meta = `${this.prefix}:meta`;
    this.members = `${this.prefix}:members`;
    this.base = `${topic}:${group}`;
  }
  /** Stage-1 state (hash) of input partition `p`, in the partition's slot. */
  s1(p: number): string {
    return `ds:{${this.topic}:${p}}:job:${this.group}:s1`;
  }
  /** Key `what` of key partition `q` (`s2` state, `s2in` messages, `seen`, `lease`), in the key partition's slot. */
  kp(q: number, what: 's2' | 's2in' | 'seen' | 'lease'): string {
    return `ds:{${this.base}:${q}}:${what}`;
  }
  /** Output `name`'s rows from key partition `q`. */
  output(name: string, q: number): string {
    return outputKey(this.base, name, q);
  }
  /** The lease (hash: o owner, e epoch, x expiry) of unit `s1:P` or `s2:Q`, in the unit's slot. */
  lease(unit: UnitId): string {
    const n = Number(unit.slice(3));
    return unit.startsWith('s1:') ? `ds:{${this.topic}:${n}}:job:${this.group}:lease` : this.kp(n, 'lease');
  }
}

/** Output `name`'s rows from key partition `q` of the job whose `JobKeys.base` is `base`. */
export function outputKey(base: string, name: string, q: number): string {
  return `ds:{${base}:${q}}:out:${name}`;
}

/**
 * Output `name`'s rows from input partition `p` of a stateless job (no key partitions) whose
 * `JobKeys.base` is `base`. On a Redis Cluster they lie in the input partition's slot,
 * `ds:{T:P}:job:G:out:NAME`, so the stage-1 commit writes them with the partition's state and lease
 * in one script; on one server, where any script may touch any key, `outputKey(base, name, p)`.
 */
export function linesOutputKey(base: string, name: string, p: number, cluster: boolean): string {
  if (!cluster) return outputKey(base, name, p);
  const i = base.indexOf(':'); // `T:G`: topic and group names have no ':' (log-url.ts)
  return `ds:{${base.slice(0, i)}:${p}}:job:${base.slice(i + 1)}:out:${name}`;
}
