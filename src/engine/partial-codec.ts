/**
 * Partials of a `--workers` thread as packed buffers (one `ArrayBuffer` per key partition, moved
 * between threads by transfer, not by structured clone): the thread's (key → partial) table, keys
 * strings and partials numbers, cut into `n` partitions by a hash of the key, so that partition `i`
 * of every thread can be merged by one thread (engine/workers-merge.ts) while the others merge theirs.
 *
 * Layout of one chunk (all little-endian, offsets in bytes, `count` entries):
 *
 *   0                 Uint32 count, Uint32 key encoding (0 latin1, 1 UTF-16LE), Uint32 key bytes, Uint32 0
 *   16                Float64 partial[count]
 *   16 + 8·count      Float64 rank[count]      first-seen order (see below)
 *   16 + 16·count     Uint32  keyLength[count] UTF-16 code units
 *   16 + 20·count     the keys, concatenated: one byte per code unit when every code unit is below
 *                     256 (latin1), else two (UTF-16LE, which keeps lone surrogates as they are)
 *
 * A rank orders keys as one thread would have first seen them: in a thread's chunk, the key's place
 * in the thread's first-seen order; in a merged chunk, `segment order · 2^32 + that place`
 * (`RANK_STRIDE`). Entries are stored in rank order.
 */

/** Ranks of the n-th segment in file order start at n · `RANK_STRIDE` (a segment has < 2^32 keys). */
export const RANK_STRIDE = 2 ** 32;

const HEADER_BYTES = 16;

/** A decoded chunk: three parallel arrays in rank order. */
export interface Chunk {
  keys: string[];
  values: number[];
  ranks: number[];
}

/**
 * The partition (0 … n − 1) of a key: FNV-1a over its UTF-16 code units. The same in every thread.
 * @param n number of partitions, ≥ 1
 */
export function partitionOf(key: string, n: number): number {
  if (n === 1) return 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return (h >>> 0) % n;
}

/**
 * Whether a thread's partials can be packed: every key a string, every partial a number.
 * @param keys, values parallel arrays
 */
export function packable(keys: readonly unknown[], values: readonly unknown[]): keys is string[] {
  for (let i = 0; i < keys.length; i++) if (typeof keys[i] !== 'string' || typeof values[i] !== 'number') return false;
  return true;
}

/** Encodes entries (already in rank order) as one chunk (see module doc). */
export function encodeChunk(keys: readonly string[], values: readonly number[], ranks: readonly number[]): ArrayBuffer {
  const count = keys.length;
  const text = keys.join('');
  // One byte per code unit when every code unit fits (the common case: ASCII keys).
  const latin1 = !/[^\u0000-\u00ff]/.test(text);
  const keyBytes = latin1 ? text.length : 2 * text.length;
  const buffer = new ArrayBuffer(HEADER_BYTES + 20 * count + keyBytes);
  const head = new Uint32Array(buffer, 0, 4);
  head[0] = count;
  head[1] = latin1 ? 0 : 1;
  head[2] = keyBytes;
  const v = new Float64Array(buffer, HEADER_BYTES, count);
  const r = new Float64Array(buffer, HEADER_BYTES + 8 * count, count);
  const lengths = new Uint32Array(buffer, HEADER_BYTES + 16 * count, count);
  for (let i = 0; i < count; i++) {
    v[i] = values[i]!;
    r[i] = ranks[i]!;
    lengths[i] = keys[i]!.length;
  }
  if (keyBytes > 0) Buffer.from(buffer, HEADER_BYTES + 20 * count, keyBytes).write(text, 0, keyBytes, latin1 ? 'latin1' : 'utf16le');
  return buffer;
}

/**
 * Decodes a chunk (see module doc).
 * @param rankBase added to every rank (a segment's place in file order · `RANK_STRIDE`)
 */
export function decodeChunk(buffer: ArrayBuffer, rankBase = 0): Chunk {
  const head = new Uint32Array(buffer, 0, 4);
  const count = head[0]!;
  const keyBytes = head[2]!;
  const v = new Float64Array(buffer, HEADER_BYTES, count);
  const r = new Float64Array(buffer, HEADER_BYTES + 8 * count, count);
  const lengths = new Uint32Array(buffer, HEADER_BYTES + 16 * count, count);
  const text = keyBytes === 0 ? '' : Buffer.from(buffer, HEADER_BYTES + 20 * count, keyBytes).toString(head[1] === 0 ? 'latin1' : 'utf16le');
  const keys = new Array<string>(count);
  const values = new Array<number>(count);
  const ranks = new Array<number>(count);
  let at = 0;
  for (let i = 0; i < count; i++) {
    const end = at + lengths[i]!;
    keys[i] = text.slice(at, end);
    values[i] = v[i]!;
    ranks[i] = r[i]! + rankBase;
    at = end;
  }
  return { keys, values, ranks };
}

/**
 * A thread's partials (first-seen order) as `n` chunks, one per partition (`partitionOf`); the
 * rank of an entry is its place in `keys`.
 */
export function encodePartitions(keys: readonly string[], values: readonly number[], n: number): ArrayBuffer[] {
  const parts = Array.from({ length: n }, () => ({ keys: [] as string[], values: [] as number[], ranks: [] as number[] }));
  for (let i = 0; i < keys.length; i++) {
    const p = parts[partitionOf(keys[i]!, n)]!;
    p.keys.push(keys[i]!);
    p.values.push(values[i]!);
    p.ranks.push(i);
  }
  return parts.map((p) => encodeChunk(p.keys, p.values, p.ranks));
}

/** The inverse of `encodePartitions`: the thread's keys and partials in first-seen order. */
export function decodePartitions(chunks: readonly ArrayBuffer[]): [keys: string[], values: number[]] {
  const decoded = chunks.map((c) => decodeChunk(c));
  const total = decoded.reduce((a, c) => a + c.keys.length, 0);
  const keys = new Array<string>(total);
  const values = new Array<number>(total);
  for (const c of decoded) {
    for (let i = 0; i < c.keys.length; i++) {
      keys[c.ranks[i]!] = c.keys[i]!;
      values[c.ranks[i]!] = c.values[i]!;
    }
  }
  return [keys, values];
}
