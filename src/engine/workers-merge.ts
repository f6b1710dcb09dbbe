/**
 * The merge side of `--workers` (engine/workers-source.ts): the threads' issues and counts forwarded
 * to the job's `IssueLog` as if read by one thread, and the threads' partials merged per key — in
 * one map (`premerge`), or, when packed (engine/partial-codec.ts), one key partition at a time
 * (`mergePartition`, run by each thread for its own partition, or by the main thread for a thread that
 * has not claimed its own yet) and then put in first-seen order
 * (`inRankOrder`). A key keeps the place of its first record in the file, as in one thread.
 */
import type { IssueKind, IssueLog } from '../core/issues.js';
import { KeyCodec } from '../operators/keyed-map.js';
import { undefinedWarning } from '../operators/stateless.js';
import { allocChunk, chunkKeys, copyBytes, RANK_STRIDE, viewChunk, type ChunkView } from './partial-codec.js';
import type { WorkerResult } from './worker-task.js';

/**
 * What the main thread sends a thread whose partials are packed: its key partition of every part,
 * in file order (copies: the main thread keeps its own), and `claims`, an `Int32Array` with one
 * slot per key partition: whoever claims a partition first (`claimPartition`) merges it.
 */
export interface MergeRequest {
  chunks: ArrayBuffer[];
  claims: SharedArrayBuffer;
}

/**
 * Claims key partition `p` in `claims` (see `MergeRequest`) and wakes a thread waiting on its slot.
 * @returns true for the first caller only: it merges the partition; later callers leave it.
 */
export function claimPartition(claims: Int32Array, p: number): boolean {
  const first = Atomics.compareExchange(claims, p, 0, 1) === 0;
  if (first) Atomics.notify(claims, p);
  return first;
}

/** A merged key partition: keys, partials and ranks (partial-codec.ts) in rank order. */
export interface Merged {
  keys: string[];
  values: ArrayLike<unknown>;
  ranks: ArrayLike<number>;
}

/**
 * The threads' issues reach `issues`' listeners as if read by one thread, numbered from the start
 * of the file (hints look at record numbers); the counts include those not sent; a function that
 * returned undefined for every record of the file is warned about over all threads.
 * @param results every part's result, in file order
 */
export function forwardThreadIssues(results: readonly WorkerResult[], issues: IssueLog): void {
  for (const r of results) {
    const counts = { ...issues.counts };
    const byOperator = new Map(issues.byOperator);
    const first = issues.recordsSeen;
    for (const i of r.issues) issues.forward({ ...i, rawSeq: i.rawSeq === undefined ? undefined : first + i.rawSeq });
    for (const [k, v] of Object.entries(r.counts)) issues.counts[k as IssueKind] = counts[k as IssueKind] + v;
    for (const [w, v] of r.byOperator) issues.byOperator.set(w, (byOperator.get(w) ?? 0) + v);
    issues.countRecords(r.records);
    // As if the operators had run here, so that a job in which every record failed exits 1 (IssueLog.blocked).
    for (const p of r.passed) issues.trackOperator(p.where, p.name, () => p.passed);
  }
  const steps = new Map<string, { passed: number; undef: number; undefKey: number }>();
  for (const r of results) {
    for (const c of r.steps) {
      const t = steps.get(c.name) ?? { passed: 0, undef: 0, undefKey: 0 };
      steps.set(c.name, { passed: t.passed + c.passed, undef: t.undef + c.undef, undefKey: t.undefKey + c.undefKey });
    }
  }
  for (const [name, t] of steps) {
    const warning = undefinedWarning(t.passed, t.undef, t.undefKey);
    if (warning !== undefined) issues.warn(name, warning);
  }
  // The threads' aggregations' warnings (a key that came as a Set and as an array), once per operator however many threads
  // gave one; the stateless steps' are decided above, over every thread's counts.
  const said = new Set<string>(steps.keys());
  for (const r of results) {
    for (const [where, message] of r.warnings ?? []) {
      if (said.has(where)) continue;
      said.add(where);
      issues.warn(where, message);
    }
  }
}

