/**
 * `dstream job status` and `dstream job reset` on Kafka jobs (through
 * `KafkaBackend.job`). `dstream cat` is the shared cat.ts over
 * `KafkaBackend.readOutput`.
 */
import { plural } from '../../core/plural.js';
import { setTimeout as delay } from 'node:timers/promises';
import { compareKeys } from '../../core/compare.js';
import { DStreamError } from '../../core/errors.js';
import type { OutputRow } from '../partials.js';
import type { JobStatus } from '../admin.js';
import { changelogPartition, readJob } from './job.js';
import { deadline, errorText, jobNames, type KafkaLog } from './log.js';
import type { Stage1Record, Stage2Record } from './units.js';

/** Orders rows as the local engine outputs them: by window, then by key (`[key, value]` records). */
export function compareRows(a: OutputRow, b: OutputRow): number {
  if (a.endMs !== b.endMs) return a.endMs - b.endMs;
  if (a.startMs !== b.startMs) return a.startMs - b.startMs;
  const ka = Array.isArray(a.record) ? a.record[0] : a.record;
  const kb = Array.isArray(b.record) ? b.record[0] : b.record;
  return compareKeys(ka, kb);
}

/** The state of a Kafka job, in the shape of the Redis one (`job status --json`). */
export async function kafkaJobStatus(log: KafkaLog, job: string): Promise<JobStatus> {
  const meta = await readJob(log, job);
  const names = jobNames(job);
  const status: JobStatus = { topic: log.url.name, group: job, exists: meta !== null, members: [], units: [], complete: false };
  if (!meta) return status;
  Object.assign(status, { inputPartitions: meta.inputPartitions, keyPartitions: meta.keyPartitions, output: meta.output });
  let groups = new Map();
  try {
    // A group in a rebalance has no assignment to show (every owner '-'): described again until it has settled, up to 5 s.
    for (let attempt = 0; attempt < 25; attempt++) {
      groups = await describeGroups(log, [names.stage1, names.stage2]);
      if (![...groups.values()].some((g) => /REBALANCE/.test(String((g as GroupInfo).state)))) break;
      await delay(200);
    }
  } catch (e) {
    status.membersUnknown = `the broker did not describe the job's groups: ${errorText(e).slice(0, 200)}`;
  }
  const owners = new Map<string, string>();
  const members = new Set<string>();
  // The client's describeGroups shape: members by member id, each with its client id (the worker's id,
  // kafka/member.ts) and its assignment by topic. A worker is a member of both stages' groups.
  for (const [gid, g] of groups as Map<string, { members: Map<string, { id: string; clientId: string; assignments?: Map<string, { partitions: number[] }> }> }>) {
    for (const m of g.members?.values() ?? []) {
      const id = m.clientId;
      members.add(id);
      for (const [, t] of m.assignments ?? []) for (const p of t.partitions) owners.set(`${gid === names.stage1 ? 's1' : 's2'}:${p}`, id);
    }
  }
  status.members = [...members].sort().map((id) => ({ id, expiresInMs: null }));
  const inputEnds = await log.endOffsets(meta.input);
  const c1 = await log.committed(names.stage1, meta.input, [...Array(meta.inputPartitions).keys()]);
  const stateless = meta.keyPartitions === 0; // no repartition topic, no stage 2
  const repEnds = stateless ? [] : await log.endOffsets(names.repartition);
  const c2 = stateless ? new Map<number, number>() : await log.committed(names.stage2, names.repartition, [...Array(meta.keyPartitions).keys()]);
  const tables = new Map<number, Map<string, string>>();
  for (let q = 0; q < Math.max(1, meta.keyPartitions); q++) tables.set(q, await log.table(names.changelog, q));
  let complete = true;
  for (let p = 0; p < meta.inputPartitions; p++) {
    const raw = tables.get(changelogPartition(meta, p))!.get(`s1:${p}`);
    const s = raw ? (JSON.parse(raw) as Stage1Record) : null;
    const end = meta.endOffsets ? meta.endOffsets[p]! : inputEnds[p]!;
    status.units.push({
      unit: `s1:${p}`, owner: owners.get(`s1:${p}`) ?? '', epoch: 0, expiresInMs: 0, lag: Math.max(0, end - (c1.get(p) ?? 0)),
      watermark: s?.eof ? 'end of input' : s?.max != null ? new Date(s.max).toISOString() : null, done: s?.eof ?? false, lines: s?.lines ?? 0, late: s?.late ?? 0,
    });
    complete &&= s?.eof ?? false;
  }
  for (let q = 0; q < meta.keyPartitions; q++) {
    const raw = tables.get(q)!.get(`s2:${q}`);
    const s = raw ? (JSON.parse(raw) as Stage2Record) : null;
    status.units.push({
      unit: `s2:${q}`, owner: owners.get(`s2:${q}`) ?? '', epoch: 0, expiresInMs: 0, lag: Math.max(0, (repEnds[q] ?? 0) - (c2.get(q) ?? 0)),
      watermark: s?.sealedMs != null ? new Date(s.sealedMs).toISOString() : null, done: s?.done ?? false, rows: s?.rows ?? 0, late: s?.late ?? 0,
    });
    complete &&= s?.done ?? false;
  }
  status.complete = complete && meta.endOffsets !== null;
  return status;
}

