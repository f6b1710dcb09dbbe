/**
 * State values ⇄ JSON for checkpoints. JSON keeps the files
 * human-inspectable; values JSON cannot hold are tagged objects:
 * `{"$set": [...]}`, `{"$map": [[k, v], ...]}`, `{"$global": 1}` (the key of
 * global aggregations), `{"$undef": 1}`, `{"$num": "NaN" | "Infinity" | "-Infinity"}`,
 * `{"$bigint": "123"}`, `{"$date": 1431820800000}` (a Date, its epoch ms; an invalid one `"NaN"`),
 * `{"$sketch": "HyperLogLog" | "TopK", "json": ...}`
 * (bloom-filters' own JSON export), and `{"$obj": {...}}` for a plain object
 * that has a key starting with `$`.
 *
 * Decoding never evaluates anything and never creates `__proto__`,
 * `constructor` or `prototype` keys (a file holding them is corrupt).
 */
import { createRequire } from 'node:module';
import { GLOBAL_KEY } from '../operators/keyed-map.js';

/** Thrown by `decodeState` and `parseJson` for malformed or hostile input. */
export class CorruptStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CorruptStateError';
  }
}

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

function sketches(): typeof import('bloom-filters') {
  return createRequire(import.meta.url)('bloom-filters') as typeof import('bloom-filters');
}

/**
 * Encodes a state value as JSON-compatible data (see module doc).
 * @throws Error `a state that holds itself (a cycle) …` for a value JSON cannot hold that way
 *   (V8's stack overflow, said plainly).
 */
export function encodeState(v: unknown): unknown {
  try {
    return encode(v);
  } catch (e) {
    if (e instanceof RangeError) throw new Error('a state that holds itself (a cycle), or is nested thousands deep, cannot be written as JSON (checkpoint, --output-mode update): keep plain data in state');
    throw e;
  }
}

function encode(v: unknown): unknown {
  if (v === undefined) return { $undef: 1 };
  if (v === GLOBAL_KEY) return { $global: 1 };
  if (typeof v === 'number') return Number.isFinite(v) ? v : { $num: String(v) };
  if (typeof v === 'bigint') return { $bigint: v.toString() };
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => encode(x));
  if (v instanceof Set) return { $set: [...v].map((x) => encode(x)) };
  if (v instanceof Map) return { $map: [...v].map(([k, x]) => [encode(k), encode(x)]) };
  if (v instanceof Date) {
    const ms = v.getTime();
    return { $date: Number.isFinite(ms) ? ms : 'NaN' };
  }
  const ctor = (v as object).constructor?.name;
  if (ctor === 'HyperLogLog' || ctor === 'TopK') return { $sketch: ctor, json: (v as { saveAsJSON(): unknown }).saveAsJSON() };
  const out: Record<string, unknown> = {};
  let tagged = false;
  for (const [k, x] of Object.entries(v)) {
    if (k.startsWith('$')) tagged = true;
    out[k] = encode(x);
  }
  return tagged ? { $obj: out } : out;
}

/**
 * Decodes data made by `encodeState`.
 * @throws CorruptStateError for unknown tags or forbidden keys.
 */
export function decodeState(d: unknown): unknown {
  if (d === null || typeof d !== 'object') return d;
  if (Array.isArray(d)) return d.map(decodeState);
  const o = d as Record<string, unknown>;
  const keys = Object.keys(o);
  for (const k of keys) if (FORBIDDEN.has(k)) throw new CorruptStateError(`forbidden key '${k}'`);
  if (keys.length >= 1 && keys[0]!.startsWith('$')) {
    if ('$undef' in o) return undefined;
    if ('$global' in o) return GLOBAL_KEY;
    if ('$num' in o) return Number(o.$num);
    if ('$bigint' in o && typeof o.$bigint === 'string' && /^-?\d+$/.test(o.$bigint)) return BigInt(o.$bigint);
    if ('$set' in o && Array.isArray(o.$set)) return new Set(o.$set.map(decodeState));
    if ('$date' in o && (typeof o.$date === 'number' || o.$date === 'NaN')) return new Date(o.$date === 'NaN' ? NaN : o.$date);
    if ('$map' in o && Array.isArray(o.$map)) {
      const m = new Map<unknown, unknown>();
      for (const e of o.$map) {
        if (!Array.isArray(e) || e.length !== 2) throw new CorruptStateError('bad $map entry');
        m.set(decodeState(e[0]), decodeState(e[1]));
      }
      return m;
    }
    if ('$sketch' in o) {
      const lib = sketches();
      try {
        if (o.$sketch === 'HyperLogLog') return lib.HyperLogLog.fromJSON(o.json as never);
        if (o.$sketch === 'TopK') return lib.TopK.fromJSON(o.json as never);
      } catch (e) {
        throw new CorruptStateError(`bad sketch: ${(e as Error).message}`);
      }
    }
    if ('$obj' in o && o.$obj !== null && typeof o.$obj === 'object') return decodePlain(o.$obj as Record<string, unknown>);
    throw new CorruptStateError(`unknown tag '${keys[0]}'`);
  }
  return decodePlain(o);
}

function decodePlain(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(o)) {
    if (FORBIDDEN.has(k)) throw new CorruptStateError(`forbidden key '${k}'`);
    out[k] = decodeState(x);
  }
  return out;
}

/**
 * `JSON.parse` that refuses `__proto__` / `constructor` / `prototype` keys.
 * @throws CorruptStateError for any malformed text.
 */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text, (k, v) => {
      if (FORBIDDEN.has(k)) throw new CorruptStateError(`forbidden key '${k}'`);
      return v;
    });
  } catch (e) {
    if (e instanceof CorruptStateError) throw e;
    throw new CorruptStateError(`not JSON: ${(e as Error).message}`);
  }
}
