/**
 * Partials of a `--workers` thread as packed buffers (one `ArrayBuffer` per key partition, moved
 * between threads by transfer, not by structured clone): the thread's (key → partial) table, keys
 * strings and partials numbers, cut into `n` partitions by a hash of the key, so that partition `i`
 * of every thread can be merged by one thread (engine/workers-merge.ts) while the others merge theirs
 * — on the bytes, without making a string of any key.
 *
 * Layout of one chunk (platform byte order, offsets in bytes, `count` entries, `bytes` key bytes):
 *
 *   0                 Uint32 count, Uint32 bytes, Uint32 code units of all keys, Uint32 0
 *   16                Float64 partial[count]
 *   16 + 8·count      Float64 rank[count]      first-seen order (see below)
 *   16 + 16·count     Uint32  hash[count]      FNV-1a of the key's UTF-8 bytes
 *   16 + 20·count     Uint32  end[count]       where the key's bytes end
 *   16 + 24·count     Uint32  units[count]     the key's length in UTF-16 code units
 *   16 + 28·count     the keys' UTF-8 bytes, concatenated
 *
 * UTF-8 gives one byte sequence per key (so equal keys have equal bytes); a key that is not
 * well-formed UTF-16 (a lone surrogate) has none, so such partials are not packed (`packable`).
 * A rank orders keys as one thread would have first seen them: in a thread's chunk, the key's
 * place in the thread's first-seen order; in a merged chunk, `part order · 2^32 + that place`
 * (`RANK_STRIDE`). Entries are stored in rank order.
 */

/** Ranks of the n-th part in file order start at n · `RANK_STRIDE` (a part has < 2^32 keys). */
export const RANK_STRIDE = 2 ** 32;

const HEADER_BYTES = 16;
/** Bytes per entry before the key bytes: partial, rank, hash, end, units. */
const ENTRY_BYTES = 28;

/** A chunk's arrays, as views over its buffer. */
export interface ChunkView {
  count: number;
  values: Float64Array;
  ranks: Float64Array;
  hashes: Uint32Array;
  ends: Uint32Array;
  units: Uint32Array;
  bytes: Uint8Array;
}

/** Views over a chunk (see module doc). */
export function viewChunk(buffer: ArrayBuffer): ChunkView {
  const [count, bytes] = new Uint32Array(buffer, 0, 2) as unknown as [number, number];
  return {
    count,
    values: new Float64Array(buffer, HEADER_BYTES, count),
    ranks: new Float64Array(buffer, HEADER_BYTES + 8 * count, count),
    hashes: new Uint32Array(buffer, HEADER_BYTES + 16 * count, count),
    ends: new Uint32Array(buffer, HEADER_BYTES + 20 * count, count),
    units: new Uint32Array(buffer, HEADER_BYTES + 24 * count, count),
    bytes: new Uint8Array(buffer, HEADER_BYTES + ENTRY_BYTES * count, bytes),
  };
}

/** A new chunk of `count` entries and `bytes` key bytes (`units` code units), to be filled through its views. */
export function allocChunk(count: number, bytes: number, units: number): { buffer: ArrayBuffer; view: ChunkView } {
  const buffer = new ArrayBuffer(HEADER_BYTES + ENTRY_BYTES * count + bytes);
  const head = new Uint32Array(buffer, 0, 3);
  head[0] = count;
  head[1] = bytes;
  head[2] = units;
  return { buffer, view: viewChunk(buffer) };
}

/** FNV-1a (32 bits) of `bytes[from, to)`. */
export function hashBytes(bytes: Uint8Array, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h >>> 0;
}

/**
 * Whether a thread's partials can be packed: every key a string, every partial a number (and every
 * key well-formed UTF-16: see `encodePartitions`).
 * @param keys, values parallel arrays
 */
export function packable(keys: readonly unknown[], values: readonly unknown[]): keys is string[] {
  for (let i = 0; i < keys.length; i++) if (typeof keys[i] !== 'string' || typeof values[i] !== 'number') return false;
  return true;
}

/**
 * Keys given as bytes (operators/value-counts.ts `keptKeys`): key `i` is the ASCII `bytes[from[i],
 * to[i])` where `from[i]` ≥ 0, else the string `keys[i]`.
 */
export interface KeyBytes {
  bytes: Uint8Array;
  from: Int32Array;
  to: Int32Array;
}

/**
 * A thread's partials (first-seen order, `packable`) as `n` chunks, one per partition (the key's
 * hash modulo `n`); the rank of an entry is its place in `keys`. `undefined` when a key holds a
 * lone surrogate (it has no UTF-8 bytes of its own: such partials are not packed).
 * @param ascii keys given as bytes (their `keys[i]` is not read)
 */
export function encodePartitions(keys: readonly (string | undefined)[], values: readonly number[], n: number, ascii?: KeyBytes): ArrayBuffer[] | undefined {
  // Two passes, each its own function (see workers-merge.ts `MergeTable`: a loop optimised while it
  // runs is thrown away at the next loop of the same function).
  const sized = measureKeys(keys, n, ascii);
  return sized && fillChunks(keys, values, n, sized, ascii);
}

/** `encodePartitions`' first pass: each key's UTF-8 length, hash and partition, and each partition's sizes. */
interface SizedKeys {
  lengths: Uint32Array;
  hashes: Uint32Array;
  partition: Uint32Array;
  /** The UTF-8 bytes of each key that is not ASCII, by its index (an ASCII key is its char codes). */
  encoded: Map<number, Buffer>;
  sizes: Uint32Array;
  byteSizes: Float64Array;
  unitSizes: Float64Array;
}

