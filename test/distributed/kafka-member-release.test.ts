/**
 * A Kafka worker's group membership after it released partitions (kafka/member.ts `hold`,
 * `ensureJoined`): the group must hear the new claim, or the released partitions stay revoked
 * (given to nobody) for ever and a `--once` job never ends (test/kafka/sticky.test.ts hung so).
 *
 * The consumer's `joinGroup` is replaced by a stub that behaves as @platformatic/kafka's does: the
 * claim is read at each call, a join called while one is under way is merged into it (its own claim
 * is not sent), a request that is sent is announced ('client:performDeduplicated' 'joinGroup'), and
 * the join event is emitted once per caller when the generation forms. The last test checks that the
 * real client announces its join requests so.
 */
import { describe, expect, it } from 'vitest';
import { decodeOwned, type Owned } from '../../src/distributed/kafka/assignor.js';
import { Member } from '../../src/distributed/kafka/member.js';

const TOPIC = 'access';
const MEMBER = 'worker-1';

/** A Member whose consumer never reaches a broker: joins are recorded and completed by the test. */
function stubbedMember() {
  const m = new Member({ url: { brokers: ['127.0.0.1:1'] } } as never, 'job', TOPIC, 'tx', 6000, 'w');
  const consumer = m.consumer as unknown as Record<string, unknown> & { emit(e: string, v: unknown): boolean };
  consumer.memberId = MEMBER;
  consumer.isActive = () => true;
  /** The claim of every join request sent to the coordinator, in order. */
  const sent: Owned[] = [];
  let inFlight: { callers: number; resolve: () => void; done: Promise<void> } | null = null;
  consumer.joinGroup = (opts: { protocols: { metadata: Buffer }[] }) => {
    const claim = decodeOwned(opts.protocols[0]!.metadata); // built at each call, as the client does
    if (inFlight) {
      inFlight.callers++;
      return inFlight.done;
    }
    consumer.emit('client:performDeduplicated', 'joinGroup');
    sent.push(claim);
    let resolve!: () => void;
    const done = new Promise<void>((r) => (resolve = r));
    inFlight = { callers: 1, resolve, done };
    return done;
  };
  /** The generation forms: one join event per caller of the request under way, then it settles. */
  const form = async (generation: number, partitions: number[]) => {
    const f = inFlight!;
    inFlight = null;
    for (let i = 0; i < f.callers; i++) consumer.emit('consumer:group:join', { generationId: generation, memberId: MEMBER, assignments: [{ topic: TOPIC, partitions }] });
    f.resolve();
    await f.done;
    await new Promise((r) => setImmediate(r)); // the member's `finally` (one join at a time) has run
  };
  /** A background join of the client itself (a heartbeat answered "rebalance in progress"). */
  const clientRejoins = () => void (consumer.joinGroup as (o: unknown) => Promise<void>)((m as unknown as { joinOptions: unknown }).joinOptions);
  /** The worker's rebalance: `ensureJoined`, then it holds what the last view gives it. */
  const step = async (hold: number[]) => {
    await m.ensureJoined();
    m.hold(m.view(), hold);
  };
  /** The first join (of the client), generation `generation` formed, and the worker holding `partitions`. */
  const joinedHolding = async (generation: number, partitions: number[]) => {
    clientRejoins();
    await form(generation, partitions);
    m.hold(m.view(), partitions);
  };
  return { m, sent, form, clientRejoins, step, joinedHolding, pending: () => inFlight !== null };
}

const all = [0, 1, 2, 3, 4, 5, 6, 7];
const kept = [0, 1, 2, 3, 4, 5];

describe('a Kafka member that released partitions joins until the group has heard it', () => {
  it('the join under way at the release said the old claim, and its event came twice: one more join says the new one', async () => {
    const s = stubbedMember();
    await s.joinedHolding(3, all);
    s.clientRejoins(); // a third worker joins; the group revokes 6,7 from this one
    await s.form(5, kept);
    s.clientRejoins(); // another rebalance begins before the worker's step: the client's own join, with the old claim
    expect(s.sent.at(-1)).toEqual({ generation: 3, partitions: all });
    // The worker reconciles generation 5 and releases 6,7: its join is merged into the one under way.
    s.m.hold(s.m.view(), kept);
    expect(s.sent).toHaveLength(3);
    await s.form(6, kept); // formed from the old claim: 6,7 were revoked again (given to nobody)
    await s.step(kept);
    expect(s.sent, 'the member joined again, saying it holds 0..5').toHaveLength(4);
    expect(s.sent[3]!.partitions).toEqual(kept);
    await s.form(7, kept);
    await s.step(kept);
    expect(s.pending(), 'the group has heard the release: no more joins').toBe(false);
    expect(s.sent).toHaveLength(4);
  });

  it('no join under way at the release: the request says the new claim at once, and no other join follows', async () => {
    const s = stubbedMember();
    await s.joinedHolding(4, all);
    s.m.hold(s.m.view(), kept); // releases 6,7 in generation 4: joins at once
    expect(s.sent).toEqual([{ generation: -1, partitions: [] }, { generation: 4, partitions: kept }]);
    await s.form(5, kept);
    await s.step(kept);
    await s.step(kept);
    expect(s.pending()).toBe(false);
    expect(s.sent).toHaveLength(2);
  });

  it('holding the same partitions in a new generation is no release: no join', async () => {
    const s = stubbedMember();
    await s.joinedHolding(2, kept);
    await s.step(kept);
    expect(s.sent).toHaveLength(1);
    expect(s.pending()).toBe(false);
  });

  it('the real client announces each join request it sends, after reading the claim (what member.ts counts on)', async () => {
    const m = new Member({ url: { brokers: ['127.0.0.1:1'] } } as never, 'job', TOPIC, 'tx', 6000, 'w');
    const seen: string[] = [];
    m.consumer.on('client:performDeduplicated', (operation: string) => operation === 'joinGroup' && seen.push(operation));
    const joining = m.ensureJoined().catch((e: unknown) => e); // no broker there: the join fails in the end
    expect(seen).toEqual(['joinGroup']); // at once, before any connection
    const merged = m.consumer.joinGroup((m as unknown as { joinOptions: never }).joinOptions).catch((e: unknown) => e);
    expect(seen, 'a join called while one is under way sends nothing').toEqual(['joinGroup']);
    await Promise.all([joining, merged]);
    await m.leave();
  }, 60_000);
});
