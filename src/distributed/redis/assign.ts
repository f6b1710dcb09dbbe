/**
 * The Redis backend's group assignment: every member takes its fair share of
 * each stage's units through leases (Kafka's group coordinator does this
 * work for the Kafka backend). Live members sorted by id; member `rank` of
 * `m` holds `floor(units / m)`, plus one for the first `units mod m`.
 */
import type { UnitId } from '../backend.js';
import type { HeartbeatReply } from './types.js';
import type { Held } from './job-log.js';

/** The share of `units` units that member `rank` of `members` should hold (see module doc). */
export function fairShare(units: number, members: number, rank: number): number {
  if (members <= 0 || rank < 0) return 0;
  return Math.floor(units / members) + (rank < units % members ? 1 : 0);
}

/** What one stage needs: how many more units, and the free (or expired) ones to try, in order. */
export interface StageWants {
  need: number;
  free: UnitId[];
}

/**
 * One round of assignment from a heartbeat view: the surplus units to revoke
 * and, per stage, the units to try. Free units are listed from a
 * rank-dependent place, so new workers do not all race for the same unit.
 */
export function plan(view: HeartbeatReply, worker: string, held: Held[], counts: { s1: number; s2: number }): { revoke: UnitId[]; stages: StageWants[] } {
  const members = view.members.includes(worker) ? view.members : [...view.members, worker].sort();
  const rank = members.indexOf(worker);
  const byUnit = new Map(view.leases.map((l) => [l.unit, l]));
  const mine = new Set(held.map(([u]) => u));
  const revoke: UnitId[] = [];
  const stages: StageWants[] = [];
  for (const [stage, count] of [['s1', counts.s1], ['s2', counts.s2]] as const) {
    const target = fairShare(count, members.length, rank);
    const ours = [...mine].filter((u) => u.startsWith(`${stage}:`));
    if (ours.length > target) {
      revoke.push(...ours.slice(target));
      continue;
    }
    const free: UnitId[] = [];
    for (let i = 0; i < count; i++) {
      const unit = `${stage}:${(i + rank * Math.max(1, Math.floor(count / members.length))) % count}`;
      if (mine.has(unit)) continue;
      const l = byUnit.get(unit);
      if (l && l.owner !== '' && l.owner !== worker && l.expiresMs > view.nowMs) continue;
      free.push(unit);
    }
    stages.push({ need: target - ours.length, free });
  }
  return { revoke, stages };
}
