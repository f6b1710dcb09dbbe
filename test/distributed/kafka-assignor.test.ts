/**
 * The sticky, cooperative assignor of Kafka jobs (kafka/assignor.ts), against naive references with
 * fast-check: the target gives every partition exactly once, balanced within one, keeps as many owned
 * partitions as the best balanced assignment (brute force over the quota choices), and does not depend
 * on the order of members; one cooperative generation never gives a partition away from its valid owner,
 * and the next generation (owners report what they were given) reaches the target.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cooperativeAssign, cooperativeStickyAssigner, decodeOwned, encodeOwned, stickyTarget, validOwners, type Claim } from '../../src/distributed/kafka/assignor.js';

/** Members m0..m{k-1} with random, possibly overlapping and stale claims over `n` partitions. */
const scenario = fc.integer({ min: 0, max: 12 }).chain((n) => fc.record({
  n: fc.constant(n),
  claims: fc.uniqueArray(fc.record({
    id: fc.integer({ min: 0, max: 9 }).map((i) => `m${i}`),
    owned: fc.record({ generation: fc.integer({ min: -1, max: 4 }), partitions: fc.uniqueArray(fc.integer({ min: 0, max: n + 1 }), { maxLength: n + 2 }) }),
  }), { minLength: 1, maxLength: 6, selector: (c) => c.id }),
}));

/** Naive: the most owned partitions any assignment balanced within one can keep (every choice of who gets the larger quota). */
function bestKept(claims: Claim[], n: number): number {
  const owner = validOwners(claims, n);
  const ids = claims.map((c) => c.id);
  const owned = ids.map((id) => owner.filter((o) => o === id).length);
  const base = Math.floor(n / ids.length);
  const extra = n % ids.length;
  let best = 0;
  for (let mask = 0; mask < 1 << ids.length; mask++) {
    let bits = 0;
    for (let i = 0; i < ids.length; i++) if (mask & (1 << i)) bits++;
    if (bits !== extra) continue;
    let kept = 0;
    for (let i = 0; i < ids.length; i++) kept += Math.min(owned[i]!, base + (mask & (1 << i) ? 1 : 0));
    best = Math.max(best, kept);
  }
  return best;
}

describe('sticky cooperative assignor', () => {
  it('user data round-trips; foreign or truncated user data owns nothing', () => {
    fc.assert(fc.property(fc.integer({ min: -1, max: 1 << 30 }), fc.array(fc.nat({ max: 1 << 20 })), (generation, partitions) => {
      expect(decodeOwned(encodeOwned({ generation, partitions }))).toEqual({ generation, partitions });
    }));
    const none = { generation: -1, partitions: [] };
    expect(decodeOwned(undefined)).toEqual(none);
    expect(decodeOwned(Buffer.alloc(0))).toEqual(none);
    expect(decodeOwned(Buffer.from('roundrobin'))).toEqual(none);
    expect(decodeOwned(encodeOwned({ generation: 3, partitions: [1, 2] }).subarray(0, 14))).toEqual(none);
  });

  it('the valid owner is the claim of the highest generation (ties: the smallest id)', () => {
    const owners = validOwners([
      { id: 'b', owned: { generation: 5, partitions: [0, 1] } },
      { id: 'a', owned: { generation: 3, partitions: [1, 2] } }, // 1: stale claim
      { id: 'c', owned: { generation: 5, partitions: [0, 9] } }, // 0: tie with b; 9 out of range
    ], 4);
    expect(owners).toEqual(['b', 'b', 'a', null]);
  });

  it('target: every partition exactly once, balanced within one, the most owned partitions kept, order-independent', () => {
    fc.assert(fc.property(scenario, fc.infiniteStream(fc.nat()), ({ n, claims }, perm) => {
      const target = stickyTarget(claims, n);
      const all = [...target.values()].flat().sort((a, b) => a - b);
      expect(all).toEqual([...Array(n).keys()]);
      const sizes = [...target.values()].map((ps) => ps.length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      const owner = validOwners(claims, n);
      let kept = 0;
      for (const [id, ps] of target) kept += ps.filter((p) => owner[p] === id).length;
      expect(kept).toBe(bestKept(claims, n));
      const shuffled = claims.map((c, i) => ({ c, k: perm.next().value as number + i })).sort((x, y) => x.k - y.k).map((x) => x.c);
      expect(stickyTarget(shuffled, n)).toEqual(target);
    }), { numRuns: 500 });
  });

  it('cooperative: nothing is taken from its valid owner in one generation; the next generation reaches the target', () => {
    fc.assert(fc.property(scenario, ({ n, claims }) => {
      const owner = validOwners(claims, n);
      const target = stickyTarget(claims, n);
      const { assignment, revoked } = cooperativeAssign(claims, n);
      for (const [id, ps] of assignment) {
        expect(target.get(id)).toEqual(expect.arrayContaining(ps));
        for (const p of ps) expect(owner[p] === null || owner[p] === id).toBe(true);
      }
      const given = [...assignment.values()].flat();
      expect(new Set(given).size).toBe(given.length);
      expect([...given, ...revoked].sort((a, b) => a - b)).toEqual([...Array(n).keys()]);
      // Generation g+1: each member reports what it was given in g; a second rebalance completes the move.
      const next = claims.map((c) => ({ id: c.id, owned: { generation: 10, partitions: assignment.get(c.id)! } }));
      const second = cooperativeAssign(next, n);
      expect(second.revoked).toEqual([]);
      expect(second.assignment).toEqual(stickyTarget(next, n));
      expect([...second.assignment.values()].flat().sort((a, b) => a - b)).toEqual([...Array(n).keys()]);
    }), { numRuns: 500 });
  });

  it('a third member joining two that own 4 partitions: one partition is revoked, then given to it in the next generation; the others stay', () => {
    const claims = [{ id: 'a', owned: { generation: 2, partitions: [0, 2] } }, { id: 'b', owned: { generation: 2, partitions: [1, 3] } }, { id: 'c', owned: { generation: -1, partitions: [] } }];
    const first = cooperativeAssign(claims, 4);
    expect(first.revoked).toEqual([3]); // the larger quota goes to a (equal owned counts: the smaller id)
    expect(Object.fromEntries(first.assignment)).toEqual({ a: [0, 2], b: [1], c: [] });
    const second = cooperativeAssign([{ id: 'a', owned: { generation: 3, partitions: [0, 2] } }, { id: 'b', owned: { generation: 3, partitions: [1] } }, { id: 'c', owned: { generation: 3, partitions: [] } }], 4);
    expect(Object.fromEntries(second.assignment)).toEqual({ a: [0, 2], b: [1], c: [3] });
  });

  it('as the client\'s partitionAssigner: reads the members\' user data, one assignment per member and topic', () => {
    const members = new Map([
      ['a', { memberId: 'a', metadata: encodeOwned({ generation: 1, partitions: [0, 1, 2, 3] }) }],
      ['b', { memberId: 'b', metadata: Buffer.alloc(0) }],
    ]);
    const out = cooperativeStickyAssigner('a', members, new Set(['t']), { topics: new Map([['t', { partitionsCount: 4 }]]) });
    expect(out.map((m) => [m.memberId, m.assignments.get('t')!.partitions])).toEqual([['a', [0, 1]], ['b', []]]);
  });
});
