/**
 * Counts by value (`--count-by-value` without a window), keys in first-seen order: the hot path of
 * a top-hashtags job, where one lookup per record among ~90,000 distinct keys misses the CPU caches.
 *
 * String keys go in an open-addressing table (linear probing, FNV-1a over the UTF-16 code units,
 * at most half full) of `[hash, entry + 1, key offset, key length]` in one `Int32Array`. A key whose
 * code units are all below 256 (latin1: ASCII and most of Western Europe) is kept as bytes in one
 * growing arena, and a lookup compares it there: a hit reads the slot, the arena and the count,
 * three places, where a `Map` or an array of key strings also reads the string object (and a
 * `Map` the key string of every entry in a bucket's chain). The key strings are made once, when
 * `keys` is read (one latin1 decode of the arena, sliced). A key with a wider code unit is kept as
 * its string (offset −1 − its index in `wide`).
 *
 * Measured on the 1.56 million hashtags (90,113 distinct) of the 100 MB tweets corpus
 * (bench/corpus.js), CPU time in one process, counted by `addHashtags` from 64 KiB decoded pieces
 * on a loaded machine: 320–340 ms with an array of key strings and an array of counts, 160–180 ms
 * with the arena (bench J1 in bench/RESULTS.md for the whole job).
 *
 * Other keys (numbers, booleans, null, undefined) are kept in a `Map`, with its SameValueZero
 * (NaN is one key; −0 is the key 0, as a `Map` keeps it). Object keys arrive encoded as strings
 * (operators/keyed-map.ts `KeyCodec`).
 */
import { ASCII_TAG_LOWER, tagCharAt, tagEnd } from './hashtags.js';

/** Initial number of slots (a power of two). */
const INITIAL_SLOTS = 1024;
/** Int32s per slot: hash, entry + 1 (0: empty), key offset in the arena (< 0: −1 − index in `wide`), key length. */
const SLOT = 4;

/** Largest arena decoded as one string by `keys`. */
const WHOLE_ARENA_DECODE_BYTES = 256 * 1024 * 1024;

/** FNV-1a: the offset basis as an int32 (the empty string's hash), and the prime. */
const FNV_BASIS = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;
/** The hash of `#` alone: where a hashtag's hash starts. */
const FNV_HASH_SIGN = Math.imul(FNV_BASIS ^ 0x23, FNV_PRIME);

/** Keys and their counts, in first-seen order (see module doc). */
export class ValueCounts {
  /** Pairs `[hash, entry + 1, offset, length]` (see `SLOT`). */
  private slots = new Int32Array(SLOT * INITIAL_SLOTS);
  private mask = INITIAL_SLOTS - 1;
  /** The latin1 keys' code units, one byte each, in first-seen order; `used` bytes are taken. */
  private arena = new Uint8Array(16 * 1024);
  private used = 0;
  /** String keys with a code unit ≥ 256. */
  private readonly wide: string[] = [];
  /** `tally[e]` is the count of entry `e`. */
  private tally = new Float64Array(1024);
  private entries = 0;
  /** Entries of keys that are not strings, by key. */
  private others: Map<unknown, number> | null = null;
  /** `keys` as last made (null: to be made again). */
  private keyCache: unknown[] | null = null;

  /**
   * @param _copyKeys kept for callers: keys are always fresh strings, made from the arena, so a
   *   key never keeps a line's decoded text alive.
   */
  constructor(_copyKeys = false) {}

  /** Number of distinct keys. */
  get size(): number {
    return this.entries;
  }

  /** The keys, in first-seen order (made when first read after an `add`). */
  get keys(): unknown[] {
    if (this.keyCache !== null) return this.keyCache;
    const keys: unknown[] = new Array(this.entries);
    const bytes = Buffer.from(this.arena.buffer, this.arena.byteOffset, this.used);
    // One string for the whole arena when it is well below V8's longest string (2^29 − 24 units), else one per key.
    const text = this.used <= WHOLE_ARENA_DECODE_BYTES ? bytes.toString('latin1') : null;
    const slots = this.slots;
    for (let i = 0; i < slots.length; i += SLOT) {
      const e = slots[i + 1]!;
      if (e === 0) continue;
      const off = slots[i + 2]!;
      const end = off + slots[i + 3]!;
      keys[e - 1] = off < 0 ? this.wide[-1 - off] : text !== null ? text.slice(off, end) : bytes.toString('latin1', off, end);
    }
    if (this.others) for (const [k, e] of this.others) keys[e] = k === 0 ? 0 : k; // −0 is the key 0, as in a Map
    return (this.keyCache = keys);
  }

  /** `counts[i]` is the count of `keys[i]` (a fresh array). */
  get counts(): number[] {
    return Array.from(this.tally.subarray(0, this.entries));
  }

