/**
 * What a Kafka worker checks when it opens the units of a new assignment
 * (worker.ts `rebalance`): whether the assignment changed, and whether the
 * changelog has caught up with the committed offsets.
 */
import { setTimeout as delay } from 'node:timers/promises';
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

/** True when `a` (sorted) holds the same partitions as `b` (any order). */
export function same(a: number[], b: number[]): boolean {
  if (a.length !== b.length) return false;
  const s = [...b].sort((x, y) => x - y);
  return a.every((x, i) => x === s[i]);
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
