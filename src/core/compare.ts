/**
 * Total orders used for deterministic output (`--top` ranking and tie-breaks).
 * Numbers compare numerically; every other value compares by its text
 * (`String(x)`, code-unit order); a number sorts before a non-number.
 */

/** Ascending comparison of two keys (see module doc). */
export function compareKeys(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  const sa = typeof a === 'string' ? a : textOf(a);
  const sb = typeof b === 'string' ? b : textOf(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

function textOf(x: unknown): string {
  if (x !== null && typeof x === 'object') {
    try {
      return JSON.stringify(x) ?? String(x);
    } catch {
      return String(x);
    }
  }
  return String(x);
}
