/**
 * Property test: the keyed sliding-window store (`TwoStacksStore`: per-key two
 * stacks, window keys kept sorted between slides) outputs, at every slide,
 * exactly the rows of a naive recomputation over the records of the window's
 * panes — same keys, same order, same values — for random records, window
 * lengths, slides, keys entering and leaving, and snapshot/restore in between;
 * and its open panes (`OpenPanes`) behave as a Map of panes.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TwoStacksStore } from '../../src/windows/keyed-store.js';
import { OpenPanes } from '../../src/windows/pane-store.js';
import { KeyedReducer } from '../../src/operators/keyed-map.js';
import { builtinReducer, type Aggregation } from '../../src/operators/reducers.js';
import { IssueLog } from '../../src/core/issues.js';
import { compareKeys } from '../../src/core/compare.js';
import type { StreamNode } from '../../src/core/node.js';

type Key = string | number;
const KEYS: Key[] = ['a', 'b', 'A', '10', 10, 2, -1, 'é'];

const aggregations: { name: string; agg: Aggregation; naive: (vs: number[]) => unknown }[] = [
  { name: 'sum', agg: { ...builtinReducer('sum'), keyMode: 'pair', label: 'sum' }, naive: (vs) => vs.reduce((a, b) => a + b) },
  { name: 'max', agg: { ...builtinReducer('max'), keyMode: 'pair', label: 'max' }, naive: (vs) => Math.max(...vs) },
  { name: 'concat (not commutative)', agg: { combine: (a: unknown, b: unknown) => `${a},${b}`, keyMode: 'pair', label: 'concat' }, naive: (vs) => vs.reduce((a: unknown, b) => `${a},${b}`) },
];

const step = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('add' as const), ahead: fc.nat(3), key: fc.constantFrom(...KEYS), value: fc.integer({ min: -5, max: 20 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('slide' as const), by: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restart' as const) }) },
);

function rowsOf(store: TwoStacksStore): unknown[] {
  const rows: unknown[] = [];
  const out: StreamNode = { record: (r) => rows.push(r), beginGroup() {}, endGroup() {}, endBatch() {} };
  store.emit(out, NaN);
  return rows;
}

describe('TwoStacksStore equals a naive recomputation at every slide', () => {
  for (const { name, agg, naive } of aggregations) {
    it(name, () => {
      fc.assert(fc.property(fc.integer({ min: 1, max: 6 }), fc.array(step, { maxLength: 120 }), (lengthPanes, steps) => {
        const fresh = () => new TwoStacksStore(new KeyedReducer(agg, new IssueLog(), true));
        let store = fresh();
        const records: { pane: number; key: Key; value: number }[] = [];
        let endPane = 0;
        for (const s of steps) {
          if (s.kind === 'add') {
            const pane = endPane + s.ahead;
            store.add(pane, [s.key, s.value], NaN);
            records.push({ pane, key: s.key, value: s.value });
          } else if (s.kind === 'restart') {
            const snap = structuredClone(store.snapshot());
            store = fresh();
            store.restore(snap);
          } else {
            endPane += s.by;
            store.sealBefore(endPane);
            store.evictBefore(endPane - lengthPanes);
            // Naive: the records of panes [end − length, end), in pane order then arrival order.
            const inWindow = records.filter((r) => r.pane >= endPane - lengthPanes && r.pane < endPane).sort((x, y) => x.pane - y.pane);
            const byKey = new Map<Key, number[]>();
            for (const r of inWindow) byKey.set(r.key, [...(byKey.get(r.key) ?? []), r.value]);
            const expected = [...byKey.keys()].sort(compareKeys).map((k) => [k, naive(byKey.get(k)!)]);
            expect(rowsOf(store)).toEqual(expected);
            expect(store.windowEmpty()).toBe(expected.length === 0);
          }
        }
      }), { numRuns: 300 });
    });
  }
});

describe('OpenPanes equals a Map of panes', () => {
  it('get, peek, takeBefore, first, indexes and entries, for indexes in any order', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('get' as const), index: fc.integer({ min: -20, max: 60 }) }),
      fc.record({ kind: fc.constant('peek' as const), index: fc.integer({ min: -20, max: 60 }) }),
      fc.record({ kind: fc.constant('take' as const), before: fc.integer({ min: -20, max: 60 }) }),
    );
    fc.assert(fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
      let made = 0;
      const panes = new OpenPanes(() => ({ id: made++ }));
      const model = new Map<number, { id: number }>();
      for (const o of ops) {
        if (o.kind === 'get') {
          const p = panes.get(o.index);
          if (!model.has(o.index)) model.set(o.index, p);
          expect(p).toBe(model.get(o.index));
        } else if (o.kind === 'peek') expect(panes.peek(o.index)).toBe(model.get(o.index));
        else {
          const expected = [...model].filter(([i]) => i < o.before).sort((a, b) => a[0] - b[0]);
          for (const [i] of expected) model.delete(i);
          expect(panes.takeBefore(o.before)).toEqual(expected);
        }
        const rest = [...model].sort((a, b) => a[0] - b[0]);
        expect(panes.entries()).toEqual(rest);
        expect(panes.indexes()).toEqual(rest.map(([i]) => i));
        expect(panes.first()).toBe(rest.length ? rest[0]![0] : Infinity);
      }
    }), { numRuns: 300 });
  });
});