/**
 * The threads' partials (unpacked, `WorkerResult.partials`) merged per key, keys in first-seen order
 * (parts in file order). Keys group as in the one-thread reduce (operators/keyed-map.ts: `Map`
 * keys, objects by their JSON text, the first object seen kept).
 * @param results in file order
 * @returns `[key, partial]` pairs, each key once
 */
export function premerge(results: readonly WorkerResult[], combine: (a: unknown, b: unknown) => unknown): [unknown, unknown][] {
  const codec = new KeyCodec();
  const at = new Map<unknown, number>();
  const out: [unknown, unknown][] = [];
  for (const r of results) {
    for (const [, keys, values] of r.partials) {
      for (let i = 0; i < keys.length; i++) {
        const k = codec.encode(keys[i]);
        const j = at.get(k);
        if (j === undefined) {
          at.set(k, out.length);
          out.push([keys[i], values[i]]);
        } else {
          out[j]![1] = combine(out[j]![1], values[i]);
        }
      }
    }
  }
  return out;
}

/**
 * Merges one key partition of every part: `chunks[s]` is part `s`'s chunk (parts in file order),
 * whose ranks become `s · RANK_STRIDE + rank`. Keys are compared as bytes, in an open-addressing
 * table over their hashes (no string is made). The first chunk's keys are distinct: they are copied
 * whole, without comparisons (this runs once per job, mostly before V8 has optimised it).
 * @returns a packed chunk, or the arrays when a merged partial is not a number (a sum grown to a BigInt)
 */
export function mergePartition(chunks: readonly ArrayBuffer[], combine: (a: unknown, b: unknown) => unknown): ArrayBuffer | Merged {
  const views = chunks.map(viewChunk);
  let total = 0;
  let totalBytes = 0;
  for (const v of views) [total, totalBytes] = [total + v.count, totalBytes + v.bytes.length];
  let size = 16;
  while (size < 2 * total) size *= 2;
  const t: MergeTable = { out: allocChunk(total, totalBytes, 0).view, starts: new Uint32Array(total), table: new Int32Array(size), mask: size - 1, n: 0, byte: 0, units: 0 };
  if (views.length > 0) seedTable(t, views[0]!);
  for (let s = 1; s < views.length; s++) if (!mergeIntoTable(t, views[s]!, s, combine)) return mergeByString(views, combine);
  // The merged entries, `n` of `total`, into a chunk of their size.
  const { out, n, byte } = t;
  const { buffer, view } = allocChunk(n, byte, t.units);
  view.values.set(out.values.subarray(0, n));
  view.ranks.set(out.ranks.subarray(0, n));
  view.hashes.set(out.hashes.subarray(0, n));
  view.ends.set(out.ends.subarray(0, n));
  view.units.set(out.units.subarray(0, n));
  view.bytes.set(out.bytes.subarray(0, byte));
  return buffer;
}

/**
 * `mergePartition`'s state: the entries so far (`out`, the first `n`, `byte` key bytes, `units`
 * code units), each entry's first key byte (`starts`), and an open-addressing table of entry
 * number + 1 (0 for empty) over the hashes. Each pass over a chunk is its own function: V8
 * optimises a loop while it runs (on-stack replacement) and would throw that code away at the next
 * loop of the same function, which has not run yet (measured: a deopt per loop, ×1.5 the time).
 */
interface MergeTable {
  out: ChunkView;
  starts: Uint32Array;
  table: Int32Array;
  mask: number;
  n: number;
  byte: number;
  units: number;
}

/** The first chunk's entries (distinct keys) into an empty `t`, whole, without comparisons. */
function seedTable(t: MergeTable, v: ChunkView): void {
  const { out, starts, table, mask } = t;
  out.values.set(v.values);
  out.ranks.set(v.ranks);
  out.hashes.set(v.hashes);
  out.ends.set(v.ends);
  out.units.set(v.units);
  out.bytes.set(v.bytes);
  let units = 0;
  for (let i = 0; i < v.count; i++) {
    starts[i] = i === 0 ? 0 : v.ends[i - 1]!;
    units += v.units[i]!;
    let slot = v.hashes[i]! & mask;
    while (table[slot] !== 0) slot = (slot + 1) & mask;
    table[slot] = i + 1;
  }
  [t.n, t.byte, t.units] = [v.count, v.bytes.length, units];
}

