/**
 * Spark's WindowOperationsSuite as dstream batch tables (our own data): window,
 * reduceByKeyAndWindow (the naive variant, and where the inverse variant
 * differs), countByWindow and countByValueAndWindow. Batch interval 1 s; the
 * default window is 2 s sliding every batch, as in the suite.
 */
import { describe, it } from 'vitest';
import { checkParity, type ParityCase } from './harness.js';

const NUMBERS = ['--map', 'Number'];
const PAIRS = ['--map', 'l => { const [k, v] = l.split(" "); return [k, Number(v)] }'];

const cases: ParityCase[] = [
  {
    spark: 'WindowOperationsSuite: window - basic window',
    name: 'a 2 s window sliding every batch holds this batch and the one before',
    args: [...NUMBERS, '--window', '2'],
    batches: [['10'], ['11'], ['12'], ['13']],
    expected: [[10], [10, 11], [11, 12], [12, 13], [13]],
  },
  {
    spark: 'WindowOperationsSuite: window - tumbling window',
    name: 'a 2 s window sliding every 2 s is output every other batch',
    args: [...NUMBERS, '--window', '2', '--slide', '2'],
    batches: [['7'], ['8'], ['9'], ['6'], ['5']],
    expected: [[], [7, 8], [], [9, 6], [], [5]],
  },
  {
    spark: 'WindowOperationsSuite: window - larger window',
    name: 'a 4 s window sliding every 2 s; its last window is output at the next slide boundary after the input',
    args: [...NUMBERS, '--window', '4', '--slide', '2'],
    batches: [['20'], ['21'], ['22'], ['23'], ['24'], ['25']],
    expected: [[], [20, 21], [], [20, 21, 22, 23], [], [22, 23, 24, 25], [], [24, 25]],
  },
  {
    spark: 'WindowOperationsSuite: window - non-overlapping window',
    name: 'a 2 s window sliding every 3 s samples two batches of three, with a note',
    args: [...NUMBERS, '--window', '2', '--slide', '3'],
    batches: [['30'], ['31'], ['32'], ['33'], ['34'], ['35']],
    expected: [[], [], [31, 32], [], [], [34, 35]],
    stderr: 'dstream: note: --window 2: the slide interval 3s is longer than the window length (a sampling window): records between two windows are not counted\n',
  },
  {
    spark: 'WindowOperationsSuite: reduceByKeyAndWindow - basic reduction',
    name: 'values of one key in one batch are summed',
    args: [...PAIRS, '--reduce-by-key', 'sum', '--window', '2'],
    batches: [['k 2', 'k 5']],
    expected: [[['k', 7]], [['k', 7]]],
  },
  {
    spark: 'WindowOperationsSuite: reduceByKeyAndWindow - key already in window and new value added into window',
    name: 'a key present in the window adds the new batch\'s value',
    args: [...PAIRS, '--reduce-by-key', 'sum', '--window', '2'],
    batches: [['k 1'], ['k 4']],
    expected: [[['k', 1]], [['k', 5]], [['k', 4]]],
  },
  {
    spark: 'WindowOperationsSuite: reduceByKeyAndWindow - new key added into window',
    name: 'a new key joins the keys already in the window',
    args: [...PAIRS, '--reduce-by-key', 'sum', '--window', '2'],
    batches: [['p 1'], ['p 2', 'q 3']],
    expected: [[['p', 1]], [['p', 3], ['q', 3]], [['p', 2], ['q', 3]]],
  },
  {
    spark: 'WindowOperationsSuite: reduceByKeyAndWindow - key removed from window',
    name: 'a key leaves once its values slide out (no (key, 0) row: Spark\'s inverse variant without a filter would show one)',
    args: [...PAIRS, '--reduce-by-key', 'sum', '--window', '2'],
    batches: [['p 1'], ['p 1'], [], []],
    expected: [[['p', 1]], [['p', 2]], [['p', 1]], []],
  },
  {
    spark: 'WindowOperationsSuite: reduceByKeyAndWindow - larger slide time',
    name: 'a 4 s window sliding every 2 s sums the last four batches every other batch',
    args: [...PAIRS, '--reduce-by-key', 'sum', '--window', '4', '--slide', '2'],
    batches: [['m 10'], ['m 20'], ['m 30'], ['m 40'], ['m 50'], ['m 60'], [], []],
    expected: [[], [['m', 30]], [], [['m', 100]], [], [['m', 180]], [], [['m', 110]]],
  },
  {
    spark: 'WindowOperationsSuite: reduceByKeyAndWindow - big test (and with inverse and filter functions)',
    name: 'three keys coming and going over eight batches, empty batches included',
    args: [...PAIRS, '--reduce-by-key', 'sum', '--window', '2'],
    batches: [['u 1'], ['u 1', 'v 1'], ['u 1', 'v 1', 'w 1'], ['v 1'], [], ['w 1'], ['u 1', 'w 1'], []],
    expected: [
      [['u', 1]],
      [['u', 2], ['v', 1]],
      [['u', 2], ['v', 2], ['w', 1]],
      [['u', 1], ['v', 2], ['w', 1]],
      [['v', 1]],
      [['w', 1]],
      [['u', 1], ['w', 2]],
      [['u', 1], ['w', 1]],
    ],
  },
  {
    spark: 'WindowOperationsSuite: groupByKeyAndWindow',
    name: 'the values of each key in the window, grouped by --transform after --window',
    args: [...PAIRS, '--window', '2', '--transform', `rs => {
      const g = new Map();
      for (const [k, v] of rs) g.set(k, [...(g.get(k) ?? []), v]);
      return [...g].map(([k, vs]) => [k, vs.sort((a, b) => a - b)]);
    }`],
    batches: [['u 1'], ['u 2', 'v 3'], ['v 4', 'w 5'], []],
    expected: [[['u', [1]]], [['u', [1, 2]], ['v', [3]]], [['u', [2]], ['v', [3, 4]], ['w', [5]]], [['v', [4]], ['w', [5]]]],
  },
  {
    spark: 'WindowOperationsSuite: countByWindow',
    name: 'records per 2 s window, 0 for an empty window',
    args: ['--count', '--window', '2'],
    batches: [['x'], ['y', 'z'], ['x'], [], [], ['q']],
    expected: [[1], [3], [3], [1], [0], [1], [1]],
  },
  {
    spark: 'WindowOperationsSuite: countByValueAndWindow',
    name: 'occurrences of each value in the window',
    args: ['--count-by-value', '--window', '2'],
    batches: [['dog'], ['cat', 'cat'], ['dog', 'cat']],
    expected: [[['dog', 1]], [['dog', 1], ['cat', 2]], [['cat', 3], ['dog', 1]], [['dog', 1], ['cat', 1]]],
  },
];

describe('Spark parity: window operations (batches cut by --batch-marker)', () => {
  for (const c of cases) it(`${c.spark} — ${c.name}`, () => checkParity(c));
});
