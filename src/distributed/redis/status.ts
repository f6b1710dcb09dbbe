/**
 * `dstream job status` of a Redis job: members, leases, and each unit's progress and lag.
 */
import type { JobStatus } from '../backend.js';
import type { LogBackend } from '../log-backend.js';
import type { JobLog } from './job-log.js';

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

