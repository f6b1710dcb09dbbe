/**
 * Total orders used for deterministic output (`--top` ranking and tie-breaks).
 * Numbers and BigInts compare numerically (exactly, also with each other; NaN before every
 * number, a number before the BigInt of the same value);
 * every other value compares by its text (`String(x)`; an object its JSON as output writes it,
 * a Set or Map as its elements' or entries' array: `stringifyCollections`; code-unit order), so keys
 * grouped as one (operators/keyed-map.ts `KeyCodec`) sort alike whichever was seen first; a
 * number sorts before a non-number.
 */
import { stringifyCollections } from './json.js';

/** Ascending comparison of two keys (see module doc). */
export function compareKeys(a: unknown, b: unknown): number {
  const na = typeof a === 'number' || typeof a === 'bigint';
  const nb = typeof b === 'number' || typeof b === 'bigint';
  if (na && nb) {
    if ((a as number) < (b as number)) return -1;
    if ((a as number) > (b as number)) return 1;
    // Equal or NaN: NaN first, then a number before the BigInt of its value (`10` before `10n`), so that the
    // order is total and rows merged from several key partitions (distributed/cat.ts) sort as one run's.
    const nanA = a !== a, nanB = b !== b;
    if (nanA || nanB) return nanA === nanB ? 0 : nanA ? -1 : 1;
    return typeof a === typeof b ? 0 : typeof a === 'number' ? -1 : 1;
  }
  if (na) return -1;
  if (nb) return 1;
  const sa = typeof a === 'string' ? a : textOf(a);
  const sb = typeof b === 'string' ? b : textOf(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

function textOf(x: unknown): string {
  if (x !== null && typeof x === 'object') {
    try {
      return stringifyCollections(x) ?? String(x);
    } catch {
      return String(x);
    }
  }
  return String(x);
}
