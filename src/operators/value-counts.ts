/**
 * Counts by value (`--count-by-value` without a window), keys in first-seen order: the hot path of
 * a top-hashtags job, where one lookup per record among ~90,000 distinct keys misses the CPU caches.
 *
 * String keys go in an open-addressing table of `[hash, ref]` pairs in one `Int32Array` (linear
 * probing, FNV-1a over the UTF-16 code units, at most half full): a slot whose hash differs is
 * passed over without reading its key, and the next slots share its cache line. `ref` > 0: the key
 * is the string `keys[ref − 1]` (what `add` inserts). `ref` < 0: a hashtag counted by
 * `addHashtags`, kept as bytes in one growing arena at offset −1 − ref (`[length, entry as 4
 * bytes, lower-cased ASCII code units]`), so that a lookup reads the slot, the arena and the count,
 * three places, and compares the tag where it stands in the text, never making its string; the
 * string is made once, when `keys` is read (one latin1 decode of the new part of the arena).
 *
 * Measured on the 1.56 million hashtags (90,113 distinct) of the 100 MB tweets corpus
 * (bench/corpus.js), CPU time in one process, counted from 64 KiB decoded pieces on a loaded
 * machine: 320–340 ms with `add` of each `hashtags()` string (array of key strings, array of
 * counts), 160–180 ms with `addHashtags` and the arena (bench J1 in bench/RESULTS.md for the whole
 * job). `add` keeps strings: for keys seen once (1 M distinct lines) or long ones (whole access-log
 * lines), copying them into the arena and making the strings again cost 25–35 % more.
 *
 * Other keys (numbers, booleans, null, undefined) are kept in a `Map`, with its SameValueZero
 * (NaN is one key; −0 is the key 0, as a `Map` keeps it). Object keys arrive encoded as strings
 * (operators/keyed-map.ts `KeyCodec`).
 */
import { ASCII_TAG_LOWER, tagCharAt, tagEnd } from './hashtags.js';
import { flatCopy } from './keyed-map.js';

/** Initial number of slots (a power of two). */
const INITIAL_SLOTS = 1024;
/** Longest hashtag (in code units) kept in the arena: its length is one byte. */
const ARENA_KEY_UNITS = 255;
/** Bytes before a key's code units in the arena: its length, and its entry (little-endian). */
const ARENA_HEAD = 5;
/** The arena stops taking keys at this size (its offsets are int32s); later tags are kept as strings. */
const ARENA_MAX_BYTES = 1 << 30;
/** Largest part of the arena decoded as one string by `keys` (V8's longest string is 2^29 − 24 units). */
const WHOLE_ARENA_DECODE_BYTES = 256 * 1024 * 1024;

/** FNV-1a: the offset basis as an int32 (the empty string's hash), and the prime. */
const FNV_BASIS = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;
/** The hash of `#` alone: where a hashtag's hash starts. */
const FNV_HASH_SIGN = Math.imul(FNV_BASIS ^ 0x23, FNV_PRIME);

/** Keys and their counts, in first-seen order (see module doc). */
export class ValueCounts {
  /** `counts[i]` is the count of `keys[i]`. */
  readonly counts: number[] = [];
  /** The keys, in first-seen order; a hashtag in the arena is `undefined` here until `keys` is read. */
  private readonly list: unknown[] = [];
  /** Pairs `[hash, ref]` (see module doc); ref 0 marks an empty slot. */
  private slots = new Int32Array(2 * INITIAL_SLOTS);
  private mask = INITIAL_SLOTS - 1;
  /** Entries in the slots (string keys). */
  private stringKeys = 0;
  /** Hashtags counted by `addHashtags`, `used` bytes; those before `made` have their string in `list`. */
  private arena = new Uint8Array(0);
  private used = 0;
  private made = 0;
  /** Entries of keys that are not strings, by key. */
  private others: Map<unknown, number> | null = null;

  /**
   * @param copyKeys copy a long string key on insert (`flatCopy`), so that a key sliced from a
   *   line does not keep the line's whole decoded piece alive (long-lived counts).
   */
  constructor(private readonly copyKeys = false) {}

  /** Number of distinct keys. */
  get size(): number {
    return this.list.length;
  }

  /** The keys, in first-seen order (the strings of new arena hashtags are made here). */
  get keys(): unknown[] {
    if (this.made < this.used) this.makeArenaKeys();
    return this.list;
  }

