/**
 * Whether a `--workers` thread can pass a key or partial to the main thread as itself. Partials
 * cross threads by structured clone (postMessage), which keeps primitives, arrays, plain objects,
 * `Date`, `Map` and `Set`, but turns a class instance into a plain object (its prototype, and so
 * its `toJSON`, is lost), a `URL` into `{}`, a `Buffer` into a `Uint8Array`, and cannot clone a
 * function or a symbol. The main thread groups and prints keys by their JSON text (operators/
 * keyed-map.ts), so such a key would group and print differently from one thread: the thread
 * then answers `unclonable` and the file is read in one thread (engine/workers-source.ts).
 */

/** Types structured clone keeps as themselves (with their own kind of contents, checked below). */
const KEPT = new Set<unknown>([Object.prototype, null, Array.prototype, Date.prototype, Map.prototype, Set.prototype]);

/**
 * The type of what in `v` a structured clone would not keep as it is (`URL`, `function`, a class's
 * name), or undefined when the clone is `v` again. Visits each object once (cycles).
 */
export function unclonable(v: unknown, seen: Set<object> = new Set()): string | undefined {
  if (typeof v === 'function' || typeof v === 'symbol') return typeof v;
  if (v === null || typeof v !== 'object' || seen.has(v)) return undefined;
  seen.add(v);
  const proto: unknown = Object.getPrototypeOf(v);
  if (!KEPT.has(proto)) {
    const name = (v as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof name === 'string' && name !== '' ? name : 'a class without a name';
  }
  const parts: Iterable<unknown> = v instanceof Map ? [...v].flat() : v instanceof Set ? v : v instanceof Date ? [] : Object.values(v);
  for (const p of parts) {
    const why = unclonable(p, seen);
    if (why !== undefined) return why;
  }
  return undefined;
}

/**
 * The first key or partial of `columns` (`[paneIndex, keys, partials]`, engine/worker-task.ts) that
 * a clone would change (see `unclonable`), or undefined. Strings and numbers cost one type test.
 */
export function firstUnclonable(columns: readonly [number, readonly unknown[], readonly unknown[]][]): string | undefined {
  for (const [, keys, values] of columns) {
    for (const list of [keys, values]) {
      for (const x of list) {
        if (typeof x !== 'object' && typeof x !== 'function' && typeof x !== 'symbol') continue;
        const why = unclonable(x);
        if (why !== undefined) return why;
      }
    }
  }
  return undefined;
}
