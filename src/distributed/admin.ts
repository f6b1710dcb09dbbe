/**
 * Reading results and looking after jobs: `dstream cat`, `dstream job status`,
 * `dstream job reset`.
 */
import { DStreamError } from '../core/errors.js';
import { delimitedRecord, frameHeader, jsonRecord, textRecord, type OutputFormat } from '../sinks/format.js';
import { resolveOutput, type RedisLog } from './redis-log.js';
import { unpackRows, type OutputRow } from './partials.js';
import { describe as describeUnit } from './worker.js';

/** One row in an output format (text: Spark's print frame per window). */
export function renderRow(row: OutputRow, format: OutputFormat, previous: OutputRow | null): string {
  const bounds = { startMs: row.startMs, endMs: row.endMs, eventTime: true };
  switch (format) {
    case 'json':
      return jsonRecord(row.record, row.endMs, bounds) + '\n';
    case 'tsv':
    case 'csv':
      return delimitedRecord(row.record, format, bounds) + '\n';
    default: {
      const head = previous && previous.startMs === row.startMs && previous.endMs === row.endMs ? '' : (previous ? '\n' : '') + frameHeader(row.endMs, bounds);
      return head + textRecord(row.record) + '\n';
    }
  }
}

/**
 * Writes every row of output stream `name` committed so far (with `follow`,
 * then waits for more until `stopped()`).
 * @throws DStreamError (exit 1) when no job writes to `name`.
 */
export async function catOutput(log: RedisLog, name: string, format: OutputFormat, write: (s: string) => boolean | Promise<void>, o: { follow: boolean; stopped: () => boolean }): Promise<number> {
  const key = await resolveOutput(log.redis, name);
  if (key === null) {
    throw new DStreamError('E_LOG', 'receiving', `no output stream '${name}' on ${log.url.host}:${log.url.port} (a job creates it: dstream --from URL?group=JOB ... --to ${log.url.text})`);
  }
  let after = '0-0';
  let previous: OutputRow | null = null;
  let rows = 0;
  for (;;) {
    const r = (await log.redis.xrange(key, `(${after}`, '+', 'COUNT', 100)) as [string, string[]][];
    for (const [id, fields] of r) {
      after = id;
      const pack = fields[fields.indexOf('r') + 1];
      if (pack === undefined) continue;
      let text = '';
      for (const row of unpackRows(pack)) {
        text += renderRow(row, format, previous);
        previous = row;
        rows++;
      }
      await write(text);
    }
    if (r.length === 100) continue;
    if (!o.follow || o.stopped()) return rows;
    await log.redis.xread('BLOCK', 1000, 'STREAMS', key, after);
    if (o.stopped()) return rows;
  }
}

/** The state of a job, as `dstream job status --json` prints it. */
export interface JobStatus {
  topic: string;
  group: string;
  exists: boolean;
  inputPartitions?: number;
  keyPartitions?: number;
  output?: string;
  members: { id: string; expiresInMs: number }[];
  units: {
    unit: string; owner: string; epoch: number; expiresInMs: number;
    /** Stage 1: entries not yet consumed; stage 2: messages waiting. */
    lag: number;
    /** Stage 1: the partition's watermark; stage 2: end of the last closed window (ISO 8601 or null). */
    watermark: string | null;
    done: boolean;
    lines?: number; late?: number; rows?: number;
  }[];
  complete: boolean;
}

function iso(ms: number): string | null {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : ms === Infinity ? 'end of input' : null;
}

