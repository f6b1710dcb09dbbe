/**
 * Object keys of different kinds that group as one (operators/keyed-map.ts `KeyCodec` groups object keys by
 * the text output writes for them): a Set and an array of the same elements (`new Set(["x"])` and `["x"]`
 * are both `["x"]`), a Map and the array of its `[key, value]` entries, a class instance and a plain object
 * of the same fields. In Spark they would be two keys (a `Set` never equals a `Seq`); dstream cannot keep
 * them apart, since every output format writes them alike and reading the output back
 * (`--initial-state`) would join them anyway: they stay one key, and the first time a key meets one of
 * another kind it is said (`mixedKinds`).
 */

/** How a message names the kind of `x` (`a Set`, `an array`, `a Date`, `an object`). */
function kindName(x: object): string {
  if (Array.isArray(x)) return 'an array';
  const proto: unknown = Object.getPrototypeOf(x);
  if (proto === Object.prototype || proto === null) return 'an object';
  const name = (proto as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== '' ? `a ${name}` : 'an object of a class';
}

/**
 * How two object keys of one JSON text differ in kind, or undefined when they are alike: the top level,
 * then the elements or field values of arrays and plain objects (the common `[status, host]` costs two
 * `typeof`s). Inside a Set or a Map, what differs is not looked for.
 * @returns e.g. `came as a Set, then as an array` or `came holding an array, then a Map in its place`
 */
export function mixedKinds(first: object, other: object, depth = 0): string | undefined {
  if (Object.getPrototypeOf(first) !== Object.getPrototypeOf(other)) {
    return depth === 0
      ? `came as ${kindName(first)}, then as ${kindName(other)}`
      : `came holding ${kindName(first)}, then ${kindName(other)} in its place`;
  }
  if (depth > 32 || first instanceof Set || first instanceof Map) return undefined;
  const a = Array.isArray(first) ? first : Object.values(first);
  const b = Array.isArray(other) ? other : Object.values(other);
  for (let i = 0; i < a.length && i < b.length; i++) {
    const x: unknown = a[i], y: unknown = b[i];
    if (typeof x !== 'object' || x === null || typeof y !== 'object' || y === null || x === y) continue;
    const r = mixedKinds(x, y, depth + 1);
    if (r !== undefined) return r;
  }
  return undefined;
}

/** Whether an array or plain object holds an object among its elements or field values (then `mixedKinds` looks inside). */
export function holdsObjects(x: object): boolean {
  if (!Array.isArray(x) && Object.getPrototypeOf(x) !== Object.prototype) return false;
  for (const v of Array.isArray(x) ? x : Object.values(x)) if (typeof v === 'object' && v !== null) return true;
  return false;
}
