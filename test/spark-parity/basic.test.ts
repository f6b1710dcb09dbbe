/**
 * Spark's BasicOperationsSuite, stateless and per-batch operators, as dstream
 * batch tables (our own data): map, flatMap, filter, reduceByKey (an empty
 * key included), reduce, count (0 for an empty batch), countByValue, and
 * mapValues / flatMapValues written as --map / --flat-map on pairs.
 */
import { describe, it } from 'vitest';
import { checkParity, type ParityCase } from './harness.js';

const THREE_BATCHES = [['3', '4', '5'], ['6', '7'], ['8', '9', '10', '11']];
const WORDS = [['fig', 'fig', 'yam'], ['', ''], []];

const cases: ParityCase[] = [
  {
    spark: 'BasicOperationsSuite: map',
    name: 'one record out per record in, batch by batch',
    args: ['--map', 'l => `n${l}`'],
    batches: THREE_BATCHES,
    expected: THREE_BATCHES.map((b) => b.map((l) => `n${l}`)),
    ordered: true,
  },
  {
    spark: 'BasicOperationsSuite: flatMap',
    name: 'each number and its triple',
    args: ['--flat-map', 'l => [Number(l), 3 * l]'],
    batches: THREE_BATCHES,
    expected: THREE_BATCHES.map((b) => b.flatMap((l) => [Number(l), 3 * Number(l)])),
    ordered: true,
  },
  {
    spark: 'BasicOperationsSuite: filter',
    name: 'only the odd numbers',
    args: ['--map', 'Number', '--filter', 'x => x % 2 === 1'],
    batches: THREE_BATCHES,
    expected: [[3, 5], [7], [9, 11]],
    ordered: true,
  },
  {
    spark: 'BasicOperationsSuite: reduceByKey',
    name: 'counts per word in each batch; the empty line is a key too',
    args: ['--map', 'l => [l, 1]', '--reduce-by-key', '(a, b) => a + b'],
    batches: WORDS,
    expected: [[['fig', 2], ['yam', 1]], [['', 2]], []],
  },
  {
    spark: 'BasicOperationsSuite: mapValues',
    name: 'a --map after the reduction changes the values and keeps the keys',
    args: ['--map', 'l => [l, 1]', '--reduce-by-key', 'sum', '--map', '([k, v]) => [k, v + 100]'],
    batches: WORDS,
    expected: [[['fig', 102], ['yam', 101]], [['', 102]], []],
  },
  {
    spark: 'BasicOperationsSuite: flatMapValues',
    name: 'a --flat-map after the reduction gives two rows per key',
    args: ['--map', 'l => [l, 1]', '--reduce-by-key', 'sum', '--flat-map', '([k, v]) => [[k, v], [k, -v]]'],
    batches: WORDS,
    expected: [[['fig', 2], ['fig', -2], ['yam', 1], ['yam', -1]], [['', 2], ['', -2]], []],
  },
  {
    spark: 'BasicOperationsSuite: reduce',
    name: 'the sum of each batch',
    args: ['--map', 'Number', '--reduce', 'sum'],
    batches: THREE_BATCHES,
    expected: [[12], [13], [38]],
  },
  {
    spark: 'BasicOperationsSuite: count',
    name: 'records per batch, 0 for an empty batch',
    args: ['--count'],
    batches: [[], ['x'], ['x', 'y'], ['x', 'y', 'z']],
    expected: [[0], [1], [2], [3], [0]],
  },
  {
    spark: 'BasicOperationsSuite: countByValue',
    name: 'occurrences of each value per batch',
    args: ['--map', 'Number', '--count-by-value'],
    batches: [['4'], ['4', '4', '4'], ['4', '9'], ['9', '4', '9', '4']],
    expected: [[[4, 1]], [[4, 3]], [[4, 1], [9, 1]], [[9, 2], [4, 2]]],
  },
];

describe('Spark parity: basic operations (batches cut by --batch-marker)', () => {
  for (const c of cases) it(`${c.spark} — ${c.name}`, () => checkParity(c));
});