  /**
   * The keys as kept, to pack them without making strings (engine/partial-codec.ts): `list[e]`, or
   * for a hashtag in the arena (`list[e]` undefined until `keys` is read) its lower-cased ASCII
   * bytes `bytes[from[e], to[e])`; `from[e]` is −1 for a key not in the arena.
   */
  keptKeys(): { list: readonly unknown[]; bytes: Uint8Array; from: Int32Array; to: Int32Array } {
    const [a, from, to] = [this.arena, new Int32Array(this.list.length).fill(-1), new Int32Array(this.list.length)];
    for (let o = 0; o < this.used; ) {
      const e = this.arenaEntry(o);
      from[e] = o + ARENA_HEAD;
      o = to[e] = o + ARENA_HEAD + a[o]!;
    }
    return { list: this.list, bytes: a, from, to };
  }

  /** Adds 1 to the count of `key`. */
  add(key: unknown): void {
    if (typeof key !== 'string') {
      this.addOther(key);
      return;
    }
    let h = FNV_BASIS; // an int32 from the start, as stored in the slots
    for (let c = 0; c < key.length; c++) h = Math.imul(h ^ key.charCodeAt(c), FNV_PRIME);
    const slots = this.slots;
    const mask = this.mask;
    let s = h & mask;
    for (let ref = slots[2 * s + 1]!; ref !== 0; ref = slots[2 * s + 1]!) {
      if (slots[2 * s] === h) {
        if (ref > 0) {
          if (this.list[ref - 1] === key) {
            this.counts[ref - 1]!++;
            return;
          }
        } else if (this.arenaHolds(-1 - ref, key)) {
          this.counts[this.arenaEntry(-1 - ref)]!++;
          return;
        }
      }
      s = (s + 1) & mask;
    }
    this.insert(s, h, this.list.length + 1);
    this.list.push(this.copyKeys ? flatCopy(key) : key);
  }

  /**
   * Adds 1 to the count of each hashtag of `text`: the same counts, keys and first-seen order as
   * `add` of each string of `hashtags(text)` (operators/hashtags.ts), in order. A tag of ASCII
   * characters (all of them in the bench corpus) is hashed and compared lower-cased where it stands
   * in `text`, and kept in the arena: no string is made for it, and its characters are read once.
   * A tag with a non-ASCII character, or longer than `ARENA_KEY_UNITS`, goes through `add` as a
   * lower-cased string. Property-tested against `hashtags` + `add` in
   * test/property/hashtag-count.property.test.ts.
   */
  addHashtags(text: string): void {
    const n = text.length;
    for (let i = text.indexOf('#'); i !== -1; ) {
      let h = FNV_HASH_SIGN;
      let j = i + 1;
      for (; j < n; j++) {
        const c = text.charCodeAt(j);
        if (c >= 128) {
          if (tagCharAt(text, j, c) !== 0) j = -1; // a non-ASCII tag character: `add` takes the tag
          break;
        }
        const l = ASCII_TAG_LOWER[c]!;
        if (l === 0) break;
        h = Math.imul(h ^ l, FNV_PRIME);
      }
      if (j === -1 || j - i > ARENA_KEY_UNITS) {
        const end = j === -1 ? tagEnd(text, i + 1) : j;
        this.add(text.slice(i, end).toLowerCase());
        i = text.indexOf('#', end);
      } else if (j > i + 1) {
        this.addAsciiTag(text, i, j, h);
        i = text.indexOf('#', j);
      } else {
        i = text.indexOf('#', i + 1);
      }
    }
  }

  /** Adds 1 to the count of `text.slice(start, end).toLowerCase()`, an ASCII tag with hash `h`, read where it stands. */
  private addAsciiTag(text: string, start: number, end: number, h: number): void {
    const slots = this.slots;
    const mask = this.mask;
    const length = end - start;
    let s = h & mask;
    for (let ref = slots[2 * s + 1]!; ref !== 0; ref = slots[2 * s + 1]!) {
      if (slots[2 * s] === h) {
        if (ref < 0) {
          if (this.arenaHoldsLowered(-1 - ref, text, start, length)) {
            this.counts[this.arenaEntry(-1 - ref)]!++;
            return;
          }
        } else {
          const key = this.list[ref - 1] as string; // slots hold string keys only
          if (key.length === length && sameAsLowered(key, text, start)) {
            this.counts[ref - 1]!++;
            return;
          }
        }
      }
      s = (s + 1) & mask;
    }
    if (this.used + ARENA_HEAD + length > ARENA_MAX_BYTES) {
      this.insert(s, h, this.list.length + 1);
      this.list.push(text.slice(start, end).toLowerCase());
      return;
    }
    const e = this.list.length;
    const off = this.reserve(ARENA_HEAD + length);
    const arena = this.arena;
    arena[off] = length;
    arena[off + 1] = e & 0xff;
    arena[off + 2] = (e >>> 8) & 0xff;
    arena[off + 3] = (e >>> 16) & 0xff;
    arena[off + 4] = e >>> 24;
    for (let k = 0; k < length; k++) arena[off + ARENA_HEAD + k] = lowerAscii(text.charCodeAt(start + k));
    this.insert(s, h, -1 - off);
    this.list.push(undefined);
  }

