/**
 * Looking after jobs: `dstream job status`, `dstream job reset`, `dstream topic delete`.
 */
import type { JobStatus } from './backend.js';
import type { JobLog, LogBackend } from './log-backend.js';
import { describe as describeUnit } from './worker.js';

export type { JobStatus } from './backend.js';

function iso(ms: number): string | null {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : ms === Infinity ? 'end of input' : null;
}

/** Reads the state of job `log` of topic `backend`. */
export async function jobStatus(backend: LogBackend, log: JobLog, watermarkDelayMs = 0): Promise<JobStatus> {
  const group = log.group;
  const meta = await log.meta();
  const { leases, members, nowMs } = await log.leases();
  const status: JobStatus = {
    topic: backend.topic, group, exists: meta !== null, members: Object.entries(members).filter(([, x]) => x >= nowMs).sort().map(([id, x]) => ({ id, expiresInMs: x - nowMs })),
    units: [], complete: false,
  };
  if (!meta) return status;
  Object.assign(status, { inputPartitions: meta.inputPartitions, keyPartitions: meta.keyPartitions, output: meta.output });
  const lease = new Map(leases.map((l) => [l.unit, l]));
  let complete = true;
  for (let p = 0; p < meta.inputPartitions; p++) {
    const s = await log.stage1State(p);
    const l = lease.get(`s1:${p}`);
    const added = await backend.inputAdded(p);
    const missed = meta.missedEntries?.[p] ?? 0;
    status.units.push({
      unit: `s1:${p}`, owner: l && l.expiresMs > nowMs ? l.owner : '', epoch: l?.epoch ?? 0, expiresInMs: l && l.owner ? l.expiresMs - nowMs : 0,
      lag: Math.max(0, added - missed - s.entries), ...(missed > 0 && { missed }), watermark: s.eof ? 'end of input' : iso(s.maxEventTimeMs - watermarkDelayMs), done: s.eof, lines: s.lines, late: s.late,
    });
    complete &&= s.eof;
  }
  for (let q = 0; q < meta.keyPartitions; q++) {
    const s = await log.stage2State(q);
    const l = lease.get(`s2:${q}`);
    const waiting = await log.stage2Lag(q, s.offset, 10_000);
    status.units.push({
      unit: `s2:${q}`, owner: l && l.expiresMs > nowMs ? l.owner : '', epoch: l?.epoch ?? 0, expiresInMs: l && l.owner ? l.expiresMs - nowMs : 0,
      lag: waiting, watermark: iso(s.sealedMs), done: s.done, rows: s.rows, late: s.late,
    });
    complete &&= s.done;
  }
  status.complete = complete;
  return status;
}

/** `job status` as text. */
export function formatStatus(s: JobStatus): string {
  if (!s.exists) return `job ${s.group} on topic ${s.topic}: does not exist\n`;
  let out = `job ${s.group} on topic ${s.topic}: ${s.inputPartitions} input partitions, ${s.keyPartitions} key partitions, output ${s.output}${s.complete ? ', complete' : ''}\n`;
  if (s.membersUnknown !== undefined) out += `members: unknown (${s.membersUnknown})\n`;
  else out += `members (${s.members.length}):\n`;
  for (const m of s.members) {
    out += `  ${m.id}  (${m.expiresInMs === null ? "a member of the job's consumer groups" : `membership expires in ${Math.max(0, m.expiresInMs)} ms without a heartbeat`})\n`;
  }
  out += 'unit              owner                         epoch  lag      watermark / closed up to    done\n';
  for (const u of s.units) {
    out += `${describeUnit(u.unit).padEnd(17)} ${(u.owner || '-').padEnd(29)} ${String(u.epoch).padStart(5)}  ${String(u.lag).padEnd(8)} ${String(u.watermark ?? '-').padEnd(27)} ${u.done ? 'yes' : 'no'}\n`;
  }
  const missed = s.units.reduce((n, u) => n + (u.missed ?? 0), 0);
  if (missed > 0) out += `missed: ${missed} input entries, trimmed by retention before the job was created; its answer leaves them out\n`;
  return out;
}
