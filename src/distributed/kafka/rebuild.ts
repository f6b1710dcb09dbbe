/**
 * What a Kafka worker checks when it opens the units of a new assignment
 * (worker.ts `rebalance`): what the assignment changed (units kept, opened,
 * released, lost), and whether the changelog has caught up with the committed offsets.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Assignment } from '../log-backend.js';
import type { KafkaLog } from './log.js';

/**
 * The units whose changelog record is older than their committed offset: no record although an
 * offset was committed, or a record whose `pos` is below it (records without `pos`, from older
 * versions, are taken as they are).
 * @param records unit key → its changelog record (JSON), undefined when none.
 */
export function behindOffsets(units: { key: string; committed: number }[], records: Map<string, string | undefined>): string[] {
  return units.filter((u) => {
    const raw = records.get(u.key);
    if (raw === undefined) return u.committed > 0;
    const pos = (JSON.parse(raw) as { pos?: number }).pos;
    return pos !== undefined && pos < u.committed;
  }).map((u) => u.key);
}

/** What a rebalance changes for one stage (partitions ascending). */
export interface Reconciled {
  kept: number[];
  opened: number[];
  released: number[];
  lost: number[];
}

/**
 * Applies a group's view to the units held: null when nothing changed; else deletes from `units` the
 * released partitions (no longer assigned) and, when the member id changed since the units were
 * reconciled (`memberId`, null: never), every unit (lost: someone else may have owned them since).
 * A unit kept has been held without a gap: the assignor never gives a partition a member claims to
 * another member in the same generation.
 */
export function reconcile(v: { generation: number; memberId: string | null; partitions: number[] }, generation: number, memberId: string | null, units: Map<number, unknown>): Reconciled | null {
  const held = [...units.keys()].sort((x, y) => x - y);
  if (v.generation === generation && v.memberId === memberId && held.length === v.partitions.length && held.every((p, i) => p === v.partitions[i])) return null;
  const lost = memberId !== null && v.memberId !== memberId ? held : [];
  for (const p of lost) units.delete(p);
  const assigned = new Set(v.partitions);
  const released = [...units.keys()].filter((p) => !assigned.has(p)).sort((x, y) => x - y);
  for (const p of released) units.delete(p);
  return { kept: v.partitions.filter((p) => units.has(p)), opened: v.partitions.filter((p) => !units.has(p)), released, lost };
}

/**
 * One stage's reconciliation as the contract's `Assignment` (log-backend.ts): units `s1:P` (group `JOB`)
 * or `s2:Q` (group `JOB.stage2`); the partitions opened are granted at the group generation, which
 * fences their commits (kafka/commit.ts); released ones are revoked, lost ones lost.
 */
export function assignment(stage: 's1' | 's2', generation: number, d: Reconciled): Assignment {
  const unit = (p: number) => `${stage}:${p}`;
  return { lost: d.lost.map(unit), revoke: d.released.map(unit), granted: d.opened.map((p) => ({ unit: unit(p), epoch: generation })) };
}

/**
 * The changelog records of `units` (key `s1:P`/`s2:Q`, changelog partition `q`, committed offset) in
 * topic `changelog`. A record older than its committed offset (its `pos`) is read again after 50 ms:
 * the transaction's marker can reach the offsets (which `committed` waits for) before the changelog
 * partition, and state older than its offsets would apply or close again what was already output.
 * @returns unit key → its record (JSON), undefined when none.
 * @throws Error when the changelog has not caught up within 10 s (the worker retries the rebalance).
 */
export async function changelogStates(log: KafkaLog, changelog: string, units: { key: string; q: number; committed: number }[]): Promise<Map<string, string | undefined>> {
  for (let attempt = 0; ; attempt++) {
    const tables = new Map<number, Map<string, string>>();
    for (const q of new Set(units.map((u) => u.q))) tables.set(q, await log.table(changelog, q));
    const out = new Map(units.map((u) => [u.key, tables.get(u.q)!.get(u.key)]));
    const behind = behindOffsets(units, out);
    if (behind.length === 0) return out;
    if (attempt >= 200) throw new Error(`the changelog is behind the committed offsets of ${behind.join(', ')}`);
    await delay(50);
  }
}
