/**
 * field() with blanks as separator hops from space to space with indexOf
 * when the line holds no tab or newline (the usual log line): property test
 * of that path against splitting the line, on lines of spaces and words
 * only, then with one tab or newline somewhere (the code-unit path).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { field } from '../../src/plan/text-scan.js';

/** awk's `$n` by splitting on runs of blanks: the naive reference. */
const fieldRef = (line: string, n: number): string => (n === 0 ? line : line.split(/[ \t\n]+/).filter((p) => p !== '')[n - 1] ?? '');

const spaced = fc.array(fc.constantFrom('a', 'bc', '200', '127.0.0.1', ' ', ' ', '  ', '"GET', 'é', '😀', '-'), { maxLength: 24 }).map((xs) => xs.join(''));

describe('field(): the space-only fast path', () => {
  it('equals splitting, on lines of spaces and words (fast-check)', () => {
    fc.assert(fc.property(spaced, fc.integer({ min: 0, max: 14 }), (s, n) => {
      expect(field(s, n)).toBe(fieldRef(s, n));
      expect(field(s, n, ' ')).toBe(fieldRef(s, n));
    }), { numRuns: 5000 });
  });
  it('equals splitting when a tab or newline is anywhere in the line (fast-check)', () => {
    fc.assert(fc.property(spaced, fc.nat(), fc.constantFrom('\t', '\n', ' \t ', '\t\n'), fc.integer({ min: 0, max: 14 }), (s, at, blank, n) => {
      const i = at % (s.length + 1);
      const line = s.slice(0, i) + blank + s.slice(i);
      expect(field(line, n)).toBe(fieldRef(line, n));
    }), { numRuns: 3000 });
  });
  it('examples: leading, trailing and repeated spaces', () => {
    expect(field('   a  b ', 1)).toBe('a');
    expect(field('   a  b ', 2)).toBe('b');
    expect(field('   a  b ', 3)).toBe('');
    expect(field('', 1)).toBe('');
    expect(field('    ', 1)).toBe('');
    expect(field('x', 1)).toBe('x');
    expect(field('a b\tc', 3)).toBe('c');
  });
});