/** Pass 1 of `encodePartitions`; `undefined` for a lone surrogate. */
function measureKeys(keys: readonly (string | undefined)[], n: number, ascii: KeyBytes | undefined): SizedKeys | undefined {
  const count = keys.length;
  const t: SizedKeys = {
    lengths: new Uint32Array(count), hashes: new Uint32Array(count), partition: new Uint32Array(count), encoded: new Map(),
    sizes: new Uint32Array(n), byteSizes: new Float64Array(n), unitSizes: new Float64Array(n),
  };
  const { lengths, hashes, partition, encoded, sizes, byteSizes, unitSizes } = t;
  for (let i = 0; i < count; i++) {
    const from = ascii ? ascii.from[i]! : -1;
    if (from >= 0) {
      const length = ascii!.to[i]! - from;
      const h = hashBytes(ascii!.bytes, from, from + length);
      const p = h % n;
      [lengths[i], hashes[i], partition[i]] = [length, h, p];
      sizes[p]!++;
      byteSizes[p]! += length;
      unitSizes[p]! += length;
      continue;
    }
    const k = keys[i]!;
    let h = 0x811c9dc5;
    let high = 0;
    for (let c = 0; c < k.length; c++) {
      const code = k.charCodeAt(c);
      high |= code;
      h = Math.imul(h ^ code, 0x01000193);
    }
    let length = k.length;
    if (high >= 0x80) {
      if (high >= 0xd800 && !(k as string & { isWellFormed(): boolean }).isWellFormed()) return undefined;
      const bytes = Buffer.from(k, 'utf8');
      encoded.set(i, bytes);
      h = hashBytes(bytes, 0, bytes.length);
      length = bytes.length;
    }
    const p = (h >>> 0) % n;
    lengths[i] = length;
    hashes[i] = h >>> 0;
    partition[i] = p;
    sizes[p]!++;
    byteSizes[p]! += length;
    unitSizes[p]! += k.length;
  }
  return t;
}

/** Pass 2 of `encodePartitions`: the entries into their partition's chunk, in first-seen order. */
function fillChunks(keys: readonly (string | undefined)[], values: readonly number[], n: number, t: SizedKeys, ascii: KeyBytes | undefined): ArrayBuffer[] {
  const { hashes, partition, encoded, sizes, byteSizes, unitSizes } = t;
  const views = Array.from(sizes, (c, p) => allocChunk(c, byteSizes[p]!, unitSizes[p]!));
  const entry = new Uint32Array(n);
  const byte = new Float64Array(n);
  for (let i = 0; i < keys.length; i++) {
    const p = partition[i]!;
    const v = views[p]!.view;
    const j = entry[p]!++;
    v.values[j] = values[i]!;
    v.ranks[j] = i;
    v.hashes[j] = hashes[i]!;
    let at = byte[p]!;
    const from = ascii ? ascii.from[i]! : -1;
    if (from >= 0) {
      v.units[j] = ascii!.to[i]! - from;
      at = copyBytes(ascii!.bytes, from, ascii!.to[i]!, v.bytes, at);
    } else {
      const k = keys[i]!;
      v.units[j] = k.length;
      const bytes = encoded.get(i);
      if (bytes) at = copyBytes(bytes, 0, bytes.length, v.bytes, at);
      else for (let c = 0; c < k.length; c++) v.bytes[at++] = k.charCodeAt(c);
    }
    byte[p] = at;
    v.ends[j] = at;
  }
  return views.map((c) => c.buffer);
}

/**
 * Copies `from[start, end)` into `to` at `at` (a loop: keys are short, and a `subarray` per key
 * costs more than the copy).
 * @returns the position after the copy in `to`
 */
export function copyBytes(from: Uint8Array, start: number, end: number, to: Uint8Array, at: number): number {
  for (let i = start; i < end; i++) to[at++] = from[i]!;
  return at;
}

/** The keys of a chunk as strings, in its order. */
export function chunkKeys(v: ChunkView): string[] {
  const keys = new Array<string>(v.count);
  const buf = Buffer.from(v.bytes.buffer, v.bytes.byteOffset, v.bytes.length);
  let units = 0;
  for (let i = 0; i < v.count; i++) units += v.units[i]!;
  if (units === v.bytes.length) {
    // ASCII only: one string, cut at the ends.
    const text = buf.toString('latin1');
    for (let i = 0, at = 0; i < v.count; i++) keys[i] = text.slice(at, (at = v.ends[i]!));
  } else {
    for (let i = 0, at = 0; i < v.count; i++) keys[i] = buf.toString('utf8', at, (at = v.ends[i]!));
  }
  return keys;
}

/** The inverse of `encodePartitions` (of its chunks): the thread's keys and partials in first-seen order. */
export function decodePartitions(chunks: readonly ArrayBuffer[]): [keys: string[], values: number[]] {
  const views = chunks.map(viewChunk);
  const total = views.reduce((a, v) => a + v.count, 0);
  const keys = new Array<string>(total);
  const values = new Array<number>(total);
  for (const v of views) {
    const ks = chunkKeys(v);
    for (let i = 0; i < v.count; i++) {
      keys[v.ranks[i]!] = ks[i]!;
      values[v.ranks[i]!] = v.values[i]!;
    }
  }
  return [keys, values];
}
