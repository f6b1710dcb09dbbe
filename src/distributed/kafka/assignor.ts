/**
 * The sticky, cooperative partition assignor of a Kafka job's consumer groups
 * (the classic group protocol: the group leader computes the assignment).
 *
 * Each member says in its subscription's user data which partitions it holds
 * and the generation it held them in (`encodeOwned`). The leader then:
 *
 * 1. gives each owned partition one valid owner: the member claiming it in the
 *    highest generation (ties: the smallest member id); older claims are stale
 *    (a member that lost its partitions while paused);
 * 2. computes a target that is balanced within one and keeps the most owned
 *    partitions (`stickyTarget`): the members owning the most get the larger
 *    quotas, each keeps its lowest partitions up to its quota, and the rest
 *    are dealt in ascending order to the members below their quota;
 * 3. cooperative hand-over (`cooperativeAssign`): a partition whose target
 *    differs from its valid owner is only revoked in this generation — given
 *    to nobody. Its owner finishes its step, releases it and joins again;
 *    the next generation gives it to its target (no owner claims it any more).
 *
 * Pure and deterministic: the answer does not depend on the order of members.
 */

/** What a member holds: partitions of the group's topic, and the generation it held them in (−1: none). */
export interface Owned {
  generation: number;
  partitions: number[];
}

/** One member of a rebalance: its id and what it says it holds. */
export interface Claim {
  id: string;
  owned: Owned;
}

const VERSION = 1;

/** User data of a subscription: int16 version, int32 generation, int32 count, int32 partitions. */
export function encodeOwned(o: Owned): Buffer {
  const b = Buffer.alloc(10 + 4 * o.partitions.length);
  b.writeInt16BE(VERSION, 0);
  b.writeInt32BE(o.generation, 2);
  b.writeInt32BE(o.partitions.length, 6);
  o.partitions.forEach((p, i) => b.writeInt32BE(p, 10 + 4 * i));
  return b;
}

/** The inverse of `encodeOwned`; empty, foreign or truncated user data owns nothing. */
export function decodeOwned(b: Buffer | null | undefined): Owned {
  const none = { generation: -1, partitions: [] };
  if (!b || b.length < 10 || b.readInt16BE(0) !== VERSION) return none;
  const n = b.readInt32BE(6);
  if (n < 0 || b.length !== 10 + 4 * n) return none;
  const partitions: number[] = [];
  for (let i = 0; i < n; i++) partitions.push(b.readInt32BE(10 + 4 * i));
  return { generation: b.readInt32BE(2), partitions };
}

/**
 * The valid owner of each of `partitions` partitions (index → member id, or null): the member
 * claiming it in the highest generation, ties to the smallest id. Claims of partitions out of range are ignored.
 */
export function validOwners(claims: Claim[], partitions: number): (string | null)[] {
  const owner: (string | null)[] = new Array<string | null>(partitions).fill(null);
  const gen: number[] = new Array<number>(partitions).fill(-Infinity);
  for (const c of claims) {
    for (const p of c.owned.partitions) {
      if (!Number.isInteger(p) || p < 0 || p >= partitions) continue;
      const g = c.owned.generation;
      if (g > gen[p]! || (g === gen[p]! && c.id < owner[p]!)) {
        owner[p] = c.id;
        gen[p] = g;
      }
    }
  }
  return owner;
}

/**
 * The target assignment of `partitions` partitions among `claims`' members: every partition once,
 * member sizes within one of each other, as many validly owned partitions kept as any balanced
 * assignment can keep. Returns member id → its partitions (ascending), one entry per member.
 */
export function stickyTarget(claims: Claim[], partitions: number): Map<string, number[]> {
  const ids = [...new Set(claims.map((c) => c.id))].sort();
  const out = new Map<string, number[]>(ids.map((id) => [id, []]));
  if (ids.length === 0) return out;
  const owner = validOwners(claims, partitions);
  const owned = new Map<string, number[]>(ids.map((id) => [id, []]));
  owner.forEach((id, p) => id !== null && owned.get(id)!.push(p));
  // The larger quotas go to the members owning the most (ties: smaller id): that keeps the most.
  const base = Math.floor(partitions / ids.length);
  const extra = partitions % ids.length;
  const byOwned = [...ids].sort((a, b) => owned.get(b)!.length - owned.get(a)!.length || (a < b ? -1 : 1));
  const quota = new Map(byOwned.map((id, i) => [id, base + (i < extra ? 1 : 0)]));
  const free: number[] = [];
  for (const id of ids) {
    const mine = owned.get(id)!;
    const q = quota.get(id)!;
    out.get(id)!.push(...mine.slice(0, q));
    free.push(...mine.slice(q));
  }
  owner.forEach((id, p) => id === null && free.push(p));
  free.sort((a, b) => a - b);
  let i = 0;
  for (const id of ids) {
    const mine = out.get(id)!;
    while (mine.length < quota.get(id)! && i < free.length) mine.push(free[i++]!);
    mine.sort((a, b) => a - b);
  }
  return out;
}

/**
 * One generation's assignment: `stickyTarget` without the partitions that move away from a valid
 * owner among the members (revoked now, given to their target in the next generation).
 * @returns member id → its partitions (ascending), and the partitions revoked in this generation.
 */
export function cooperativeAssign(claims: Claim[], partitions: number): { assignment: Map<string, number[]>; revoked: number[] } {
  const target = stickyTarget(claims, partitions);
  const owner = validOwners(claims, partitions);
  const revoked: number[] = [];
  const assignment = new Map<string, number[]>();
  for (const [id, ps] of target) {
    assignment.set(id, ps.filter((p) => {
      const moving = owner[p] !== null && owner[p] !== id;
      if (moving) revoked.push(p);
      return !moving;
    }));
  }
  return { assignment, revoked: revoked.sort((a, b) => a - b) };
}

/** The subscription of one member as @platformatic/kafka hands it to a partition assigner. */
interface Subscription {
  memberId: string;
  metadata?: Buffer | string;
}

/**
 * A `partitionAssigner` for @platformatic/kafka's Consumer: `cooperativeAssign` per subscribed topic,
 * from the members' user data. (With a single member the client gives it every partition itself.)
 */
export function cooperativeStickyAssigner(
  _current: string,
  members: Map<string, Subscription>,
  topics: Set<string>,
  metadata: { topics: Map<string, { partitionsCount: number }> },
): { memberId: string; assignments: Map<string, { topic: string; partitions: number[] }> }[] {
  const claims = [...members.values()].map((m) => ({ id: m.memberId, owned: decodeOwned(typeof m.metadata === 'string' ? Buffer.from(m.metadata) : m.metadata) }));
  const result = new Map(claims.map((c) => [c.id, new Map<string, { topic: string; partitions: number[] }>()]));
  for (const topic of topics) {
    const { assignment } = cooperativeAssign(claims, metadata.topics.get(topic)?.partitionsCount ?? 0);
    for (const [id, partitions] of assignment) result.get(id)!.set(topic, { topic, partitions });
  }
  return [...result].map(([memberId, assignments]) => ({ memberId, assignments }));
}