  /** Adds 1 to the count of `key`. */
  add(key: unknown): void {
    if (typeof key !== 'string') {
      this.addOther(key);
      return;
    }
    let h = FNV_BASIS; // an int32 from the start, as stored in the slots
    let widest = 0;
    for (let c = 0; c < key.length; c++) {
      const u = key.charCodeAt(c);
      widest |= u;
      h = Math.imul(h ^ u, FNV_PRIME);
    }
    const slots = this.slots;
    const mask = this.mask;
    let s = h & mask;
    for (let e = slots[SLOT * s + 1]!; e !== 0; e = slots[SLOT * s + 1]!) {
      const at = SLOT * s;
      if (slots[at] === h && slots[at + 3] === key.length) {
        const off = slots[at + 2]!;
        if (off >= 0 ? widest < 256 && this.arenaHolds(off, key) : this.wide[-1 - off] === key) {
          this.tally[e - 1]++;
          return;
        }
      }
      s = (s + 1) & mask;
    }
    if (widest < 256) {
      const off = this.reserve(key.length);
      for (let c = 0; c < key.length; c++) this.arena[off + c] = key.charCodeAt(c);
      this.insert(s, h, off, key.length);
    } else {
      this.wide.push(key);
      this.insert(s, h, -this.wide.length, key.length);
    }
  }

  /**
   * Adds 1 to the count of each hashtag of `text`: the same counts, keys and first-seen order as
   * `add` of each string of `hashtags(text)` (operators/hashtags.ts), in order. A tag of ASCII
   * characters (all of them in the bench corpus) is hashed and compared lower-cased where it stands
   * in `text`: no string is made for it, and its characters are read once. A tag with a non-ASCII
   * character goes through `add` as a lower-cased string. Property-tested against `hashtags` +
   * `add` in test/property/hashtag-count.property.test.ts.
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
      if (j === -1) {
        const end = tagEnd(text, i + 1);
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
    for (let e = slots[SLOT * s + 1]!; e !== 0; e = slots[SLOT * s + 1]!) {
      const at = SLOT * s;
      if (slots[at] === h && slots[at + 3] === length && slots[at + 2]! >= 0 && this.arenaHoldsLowered(slots[at + 2]!, text, start, length)) {
        this.tally[e - 1]++;
        return;
      }
      s = (s + 1) & mask;
    }
    const off = this.reserve(length);
    const arena = this.arena;
    for (let k = 0; k < length; k++) {
      const c = text.charCodeAt(start + k);
      arena[off + k] = c >= 65 && c <= 90 ? c + 32 : c;
    }
    this.insert(s, h, off, length);
  }

  /** Whether the arena at `off` holds `key` (latin1, same length). */
  private arenaHolds(off: number, key: string): boolean {
    const arena = this.arena;
    for (let k = 0; k < key.length; k++) if (arena[off + k] !== key.charCodeAt(k)) return false;
    return true;
  }

  /** Whether the arena at `off` holds the ASCII `text[start .. start + length)` lower-cased. */
  private arenaHoldsLowered(off: number, text: string, start: number, length: number): boolean {
    const arena = this.arena;
    for (let k = 0; k < length; k++) {
      const c = text.charCodeAt(start + k);
      if (arena[off + k] !== (c >= 65 && c <= 90 ? c + 32 : c)) return false;
    }
    return true;
  }

  /** The offset of `length` free bytes at the end of the arena (grown by doubling). */
  private reserve(length: number): number {
    const off = this.used;
    if (off + length > this.arena.length) {
      const bigger = new Uint8Array(Math.max(2 * this.arena.length, off + length));
      bigger.set(this.arena.subarray(0, off));
      this.arena = bigger;
    }
    this.used = off + length;
    return off;
  }

  /** Takes the next entry with the count 1 for a new string key (hash `h`, `off`, `length`) in the empty slot `s`. */
  private insert(s: number, h: number, off: number, length: number): void {
    const e = this.newEntry();
    const at = SLOT * s;
    this.slots[at] = h;
    this.slots[at + 1] = e + 1;
    this.slots[at + 2] = off;
    this.slots[at + 3] = length;
    if (2 * this.stringEntries() > this.mask) this.grow();
  }

  /** Number of entries held in the slots. */
  private stringEntries(): number {
    return this.entries - (this.others?.size ?? 0);
  }

  /** The index of a new entry, counted 1. */
  private newEntry(): number {
    const e = this.entries++;
    if (e === this.tally.length) {
      const bigger = new Float64Array(2 * e);
      bigger.set(this.tally);
      this.tally = bigger;
    }
    this.tally[e] = 1;
    this.keyCache = null;
    return e;
  }

  private addOther(key: unknown): void {
    const others = (this.others ??= new Map());
    const e = others.get(key);
    if (e !== undefined) {
      this.tally[e]++;
      return;
    }
    others.set(key, this.newEntry());
  }

  /** Doubles the slots (keeps the table at most half full). */
  private grow(): void {
    const old = this.slots;
    const size = 2 * (this.mask + 1);
    const mask = size - 1;
    const slots = new Int32Array(SLOT * size);
    for (let i = 0; i < old.length; i += SLOT) {
      if (old[i + 1] === 0) continue;
      let s = old[i]! & mask;
      while (slots[SLOT * s + 1] !== 0) s = (s + 1) & mask;
      slots.set(old.subarray(i, i + SLOT), SLOT * s);
    }
    this.slots = slots;
    this.mask = mask;
  }
}
