/**
 * What a Kafka worker checks when it opens the units of a new assignment
 * (worker.ts `rebalance`): what the assignment changed (units kept, opened,
 * released, lost), and whether the changelog has caught up with the committed offsets.
 */

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
