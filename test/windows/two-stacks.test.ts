import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TwoStacks } from '../../src/windows/two-stacks.js';

describe('TwoStacks', () => {
  it('answers the aggregate of the panes it holds, oldest on the left', () => {
    const concat = (a: unknown, b: unknown) => `${a}${b}`;
    const s = new TwoStacks();
    s.push(1, 'a', concat);
    s.push(2, 'b', concat);
    s.push(3, 'c', concat);
    expect(s.query(concat)).toBe('abc');
    s.evictBefore(2, concat);
    expect(s.query(concat)).toBe('bc');
    s.push(5, 'd', concat);
    expect(s.query(concat)).toBe('bcd');
    s.evictBefore(5, concat);
    expect(s.query(concat)).toBe('d');
    expect(s.size).toBe(1);
    s.evictBefore(6, concat);
    expect(s.size).toBe(0);
    expect(s.query(concat)).toBeUndefined();
  });

  it('equals a naive fold for any sequence of pushes and evictions (non-commutative reducer)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.string({ maxLength: 2 }), fc.nat(3)), { maxLength: 60 }), (ops) => {
        const concat = (a: unknown, b: unknown) => `${a}|${b}`;
        const s = new TwoStacks();
        const naive: [number, string][] = [];
        let pane = 0;
        let evicted = 0;
        for (const [isPush, v, step] of ops) {
          if (isPush) {
            pane += 1;
            s.push(pane, v, concat);
            naive.push([pane, v]);
          } else {
            evicted = Math.min(pane + 1, evicted + step);
            s.evictBefore(evicted, concat);
            while (naive.length && naive[0]![0] < evicted) naive.shift();
          }
          const expected = naive.length ? naive.map((x) => x[1]).reduce((a, b) => concat(a, b)) : undefined;
          expect(s.query(concat)).toBe(expected);
          expect(s.size).toBe(naive.length);
        }
      }),
    );
  });
});
