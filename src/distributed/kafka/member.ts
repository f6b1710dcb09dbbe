/**
 * One member of a Kafka job's consumer group with its transactional producer
 * (one per stage, see worker.ts): joins the group, reports the partitions and
 * generation it holds, and commits produced messages together with the group's
 * offsets in one transaction, refused ("fenced") once the generation is stale.
 */
import { Consumer, FetchIsolationLevels, Producer } from '@platformatic/kafka';
import { cooperativeStickyAssigner, encodeOwned } from './assignor.js';
import { clientOptions, deadline, hasApiError, type KafkaLog } from './log.js';
import type { OutMessage } from './units.js';
import { commitTxnOffsets } from './wire.js';

const FENCING = ['ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'REBALANCE_IN_PROGRESS', 'FENCED_INSTANCE_ID', 'PRODUCER_FENCED', 'INVALID_PRODUCER_EPOCH', 'FENCED_MEMBER_EPOCH', 'STALE_MEMBER_EPOCH'];

/**
 * Heartbeats at most this far apart (ms), a quarter of the session timeout below that: a member
 * learns of a rebalance at its next heartbeat, and a worker joining waits for every member to join
 * again, twice (cooperative), so with the default 10 s session (2.5 s heartbeats) a second worker
 * waited up to 5 s per group before its first step.
 */
const HEARTBEAT_MAX_MS = 500;

/** True when a commit was refused because this worker no longer owns what it committed. */
export function isFenced(e: unknown): boolean {
  return FENCING.some((id) => hasApiError(e, id));
}

/** One membership of a consumer group plus the transactional producer that commits for it. */
export class Member {
  readonly consumer: Consumer;
  private producer: Producer | null = null;
  /** The group coordinator's node id, found at the first commit (again after a failed one). */
  private coordinatorId: number | undefined;
  /** What the worker holds units for (see `hold`): said in the user data of every join. */
  private held: { memberId: string | null; generation: number; partitions: number[] } = { memberId: null, generation: -1, partitions: [] };
  /** The last completed join (SyncGroup answered): generation, member id and assignment, one consistent view. */
  private joined: { generation: number; memberId: string | null; partitions: number[] } = { generation: -1, memberId: null, partitions: [] };
  /**
   * Releases said by `hold` so far; how many the claim of the last join request built had seen, and
   * of the last one sent. A join called while one is under way is merged into it (the client sends
   * one request, built before the release, and emits the join event once per caller): until a
   * request built after the last release has been sent, the member joins again, or the group, with
   * the old claim, revokes the released partitions for ever and gives them to nobody.
   */
  private releases = 0;
  private builtWith = 0;
  private sentWith = 0;
  private rejoining = false;
  /** The options of every join, the client's background re-joins included (the user data is read at each). */
  private readonly joinOptions;

  /** @param worker the worker's id (`host:pid:random`): the consumer's client id, so `job status` names the worker. */
  constructor(private readonly log: KafkaLog, readonly groupId: string, readonly topic: string, private readonly txId: string, private readonly sessionTimeoutMs: number, worker: string) {
    this.consumer = new Consumer({ ...clientOptions(log.url, worker), groupId, isolationLevel: FetchIsolationLevels.READ_COMMITTED, autocommit: false });
    // The client reports a failed background re-join as an 'error' event (unhandled, it would end the process);
    // ensureJoined() joins again at the next step.
    this.consumer.on('error', () => undefined);
    this.consumer.on('consumer:group:join', (e: { generationId: number; memberId: string; assignments: { topic: string; partitions: number[] }[] | null }) => {
      const mine = e.assignments?.find((x) => x.topic === topic)?.partitions ?? [];
      this.joined = { generation: e.generationId, memberId: e.memberId, partitions: [...mine].sort((x, y) => x - y) };
    });
    // The client's debug event as it sends a request (a merged call sends none), just after building its claim.
    this.consumer.on('client:performDeduplicated', (operation: string) => {
      if (operation === 'joinGroup') this.sentWith = this.builtWith;
    });
    const s = sessionTimeoutMs;
    const held = () => {
      this.builtWith = this.releases;
      return this.held;
    };
    const consumer = this.consumer;
    this.joinOptions = {
      sessionTimeout: s, rebalanceTimeout: s, heartbeatInterval: Math.max(100, Math.min(HEARTBEAT_MAX_MS, Math.floor(s / 4))),
      // Read at each join: what this membership holds (nothing once the group has given it a new member id).
      protocols: [{ name: 'dstream-cooperative-sticky', version: 1, get metadata() {
        const h = held();
        return encodeOwned(h.memberId !== null && h.memberId === consumer.memberId ? h : { generation: -1, partitions: [] });
      } }],
      partitionAssigner: cooperativeStickyAssigner as never,
    };
  }

  async join(): Promise<void> {
    this.consumer.topics.trackAll(this.topic);
    await deadline(this.consumer.joinGroup(this.joinOptions), 'joining the group');
  }

  /**
   * Says which partitions the worker now holds units for, in the generation of `view` (said at every
   * join). When it no longer holds some it said it held in the same membership (released), it joins
   * again at once, in the background (and at each `ensureJoined` until a request saying so is sent):
   * the generation it forms gives them to their new owner.
   */
  hold(view: { generation: number; memberId: string | null }, partitions: number[]): void {
    const before = this.held;
    this.held = { memberId: view.memberId, generation: view.generation, partitions: [...partitions] };
    const now = new Set(partitions);
    if (before.memberId !== null && before.memberId === view.memberId && before.partitions.some((p) => !now.has(p))) {
      this.releases++;
      this.rejoin();
    }
  }

  /**
   * Joins again when the membership has ended: the client gives up re-joining after a few
   * failures (a broker away for long), and a member that is not heartbeating holds nothing.
   * After a release, joins again (in the background) until a request built after it is sent.
   */
  async ensureJoined(): Promise<void> {
    if (!this.consumer.isActive()) await this.join();
    else if (this.sentWith < this.releases) this.rejoin();
  }

  /**
   * Joins again in the background (one attempt at a time, given up after the call deadline so that a
   * join that never settles cannot stop the next): the group rebalances with what `hold` said last.
   */
  private rejoin(): void {
    if (this.rejoining) return;
    this.rejoining = true;
    void deadline(Promise.resolve(this.consumer.joinGroup(this.joinOptions) as unknown as Promise<void>), 'joining the group again').catch(() => undefined).finally(() => (this.rejoining = false));
  }

  /**
   * The last generation joined: its number, the member id the group knows this member by, and the
   * partitions of `topic` assigned to it (sorted). Read from the client's join event, so the three agree.
   */
  view(): { generation: number; memberId: string | null; partitions: number[] } {
    return this.joined;
  }

  /** A producer with this member's transactional id; making it anew fences (aborts) the previous one's open transaction. */
  private async ready(): Promise<Producer> {
    if (this.producer) return this.producer;
    const p = new Producer({ ...clientOptions(this.log.url), idempotent: true, transactionalId: this.txId, acks: -1, producerId: -1n, producerEpoch: -1 });
    const tx = await deadline(p.beginTransaction(), 'initialising the transactional producer');
    await deadline(tx.abort(), 'aborting a transaction').catch(() => tx.cancel().catch(() => undefined));
    this.producer = p;
    return p;
  }

  /** Drops the producer (after a failure its state is unknown). */
  reset(): void {
    const p = this.producer;
    this.producer = null;
    void Promise.resolve(p?.close(true) as unknown as Promise<void>).catch(() => undefined);
  }

  /**
   * Writes `messages` and commits `offsets` (partition → next offset to read) of `topic`
   * for this group in generation `generation`, in one transaction.
   * @throws the client's error (see `isFenced`); the transaction is then aborted.
   */
  async commit(messages: OutMessage[], offsets: [number, number][], generation: number, beforeCommit?: () => void | Promise<void>): Promise<void> {
    const producer = await this.ready();
    const tx = await deadline(producer.beginTransaction(), 'beginning a transaction');
    try {
      let chunk: { topic: string; partition: number; key?: Buffer; value: Buffer }[] = [];
      let bytes = 0;
      const flush = async () => {
        if (chunk.length) await deadline(tx.send({ messages: chunk }), 'sending');
        chunk = [];
        bytes = 0;
      };
      for (const m of messages) {
        const value = Buffer.from(m.value);
        if (bytes + value.length > 512 * 1024) await flush();
        chunk.push({ topic: m.topic, partition: m.partition, key: m.key === null ? undefined : Buffer.from(m.key), value });
        bytes += value.length;
      }
      await flush();
      await beforeCommit?.(); // fault injection: a pause here outlives the generation the offsets carry
      await deadline(tx.addConsumer(this.consumer as never), 'adding the group to the transaction');
      this.coordinatorId ??= await deadline(this.consumer.findGroupCoordinator(), 'finding the group coordinator');
      const coordinatorId = this.coordinatorId;
      // One TxnOffsetCommit for every partition (wire.ts): the client would send one per partition, one after another.
      await deadline(commitTxnOffsets(producer, this.consumer, { transactionalId: this.txId, coordinatorId, generation, topic: this.topic, offsets }), 'committing offsets');
      await deadline(tx.commit(), 'committing the transaction');
    } catch (e) {
      await deadline(tx.abort(), 'aborting a transaction').catch(() => undefined); // a broker gone may never answer: the next producer fences it
      this.reset();
      this.coordinatorId = undefined; // it may have moved (broker restart)
      throw e;
    }
  }

  async leave(): Promise<void> {
    this.reset();
    await deadline(this.consumer.leaveGroup(false) as unknown as Promise<void>, 'leaving the group', 5000).catch(() => undefined);
    await deadline(Promise.resolve(this.consumer.close(true) as unknown as Promise<void>), 'closing', 5000).catch(() => undefined);
  }
}

