/**
 * Property test: the map-side combine of `--count-by-value` (MapSideCombiner, used by `--workers`
 * threads and distributed stage 1) counts into `ValueCounts`; what `take` gives per pane equals
 * a naive count of that pane's keys in first-seen order, across several takes.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MapSideCombiner } from '../../src/engine/map-side-combine.js';
import { naiveCounts } from '../helpers/naive-counts.js';

describe('map-side count by value (ValueCounts)', () => {
  it('equals a naive count per pane, take after take', () => {
    const key = fc.constantFrom('#a', '#B', 'é', 'a_key_longer_than_thirteen_units', '');
    const line = fc.tuple(fc.nat(39), key);
    fc.assert(
      fc.property(fc.array(fc.array(line, { maxLength: 40 }), { maxLength: 4 }), (takes) => {
        const c = new MapSideCombiner({
          prefix: [{ op: 'event-time', source: 'l => Number(l.split(" ")[0])' }, { op: 'map', source: 'l => l.split(" ")[1] ?? ""' }],
          aggregation: { op: 'count-by-value' }, paneMs: 10, watermarkDelayMs: 0, onError: 'skip',
        });
        for (const lines of takes) {
          for (const [t, k] of lines) c.line(`${t} ${k}`);
          const panes = [...new Set(lines.map(([t]) => Math.floor(t / 10)))].sort((a, b) => a - b);
          const want = panes.map((p) => [p, naiveCounts(lines.filter(([t]) => Math.floor(t / 10) === p).map(([, k]) => k))]);
          expect(c.take()).toEqual(want);
        }
      }),
      { numRuns: 200 },
    );
  });
});