/**
 * Chunk `v` of part `s` into `t`: a key already there has its partial combined, a new one is
 * appended with rank `s · RANK_STRIDE + rank`.
 * @returns false when a combined partial is not a number (the caller merges by strings instead)
 */
function mergeIntoTable(t: MergeTable, v: ChunkView, s: number, combine: (a: unknown, b: unknown) => unknown): boolean {
  const { out, starts, table, mask } = t;
  let { n, byte, units } = t;
  for (let i = 0, from = 0; i < v.count; from = v.ends[i++]!) {
    const h = v.hashes[i]!;
    const to = v.ends[i]!;
    let slot = h & mask;
    let j = -1;
    for (let e = table[slot]!; e !== 0; e = table[(slot = (slot + 1) & mask)]!) {
      if (out.hashes[e - 1] === h && sameBytes(out.bytes, starts[e - 1]!, out.ends[e - 1]!, v.bytes, from, to)) {
        j = e - 1;
        break;
      }
    }
    if (j >= 0) {
      const c = combine(out.values[j], v.values[i]);
      if (typeof c !== 'number') return false;
      out.values[j] = c;
      continue;
    }
    table[slot] = n + 1;
    out.values[n] = v.values[i]!;
    out.ranks[n] = s * RANK_STRIDE + v.ranks[i]!;
    out.hashes[n] = h;
    out.units[n] = v.units[i]!;
    units += v.units[i]!;
    starts[n] = byte;
    byte = copyBytes(v.bytes, from, to, out.bytes, byte);
    out.ends[n++] = byte;
  }
  [t.n, t.byte, t.units] = [n, byte, units];
  return true;
}

/** Whether `a[af, at)` and `b[bf, bt)` hold the same bytes. */
function sameBytes(a: Uint8Array, af: number, at: number, b: Uint8Array, bf: number, bt: number): boolean {
  if (at - af !== bt - bf) return false;
  for (let i = 0; i < at - af; i++) if (a[af + i] !== b[bf + i]) return false;
  return true;
}

/** `mergePartition` with a map of strings, for partials that do not all stay numbers. */
function mergeByString(views: readonly ChunkView[], combine: (a: unknown, b: unknown) => unknown): Merged {
  const at = new Map<string, number>();
  const keys: string[] = [];
  const values: unknown[] = [];
  const ranks: number[] = [];
  views.forEach((v, s) => {
    const ks = chunkKeys(v);
    for (let i = 0; i < v.count; i++) {
      const j = at.get(ks[i]!);
      if (j !== undefined) {
        values[j] = combine(values[j], v.values[i]);
        continue;
      }
      at.set(ks[i]!, keys.length);
      keys.push(ks[i]!);
      values.push(v.values[i]);
      ranks.push(s * RANK_STRIDE + v.ranks[i]!);
    }
  });
  return { keys, values, ranks };
}

/** A merged partition as arrays (decoding a packed one). */
export function mergedOf(m: ArrayBuffer | Merged): Merged {
  if (!(m instanceof ArrayBuffer)) return m;
  const v = viewChunk(m);
  return { keys: chunkKeys(v), values: v.values, ranks: v.ranks };
}

/**
 * Calls `push(key, partial)` for every entry of the merged partitions in rank order (first seen
 * in the file first). Each partition is already in rank order: a P-way merge.
 */
export function inRankOrder(parts: readonly Merged[], push: (key: string, value: unknown) => void): number {
  const next = parts.map(() => 0);
  let pushed = 0;
  for (;;) {
    let best = -1;
    let rank = Infinity;
    for (let p = 0; p < parts.length; p++) {
      const i = next[p]!;
      const ranks = parts[p]!.ranks;
      if (i < ranks.length && ranks[i]! < rank) {
        best = p;
        rank = ranks[i]!;
      }
    }
    if (best < 0) return pushed;
    const m = parts[best]!;
    const i = next[best]!++;
    push(m.keys[i]!, m.values[i]);
    pushed++;
  }
}
