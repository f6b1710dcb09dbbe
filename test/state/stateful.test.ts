import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { runBatches } from '../helpers/batches.js';

type P = [string, number];
const sum = (vs: number[], s: number | undefined) => vs.reduce((a, b) => a + b, s ?? 0);

describe('updateStateByKey', () => {
  it('covers the four cases: state yes/no × values yes/no; undefined removes the key', () => {
    const calls: string[] = [];
    const fn = (vs: number[], s: number | undefined) => {
      calls.push(`${JSON.stringify(vs)}:${s}`);
      if (vs.includes(-1)) return undefined; // remove
      return vs.length ? sum(vs, s) : s; // no values: keep
    };
    const { outputs } = runBatches<P>([[['a', 1]], [['b', 2]], [['a', -1]], []], (s) => s.updateStateByKey(fn));
    expect(outputs.map((o) => o.records)).toEqual([
      [['a', 1]],
      [['a', 1], ['b', 2]],
      [['b', 2]],
      [['b', 2]],
    ]);
    // batch 1: a (no state, values); batch 2: b (no state, values), a (state, no values);
    // batch 3: a (state, values → removed), b (state, no values); batch 4: b (state, no values)
    expect(calls).toEqual(['[1]:undefined', '[2]:undefined', '[]:1', '[-1]:1', '[]:2', '[]:2']);
  });

  it('update mode outputs only keys that changed; append needs event time and a timeout', () => {
    const { outputs } = runBatches<P>([[['a', 1], ['b', 1]], [['a', 2]], []], (s) => s.updateStateByKey(sum, { outputMode: 'update' }));
    expect(outputs.map((o) => o.records)).toEqual([[['a', 1], ['b', 1]], [['a', 3]], []]);
    expect(() => runBatches<P>([], (s) => s.updateStateByKey(sum, { outputMode: 'append' }))).toThrow(
      '--output-mode append: updateStateByKey without --event-time never has final results; use --output-mode update or complete',
    );
  });

  it('a processing-time state timeout removes idle keys once', () => {
    const { outputs } = runBatches<P>([[['a', 1], ['b', 1]], [['a', 1]], [['a', 1]], [], [], []], (s) =>
      s.updateStateByKey((vs: number[], st: number | undefined) => (vs.length ? sum(vs, st) : st), { stateTimeoutMs: 2000 }),
    );
    expect(outputs.map((o) => o.records)).toEqual([
      [['a', 1], ['b', 1]],
      [['b', 1], ['a', 2]],
      [['b', 1], ['a', 3]], // b idle since 1000: not yet at 3000 (idle exactly the timeout)
      [['b', 1], ['a', 3]], // idle longer than the timeout at 4000: times out after this output
      [['a', 3]],
      [['a', 3]], // a idle since 3000: times out at 6000
    ]);
  });

  it('append with event time outputs each key\'s final state once, when it times out', () => {
    const ev = (t: number, k: string) => ({ t, k });
    const { outputs } = runBatches(
      [[ev(0, 'a'), ev(5, 'b')], [ev(20, 'a')], [ev(100, 'c')]],
      (s) => s.eventTime((e) => e.t).map((e) => [e.k, 1] as P).updateStateByKey(sum, { outputMode: 'append', stateTimeoutMs: 30 }),
      { endInput: true },
    );
    expect(outputs.map((o) => o.records)).toEqual([[], [], [['b', 1], ['a', 2]], [['c', 1]]]);
  });

  it('equals a naive running total for random batches (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.tuple(fc.constantFrom('x', 'y', 'z'), fc.integer({ min: -3, max: 9 })), { maxLength: 6 }), { maxLength: 12 }), (batches) => {
        const { outputs } = runBatches<P>(batches, (s) => s.updateStateByKey(sum));
        const totals = new Map<string, number>();
        batches.forEach((b, i) => {
          for (const [k, v] of b) totals.set(k, (totals.get(k) ?? 0) + v);
          expect(Object.fromEntries(outputs[i]!.records as P[])).toEqual(Object.fromEntries(totals));
        });
      }),
    );
  });

  it('--max-keys evicts the least recently updated keys and counts them', () => {
    const { outputs, ssc } = runBatches<P>([[['a', 1], ['b', 1], ['c', 1]], [['a', 1], ['d', 1]]], (s) => s.updateStateByKey(sum, { maxKeys: 2 }));
    expect(outputs.map((o) => o.records)).toEqual([[['b', 1], ['c', 1]], [['a', 1], ['d', 1]]]);
    expect(ssc.issues.counts['evicted-key']).toBe(3);
  });
});

describe('mapWithState', () => {
  it('maps each record with its key\'s state; a timed-out key gets exactly one more call', () => {
    const fn = (k: string, v: number | undefined, st: any) => {
      if (st.isTimingOut()) return `${k} timed out at ${st.get()}`;
      const n = (st.get() ?? 0) + v!;
      st.update(n);
      return `${k}=${n}`;
    };
    const { outputs } = runBatches<P>([[['a', 1], ['a', 2], ['b', 5]], [['a', 1]], [], [], []], (s) => s.mapWithState(fn, { stateTimeoutMs: 2000 }));
    // Idle strictly longer than the timeout: b (last value at 1000) at 4000, a (2000) at 5000.
    expect(outputs.map((o) => o.records)).toEqual([['a=1', 'a=3', 'b=5'], ['a=4'], [], ['b timed out at 5'], ['a timed out at 4']]);
  });

  it('complete and update modes give the state table; remove() deletes', () => {
    const fn = (k: string, v: number | undefined, st: any) => (v! < 0 ? st.remove() : st.update((st.get() ?? 0) + v!));
    const input: P[][] = [[['a', 1], ['b', 2]], [['a', -1]], [['b', 3]]];
    expect(runBatches<P>(input, (s) => s.mapWithState(fn, { outputMode: 'complete' })).outputs.map((o) => o.records)).toEqual([
      [['a', 1], ['b', 2]], [['b', 2]], [['b', 5]],
    ]);
    expect(runBatches<P>(input, (s) => s.mapWithState(fn, { outputMode: 'update' })).outputs.map((o) => o.records)).toEqual([
      [['a', 1], ['b', 2]], [], [['b', 5]],
    ]);
  });

  it('state.update while timing out is an error of the function (counted)', () => {
    const { ssc } = runBatches<P>([[['a', 1]], [], [], []], (s) =>
      s.mapWithState((_k, v: number | undefined, st: any) => st.update(v ?? 0), { stateTimeoutMs: 1000 }),
    );
    expect(ssc.issues.counts['user-error']).toBe(1);
  });
});
