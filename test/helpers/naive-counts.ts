/**
 * The reference count by value of the property tests: SameValueZero for primitives (−0 is output
 * 0, as a Map keeps it), JSON text for arrays; `[first key seen, count]` in first-seen order.
 */
export function naiveCounts(records: unknown[]): [unknown, number][] {
  const counts = new Map<unknown, [unknown, number]>();
  for (const r of records) {
    const k = Array.isArray(r) ? 'json:' + JSON.stringify(r) : r;
    const e = counts.get(k);
    if (e) e[1]++;
    else counts.set(k, [r === 0 ? 0 : r, 1]); // a Map key −0 is +0
  }
  return [...counts.values()];
}
