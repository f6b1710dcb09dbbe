/**
 * What a Kafka worker checks when it opens the units of a new assignment
 * (worker.ts `rebalance`): whether the assignment changed, and whether the
 * changelog has caught up with the committed offsets.
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

/** True when `a` (sorted) holds the same partitions as `b` (any order). */
export function same(a: number[], b: number[]): boolean {
  if (a.length !== b.length) return false;
  const s = [...b].sort((x, y) => x - y);
  return a.every((x, i) => x === s[i]);
}