  /** The entry of the arena key at `off`. */
  private arenaEntry(off: number): number {
    const a = this.arena;
    return a[off + 1]! | (a[off + 2]! << 8) | (a[off + 3]! << 16) | (a[off + 4]! << 24);
  }

  /** Whether the arena key at `off` is `key`. */
  private arenaHolds(off: number, key: string): boolean {
    const arena = this.arena;
    if (arena[off] !== key.length) return false;
    for (let k = 0; k < key.length; k++) if (arena[off + ARENA_HEAD + k] !== key.charCodeAt(k)) return false;
    return true;
  }

  /** Whether the arena key at `off` is the ASCII `text[start .. start + length)` lower-cased. */
  private arenaHoldsLowered(off: number, text: string, start: number, length: number): boolean {
    const arena = this.arena;
    if (arena[off] !== length) return false;
    for (let k = 0; k < length; k++) if (arena[off + ARENA_HEAD + k] !== lowerAscii(text.charCodeAt(start + k))) return false;
    return true;
  }

  /** The offset of `length` free bytes at the end of the arena (grown by doubling). */
  private reserve(length: number): number {
    const off = this.used;
    if (off + length > this.arena.length) {
      const bigger = new Uint8Array(Math.max(2 * this.arena.length, off + length, 16 * 1024));
      bigger.set(this.arena.subarray(0, off));
      this.arena = bigger;
    }
    this.used = off + length;
    return off;
  }

  /** Makes the strings of the arena keys added since the last call (into `list`). */
  private makeArenaKeys(): void {
    const bytes = Buffer.from(this.arena.buffer, this.arena.byteOffset + this.made, this.used - this.made);
    const text = bytes.length <= WHOLE_ARENA_DECODE_BYTES ? bytes.toString('latin1') : null;
    for (let o = 0; o < bytes.length; ) {
      const length = bytes[o]!;
      const start = o + ARENA_HEAD;
      this.list[this.arenaEntry(this.made + o)] = text !== null ? text.slice(start, start + length) : bytes.toString('latin1', start, start + length);
      o = start + length;
    }
    this.made = this.used;
  }

  /** Puts `ref` (hash `h`) in the empty slot `s`, with a new count of 1. */
  private insert(s: number, h: number, ref: number): void {
    this.counts.push(1);
    this.slots[2 * s] = h;
    this.slots[2 * s + 1] = ref;
    if (2 * ++this.stringKeys > this.mask) this.grow();
  }

  private addOther(key: unknown): void {
    const others = (this.others ??= new Map());
    const e = others.get(key);
    if (e !== undefined) {
      this.counts[e]!++;
      return;
    }
    others.set(key, this.list.length);
    this.list.push(key === 0 ? 0 : key); // −0 is the key 0, as in a Map
    this.counts.push(1);
  }

  /** Doubles the slots (keeps the table at most half full). */
  private grow(): void {
    const old = this.slots;
    const size = 2 * (this.mask + 1);
    const mask = size - 1;
    const slots = new Int32Array(2 * size);
    for (let i = 0; i < old.length; i += 2) {
      const ref = old[i + 1]!;
      if (ref === 0) continue;
      let s = old[i]! & mask;
      while (slots[2 * s + 1] !== 0) s = (s + 1) & mask;
      slots[2 * s] = old[i]!;
      slots[2 * s + 1] = ref;
    }
    this.slots = slots;
    this.mask = mask;
  }
}

/** An ASCII code unit lower-cased. */
function lowerAscii(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

/** Whether `key` equals the ASCII text at `text[start ..]` of its length, lower-cased. */
function sameAsLowered(key: string, text: string, start: number): boolean {
  for (let k = 0; k < key.length; k++) if (key.charCodeAt(k) !== lowerAscii(text.charCodeAt(start + k))) return false;
  return true;
}
