/**
 * Spark's BasicOperationsSuite (updateStateByKey, transform) and
 * MapWithStateSuite as dstream batch tables (our own data and functions).
 * Each input line is a key with the value 1, as the suites' `map(x => (x, 1))`.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { checkParity, MARKER, type ParityCase } from './harness.js';

const ONES = ['--map', 'l => [l, 1]'];
const RUNNING_SUM = ['--update-state-by-key', '(vs, s) => vs.reduce((a, b) => a + b, s ?? 0)'];
const COUNT_IN_STATE = ['--map-with-state', '(k, v, st) => { const n = (st.get() ?? 0) + (v ?? 0); st.update(n); return [k, n] }'];
const GROWING = [['ant'], ['ant', 'bee'], ['ant', 'bee', 'cow'], ['ant', 'bee'], ['ant'], []];
/** Counts per key after each of the first five batches of GROWING (the sixth is empty). */
const RUNNING_COUNTS = [
  [['ant', 1]],
  [['ant', 2], ['bee', 1]],
  [['ant', 3], ['bee', 2], ['cow', 1]],
  [['ant', 4], ['bee', 3], ['cow', 1]],
  [['ant', 5], ['bee', 3], ['cow', 1]],
];

const cases: ParityCase[] = [
  {
    spark: 'BasicOperationsSuite: updateStateByKey',
    name: 'a running count per key, every key every batch',
    args: [...ONES, ...RUNNING_SUM],
    batches: GROWING,
    expected: [...RUNNING_COUNTS, RUNNING_COUNTS[4]!, RUNNING_COUNTS[4]!],
  },
  {
    spark: 'BasicOperationsSuite: updateStateByKey - simple with initial value RDD',
    name: 'the count starts from --initial-state (a JSON line and a tsv line); a key with only an initial state is kept',
    args: [...ONES, ...RUNNING_SUM, '--initial-state', 'FILE:initial'],
    files: { initial: '{"key": "ant", "state": 3}\ncow\t10\n' },
    batches: GROWING,
    expected: [
      [['ant', 4], ['cow', 10]],
      [['ant', 5], ['bee', 1], ['cow', 10]],
      [['ant', 6], ['bee', 2], ['cow', 11]],
      [['ant', 7], ['bee', 3], ['cow', 11]],
      [['ant', 8], ['bee', 3], ['cow', 11]],
      [['ant', 8], ['bee', 3], ['cow', 11]],
      [['ant', 8], ['bee', 3], ['cow', 11]],
    ],
  },
  {
    spark: 'BasicOperationsSuite: updateStateByKey - testing time stamps as input',
    name: 'the function gets the batch time: the state adds up the times of the batches a key had values in',
    args: [...ONES, '--update-state-by-key', '(vs, s, t) => vs.length ? (s ?? 0) + t : s', '--initial-state', 'FILE:initial'],
    files: { initial: 'ant\t0\ncow\t0\n' },
    batches: GROWING,
    expected: (t) => {
      const ant = [t(0), t(0) + t(1), t(0) + t(1) + t(2), t(0) + t(1) + t(2) + t(3), t(0) + t(1) + t(2) + t(3) + t(4)];
      const bee = [t(1), t(1) + t(2), t(1) + t(2) + t(3)];
      return [
        [['ant', ant[0]], ['cow', 0]],
        [['ant', ant[1]], ['bee', bee[0]], ['cow', 0]],
        [['ant', ant[2]], ['bee', bee[1]], ['cow', t(2)]],
        [['ant', ant[3]], ['bee', bee[2]], ['cow', t(2)]],
        [['ant', ant[4]], ['bee', bee[2]], ['cow', t(2)]],
        [['ant', ant[4]], ['bee', bee[2]], ['cow', t(2)]],
        [['ant', ant[4]], ['bee', bee[2]], ['cow', t(2)]],
      ];
    },
  },
  {
    spark: 'BasicOperationsSuite: updateStateByKey - object lifecycle',
    name: 'a key is removed (undefined) after two batches in a row without values',
    args: [...ONES, '--update-state-by-key', '(vs, s) => { const o = s ?? { n: 0, idle: 0 }; if (vs.length) return { n: o.n + vs.length, idle: 0 }; return o.idle + 1 >= 2 ? undefined : { n: o.n, idle: o.idle + 1 } }',
      '--map', '([k, s]) => [k, s.n]'],
    batches: [['pig', 'rat'], [], ['pig', 'yak', 'pig'], ['yak'], [], []],
    expected: [[['pig', 1], ['rat', 1]], [['pig', 1], ['rat', 1]], [['pig', 3], ['yak', 1]], [['pig', 3], ['yak', 2]], [['yak', 2]], []],
  },
  {
    spark: 'BasicOperationsSuite: transform',
    name: 'a function over the whole batch: sorted, without duplicates',
    args: ['--transform', 'rs => [...new Set(rs)].sort()'],
    batches: [['pear', 'fig', 'pear', 'apple'], [], ['kiwi', 'date']],
    expected: [['apple', 'fig', 'pear'], [], ['date', 'kiwi']],
    ordered: true,
  },
  {
    spark: 'MapWithStateSuite: mapWithState - states as mapped data',
    name: 'the function\'s results are the stream: each record with its key\'s new count',
    args: [...ONES, ...COUNT_IN_STATE],
    batches: [[], ...GROWING],
    expected: [[], [['ant', 1]], [['ant', 2], ['bee', 1]], [['ant', 3], ['bee', 2], ['cow', 1]], [['ant', 4], ['bee', 3]], [['ant', 5]], []],
  },
  {
    spark: 'MapWithStateSuite: mapWithState - states as mapped data (state snapshots)',
    name: 'with --output-mode complete the stream is the state table after every batch',
    args: [...ONES, ...COUNT_IN_STATE, '--output-mode', 'complete'],
    batches: [[], ...GROWING],
    expected: [[], ...RUNNING_COUNTS, RUNNING_COUNTS[4]!, RUNNING_COUNTS[4]!],
  },
  {
    spark: 'MapWithStateSuite: mapWithState - initial states, with nothing returned as from mapping function',
    name: 'the table starts from --initial-state; keys without values keep their initial state',
    args: [...ONES, '--map-with-state', '(k, v, st) => { st.update((st.get() ?? 0) + v) }', '--initial-state', 'FILE:initial', '--output-mode', 'complete'],
    files: { initial: '{"key":"ant","state":7}\n{"key":"bee","state":2}\n{"key":"cow","state":-4}\n{"key":"dog","state":0}\n' },
    batches: [[], ...GROWING],
    expected: [
      [['ant', 7], ['bee', 2], ['cow', -4], ['dog', 0]],
      [['ant', 8], ['bee', 2], ['cow', -4], ['dog', 0]],
      [['ant', 9], ['bee', 3], ['cow', -4], ['dog', 0]],
      [['ant', 10], ['bee', 4], ['cow', -3], ['dog', 0]],
      [['ant', 11], ['bee', 5], ['cow', -3], ['dog', 0]],
      [['ant', 12], ['bee', 5], ['cow', -3], ['dog', 0]],
      [['ant', 12], ['bee', 5], ['cow', -3], ['dog', 0]],
      [['ant', 12], ['bee', 5], ['cow', -3], ['dog', 0]],
    ],
  },
  {
    spark: 'MapWithStateSuite: mapWithState - state removing',
    name: 'a key with state is removed and output; one without gets a state',
    args: [...ONES, '--map-with-state', '(k, v, st) => { if (st.exists()) { st.remove(); return k } st.update(v) }'],
    batches: [[], ['ant'], ['ant', 'bee'], ['ant', 'bee', 'cow'], ['ant', 'bee', 'cow'], ['ant', 'bee'], ['ant'], []],
    expected: [[], [], ['ant'], ['bee'], ['ant', 'cow'], ['bee'], ['ant'], []],
  },
  {
    spark: 'MapWithStateSuite: mapWithState - state removing (state snapshots)',
    name: 'the state table after each batch of removals',
    args: [...ONES, '--map-with-state', '(k, v, st) => { if (st.exists()) { st.remove(); return k } st.update(v) }', '--output-mode', 'complete'],
    batches: [[], ['ant'], ['ant', 'bee'], ['ant', 'bee', 'cow'], ['ant', 'bee', 'cow'], ['ant', 'bee'], ['ant'], []],
    expected: [[], [['ant', 1]], [['bee', 1]], [['ant', 1], ['cow', 1]], [['bee', 1]], [['ant', 1]], [], []],
  },
  {
    spark: 'MapWithStateSuite: mapWithState - state timing out',
    name: 'with a 3 s timeout, cow and bee time out 4 batches after their last value; ant, refreshed by its values, never',
    args: [...ONES, '--map-with-state', '(k, v, st) => { if (v !== undefined) st.update(1); return st.isTimingOut() ? k : undefined }', '--state-timeout', '3s'],
    batches: [['ant', 'bee', 'cow'], ['ant', 'bee'], ['ant'], [], [], ['ant'], ['ant'], ['ant'], ['ant'], ['ant']],
    expected: [[], [], [], [], ['cow'], ['bee']],
  },
  {
    spark: 'MapWithStateSuite: mapWithState - state timing out (state snapshots)',
    name: 'a key that times out in a batch is not in that batch\'s table; the last one goes after the input',
    args: [...ONES, '--map-with-state', '(k, v, st) => { if (!st.isTimingOut()) st.update((st.get() ?? 0) + 1) }', '--state-timeout', '1s', '--output-mode', 'complete'],
    batches: [['ant', 'bee'], ['ant'], ['ant'], []],
    expected: [[['ant', 1], ['bee', 1]], [['ant', 2], ['bee', 1]], [['ant', 3]], [['ant', 3]], []],
  },
  {
    spark: 'MapWithStateSuite: mapWithState - state timing out (MapWithStateRDDRecord refresh)',
    name: 'values refresh a key that keeps its state without update(): it times out 3 batches after its last value, not after its first',
    args: [...ONES, '--map-with-state', '(k, v, st) => { if (!st.exists() && v !== undefined) st.update(1); return st.isTimingOut() ? k : undefined }', '--state-timeout', '2s'],
    batches: [['elk'], ['elk'], ['elk'], ['elk'], ['elk'], [], [], []],
    expected: [[], [], [], [], [], [], [], ['elk']],
  },
  {
    spark: 'MapWithStateSuite: mapWithState - basic operations with advanced API (time)',
    name: 'the function gets the batch time of the record, and of the timeout call',
    args: [...ONES, '--map-with-state', '(k, v, st, t) => { if (v !== undefined) st.update(t); return [k, st.isTimingOut() ? -t : t] }', '--state-timeout', '1s'],
    batches: [['owl'], ['emu', 'owl'], []],
    expected: (t) => [[['owl', t(0)]], [['emu', t(1)], ['owl', t(1)]], [], [['emu', -t(3)], ['owl', -t(3)]]],
  },
];

describe('Spark parity: state across batches (batches cut by --batch-marker)', () => {
  for (const c of cases) it(`${c.spark} — ${c.name}`, () => checkParity(c));

  it('MapWithStateSuite (StateImpl): update() after remove() in the same call is an error for that record, reported', async () => {
    const input = ['ant', 'bee', MARKER, 'ant', ''].join('\n');
    const r = await runCli(['--batch-marker', MARKER, ...ONES, '--map-with-state', '(k, v, st) => { if (k === "bee") { st.remove(); st.update(2) } else st.update(1); return k }', '--format', 'tsv'], input);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('ant\nant\n');
    expect(r.stderr).toContain('cannot update the state after remove() in the same call');
    expect(r.stderr).toContain('1 record skipped');
  });

  it('--initial-state refuses a bad line before reading input (exit 2)', async () => {
    const r = await runCli([...ONES, ...RUNNING_SUM, '--initial-state', 'test/spark-parity/state.test.ts']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(/^dstream: --initial-state test\/spark-parity\/state\.test\.ts:1: expected key<TAB>state/);
    expect(r.stdout).toBe('');
  });
});