type GroupInfo = { members?: Map<string, { clientId: string }>; state?: string };

/**
 * The groups `ids` as the broker describes them, tried 3 times (a group coordinator may be moving or
 * loading); a group that does not exist comes back empty (state DEAD).
 * @throws the client's last error.
 */
async function describeGroups(log: KafkaLog, ids: string[]): Promise<Map<string, unknown>> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await deadline(log.admin.describeGroups({ groups: ids }), 'describing the groups') as Map<string, unknown>;
    } catch (e) {
      if (attempt >= 3) throw e;
      await delay(250 * attempt);
    }
  }
}

/**
 * The job's two consumer groups, as the broker describes them.
 * @throws DStreamError (exit 75) while workers are members of them.
 */
async function refuseWhileLive(log: KafkaLog, job: string): Promise<Map<string, GroupInfo>> {
  const names = jobNames(job);
  // Not described is not "no members": refuse rather than delete under live workers.
  const groups = await describeGroups(log, [names.stage1, names.stage2]).catch((e: unknown) => {
    throw new DStreamError('E_LOG', 'checkpoint', `job ${job}: the broker did not describe its consumer groups, so whether workers are live is unknown (${errorText(e).slice(0, 200)}); try again`);
  }) as Map<string, GroupInfo>;
  const live = new Set<string>(); // workers (client ids): each is a member of both stages' groups
  for (const g of groups.values()) for (const m of g.members?.values() ?? []) live.add(m.clientId);
  if (live.size > 0) throw new DStreamError('E_CHECKPOINT_IN_USE', 'checkpoint', `job ${job} has ${plural(live.size, 'live worker')}; stop them first (SIGTERM), then try again`);
  return groups;
}

/**
 * `dstream topic delete kafka://…/TOPIC`: deletes every job on `topic` (as `job reset`: internal
 * topics, output topic, groups), then the topic itself. Nothing is deleted while any of the jobs has
 * live workers.
 * @returns the topics and groups deleted (none: neither the topic nor a job on it existed).
 * @throws DStreamError (exit 75) while a job on the topic has live workers.
 */
export async function deleteKafkaTopic(log: KafkaLog, topic: string): Promise<string[]> {
  const jobs: string[] = [];
  for (const t of await deadline(log.admin.listTopics(), 'listing topics')) {
    const m = /^dstream-(.+)-meta$/.exec(t);
    if (m && (await readJob(log, m[1]!))?.input === topic) jobs.push(m[1]!);
  }
  for (const j of jobs) await refuseWhileLive(log, j);
  const gone: string[] = [];
  for (const j of jobs) gone.push(...(await resetKafkaJob(log, j)));
  gone.push(...(await log.deleteTopics([topic])));
  return gone;
}

/**
 * Deletes the job's internal topics, its output topic and its consumer groups (not its input).
 * @returns the names deleted.
 * @throws DStreamError (exit 75) while workers are members of the job's groups.
 */
export async function resetKafkaJob(log: KafkaLog, job: string): Promise<string[]> {
  const names = jobNames(job);
  const groups = await refuseWhileLive(log, job);
  const meta = await readJob(log, job);
  const gone = await log.deleteTopics([names.meta, names.repartition, names.changelog, ...(meta ? [meta.output] : [])]);
  const existing = [...groups].filter(([, g]) => g.state !== 'DEAD' && g.state !== undefined).map(([id]) => id);
  if (existing.length) {
    await log.admin.deleteGroups({ groups: existing }).catch(() => undefined);
    gone.push(...existing.map((g) => `group ${g}`));
  }
  return gone;
}
