/**
 * Property test: KeyedReducer's short path for count by value (the map-side
 * combine of `--count-by-value`) gives the counts a naive reference gives, for
 * random records mixing strings (short, long: copied on insert), numbers
 * (NaN, −0), booleans, null, undefined and arrays (grouped by their JSON text,
 * the first array seen kept for output), added across several maps as panes are.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { IssueLog } from '../../src/core/issues.js';
import { KeyedReducer } from '../../src/operators/keyed-map.js';

const record = fc.oneof(
  fc.constantFrom('a', 'B', '#tag', '#a_much_longer_hashtag_of_40_characters_', 'é', ''),
  fc.string({ maxLength: 20 }),
  fc.constantFrom(0, -0, 1, 2.5, NaN, Infinity, true, false, null, undefined),
  fc.integer({ min: -3, max: 3 }),
  fc.array(fc.constantFrom('x', 1, 'y'), { maxLength: 3 }),
);

/** The reference: SameValueZero for primitives (−0 is output 0, as a Map keeps it), JSON text for arrays; output [first key seen, count] in first-seen order. */
function naiveCounts(records: unknown[]): [unknown, number][] {
  const counts = new Map<unknown, [unknown, number]>();
  for (const r of records) {
    const k = Array.isArray(r) ? 'json:' + JSON.stringify(r) : r;
    const e = counts.get(k);
    if (e) e[1]++;
    else counts.set(k, [r === 0 ? 0 : r, 1]); // a Map key −0 is +0
  }
  return [...counts.values()];
}

describe('count by value (KeyedReducer short path)', () => {
  it('equals a naive count, in every pane, with the keys decoded', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(2), record), { maxLength: 200 }), (added) => {
        const reducer = new KeyedReducer({ keyMode: 'value', combine: (a: number, b: number) => a + b, label: '--count-by-value' }, new IssueLog(), true);
        const panes = [new Map<unknown, unknown>(), new Map<unknown, unknown>(), new Map<unknown, unknown>()];
        for (const [p, r] of added) reducer.add(panes[p]!, r);
        panes.forEach((m, p) => {
          const got = [...m].map(([k, v]) => reducer.output(k, v));
          expect(got).toEqual(naiveCounts(added.filter(([q]) => q === p).map(([, r]) => r)));
        });
      }),
      { numRuns: 500 },
    );
  });
});
