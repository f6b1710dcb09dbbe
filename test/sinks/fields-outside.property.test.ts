/**
 * `fieldsOutside` (--header: fields of a record that are not columns of the header) against a naive
 * reference that looks each field up in the columns array, on records of random shapes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { columnsOf, fieldsOutside } from '../../src/sinks/format.js';

const name = fc.constantFrom('a', 'b', 'c', 'd', 'e', '__proto__x', 'constructor', 'toString', '');
const recordArb = fc.dictionary(name, fc.oneof(fc.integer(), fc.constant(undefined), fc.string()));

describe('fieldsOutside', () => {
  it('equals a naive lookup in the columns array', () => {
    fc.assert(fc.property(recordArb, recordArb, (first, x) => {
      const c = columnsOf(first);
      const naive = Object.keys(x).filter((k) => x[k] !== undefined && !Object.keys(first).includes(k));
      expect(fieldsOutside(x, c)).toEqual(naive.length ? naive : null);
    }), { numRuns: 1000 });
  });
});
