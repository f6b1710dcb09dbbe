/**
 * Looking after jobs: `dstream job status` as text (each backend's `JobAdmin.status` reads it:
 * redis/status.ts, kafka/admin.ts), and units as lines name them.
 */
import type { JobStatus, UnitId } from './backend.js';

export type { JobStatus } from './backend.js';

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
    out += `${describe(u.unit).padEnd(17)} ${(u.owner || '-').padEnd(29)} ${String(u.epoch).padStart(5)}  ${String(u.lag).padEnd(8)} ${String(u.watermark ?? '-').padEnd(27)} ${u.done ? 'yes' : 'no'}\n`;
  }
  const missed = s.units.reduce((n, u) => n + (u.missed ?? 0), 0);
  if (missed > 0) out += `missed: ${missed} input entries, trimmed by retention before the job was created; its answer leaves them out\n`;
  return out;
}

/** `s1:3` → `input partition 3`, `s2:5` → `key partition 5`. */
export function describe(unit: UnitId): string {
  const [stage, n] = unit.split(':');
  return `${stage === 's1' ? 'input' : 'key'} partition ${n}`;
}
