/**
 * A `--flat-map` step (StatelessNode) takes an array before its check for a Promise: every
 * answer a function can give still has its one meaning — array and iterable elements go on,
 * null and undefined give nothing, a Promise, a string or a throw is a reported error.
 */
import { describe, expect, it } from 'vitest';
import { IssueLog, type Issue } from '../../src/core/issues.js';
import { StatelessNode } from '../../src/operators/stateless.js';

/** Runs `fn` as a flat-map over `inputs`: what came out, the issues' messages, the records that got through. */
function flatMap(fn: (x: any) => unknown, inputs: unknown[]): { out: unknown[]; issues: string[]; passed: number } {
  const log = new IssueLog();
  const issues: string[] = [];
  log.listen((i: Issue) => issues.push(i.message));
  const node = new StatelessNode([{ kind: 'flatMap', fn, label: '--flat-map' }], log);
  const out: unknown[] = [];
  node.connect({ record: (v) => out.push(v), beginGroup() {}, endGroup() {}, endBatch() {} });
  node.prepare();
  for (const x of inputs) node.record(x, NaN);
  return { out, issues, passed: log.passedCounts()[0]!.passed };
}

describe('--flat-map answers', () => {
  it('arrays, iterables, null and undefined', () => {
    const answers: Record<string, unknown> = { a: ['x', 'y'], e: [], s: new Set([1, 2]), n: null, u: undefined, g: (function* () { yield 'g'; })() };
    expect(flatMap((k) => answers[k], ['a', 'e', 's', 'n', 'u', 'g'])).toEqual({ out: ['x', 'y', 1, 2, 'g'], issues: [], passed: 6 });
  });
  it('a Promise, a string, a number and a throw are errors, reported and not passed', () => {
    const r = flatMap((k) => {
      if (k === 'throw') throw new Error('boom');
      return ({ p: Promise.resolve([1]), t: { then: () => {} }, str: 'ab', num: 3 } as Record<string, unknown>)[k];
    }, ['p', 't', 'str', 'num', 'throw']);
    expect(r.out).toEqual([]);
    expect(r.passed).toBe(0);
    expect(r.issues).toHaveLength(5);
    expect(r.issues[0]).toContain('the function returned a Promise; functions must be synchronous');
    expect(r.issues[1]).toContain('functions must be synchronous');
    expect(r.issues[2]).toContain('flatMap function must return an array or iterable, got string');
    expect(r.issues[3]).toContain('got number');
    expect(r.issues[4]).toContain('boom');
  });
});