/** Reads the state of the selected job. */
export async function jobStatus(log: RedisLog, group: string, watermarkDelayMs = 0): Promise<JobStatus> {
  const meta = await log.jobMeta();
  const { leases, members, nowMs } = await log.leases();
  const status: JobStatus = {
    topic: log.topic, group, exists: meta !== null, members: Object.entries(members).filter(([, x]) => x >= nowMs).sort().map(([id, x]) => ({ id, expiresInMs: x - nowMs })),
    units: [], complete: false,
  };
  if (!meta) return status;
  Object.assign(status, { inputPartitions: meta.inputPartitions, keyPartitions: meta.keyPartitions, output: meta.output });
  const lease = new Map(leases.map((l) => [l.unit, l]));
  let complete = true;
  for (let p = 0; p < meta.inputPartitions; p++) {
    const s = await log.stage1State(p);
    const l = lease.get(`s1:${p}`);
    const added = await log.inputAdded(p);
    status.units.push({
      unit: `s1:${p}`, owner: l && l.expiresMs > nowMs ? l.owner : '', epoch: l?.epoch ?? 0, expiresInMs: l && l.owner ? l.expiresMs - nowMs : 0,
      lag: Math.max(0, added - s.entries), watermark: s.eof ? 'end of input' : iso(s.maxEventTimeMs - watermarkDelayMs), done: s.eof, lines: s.lines, late: s.late,
    });
    complete &&= s.eof;
  }
  for (let q = 0; q < meta.keyPartitions; q++) {
    const s = await log.stage2State(q);
    const l = lease.get(`s2:${q}`);
    const waiting = s.offset === '0-0' ? await log.stage2Length(q) : await countAfter(log, q, s.offset);
    status.units.push({
      unit: `s2:${q}`, owner: l && l.expiresMs > nowMs ? l.owner : '', epoch: l?.epoch ?? 0, expiresInMs: l && l.owner ? l.expiresMs - nowMs : 0,
      lag: waiting, watermark: iso(s.sealedMs), done: s.done, rows: s.rows, late: s.late,
    });
    complete &&= s.done;
  }
  status.complete = complete;
  return status;
}

async function countAfter(log: RedisLog, q: number, offset: string): Promise<number> {
  const msgs = await log.readStage2(q, offset, 10_000);
  return msgs.length;
}

/** `job status` as text. */
export function formatStatus(s: JobStatus): string {
  if (!s.exists) return `job ${s.group} on topic ${s.topic}: does not exist\n`;
  let out = `job ${s.group} on topic ${s.topic}: ${s.inputPartitions} input partitions, ${s.keyPartitions} key partitions, output ${s.output}${s.complete ? ', complete' : ''}\n`;
  out += `members (${s.members.length}):\n`;
  for (const m of s.members) out += `  ${m.id}  (membership expires in ${Math.max(0, m.expiresInMs)} ms without a heartbeat)\n`;
  out += 'unit              owner                         epoch  lag      watermark / closed up to    done\n';
  for (const u of s.units) {
    out += `${describeUnit(u.unit).padEnd(17)} ${(u.owner || '-').padEnd(29)} ${String(u.epoch).padStart(5)}  ${String(u.lag).padEnd(8)} ${String(u.watermark ?? '-').padEnd(27)} ${u.done ? 'yes' : 'no'}\n`;
  }
  return out;
}

/**
 * Deletes every key of the selected job and its output stream.
 * @throws DStreamError (exit 75) while live workers are members of the job.
 */
export async function resetJob(log: RedisLog, group: string): Promise<number> {
  const meta = await log.jobMeta();
  const { members, nowMs } = await log.leases();
  const live = Object.values(members).filter((x) => x >= nowMs).length;
  if (live > 0) throw new DStreamError('E_CHECKPOINT_IN_USE', 'checkpoint', `job ${group} has ${live} live worker(s); stop them first (SIGTERM), then reset`);
  const keys = await log.jobKeys();
  if (!meta && keys.length === 0) return 0;
  if (meta) {
    keys.push(log.outputKey(meta.output));
    const reg = await log.redis.hget('ds:outputs', `${meta.output}:job`);
    if (reg === log.jobPrefix) await log.redis.hdel('ds:outputs', meta.output, `${meta.output}:job`);
  }
  for (let i = 0; i < keys.length; i += 500) await log.redis.del(...keys.slice(i, i + 500));
  return keys.length;
}

