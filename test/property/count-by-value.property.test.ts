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
import { naiveCounts } from '../helpers/naive-counts.js';

const record = fc.oneof(
  fc.constantFrom('a', 'B', '#tag', '#a_much_longer_hashtag_of_40_characters_', 'é', ''),
  fc.string({ maxLength: 20 }),
  fc.constantFrom(0, -0, 1, 2.5, NaN, Infinity, true, false, null, undefined),
  fc.integer({ min: -3, max: 3 }),
  fc.array(fc.constantFrom('x', 1, 'y'), { maxLength: 3 }),
);

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
