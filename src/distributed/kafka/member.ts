/**
 * One member of a Kafka job's consumer group with its transactional producer
 * (one per stage, see worker.ts): joins the group, reports the partitions and
 * generation it holds, and commits produced messages together with the group's
 * offsets in one transaction, refused ("fenced") once the generation is stale.
 */
import { Consumer, FetchIsolationLevels, Producer } from '@platformatic/kafka';
import { clientOptions, deadline, hasApiError, type KafkaLog } from './log.js';
import type { OutMessage } from './units.js';
import { commitTxnOffsets } from './wire.js';

const FENCING = ['ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'REBALANCE_IN_PROGRESS', 'FENCED_INSTANCE_ID', 'PRODUCER_FENCED', 'INVALID_PRODUCER_EPOCH', 'FENCED_MEMBER_EPOCH', 'STALE_MEMBER_EPOCH'];

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

  /** @param worker the worker's id (`host:pid:random`): the consumer's client id, so `job status` names the worker. */
  constructor(private readonly log: KafkaLog, readonly groupId: string, readonly topic: string, private readonly txId: string, private readonly sessionTimeoutMs: number, worker: string) {
    this.consumer = new Consumer({ ...clientOptions(log.url, worker), groupId, isolationLevel: FetchIsolationLevels.READ_COMMITTED, autocommit: false });
    // The client reports a failed background re-join as an 'error' event (unhandled, it would end the process);
    // ensureJoined() joins again at the next step.
    this.consumer.on('error', () => undefined);
  }

  async join(): Promise<void> {
    this.consumer.topics.trackAll(this.topic);
    const s = this.sessionTimeoutMs;
    await deadline(this.consumer.joinGroup({ sessionTimeout: s, rebalanceTimeout: s, heartbeatInterval: Math.max(100, Math.floor(s / 4)) }), 'joining the group');
  }

  /**
   * Joins again when the membership has ended: the client gives up re-joining after a few
   * failures (a broker away for long), and a member that is not heartbeating holds nothing.
   */
  async ensureJoined(): Promise<void> {
    if (!this.consumer.isActive()) await this.join();
  }

  /** The generation and the partitions of `topic` this member holds in it (sorted). */
  view(): { generation: number; partitions: number[] } {
    const a = this.consumer.assignments?.find((x) => x.topic === this.topic);
    return { generation: this.consumer.generationId, partitions: [...(a?.partitions ?? [])].sort((x, y) => x - y) };
  }

  /** A producer with this member's transactional id; making it anew fences (aborts) the previous one's open transaction. */
  private async ready(): Promise<Producer> {
    if (this.producer) return this.producer;
    const p = new Producer({ ...clientOptions(this.log.url), idempotent: true, transactionalId: this.txId, acks: -1, producerId: -1n, producerEpoch: -1 });
    const tx = await deadline(p.beginTransaction(), 'initialising the transactional producer');
    await tx.abort().catch(() => tx.cancel().catch(() => undefined));
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
  async commit(messages: OutMessage[], offsets: [number, number][], generation: number, beforeCommit?: () => void): Promise<void> {
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
      beforeCommit?.(); // fault injection: a pause here outlives the generation the offsets carry
      await deadline(tx.addConsumer(this.consumer as never), 'adding the group to the transaction');
      this.coordinatorId ??= await deadline(this.consumer.findGroupCoordinator(), 'finding the group coordinator');
      const coordinatorId = this.coordinatorId;
      // One TxnOffsetCommit for every partition (wire.ts): the client would send one per partition, one after another.
      await deadline(commitTxnOffsets(producer, this.consumer, { transactionalId: this.txId, coordinatorId, generation, topic: this.topic, offsets }), 'committing offsets');
      await deadline(tx.commit(), 'committing the transaction');
    } catch (e) {
      await tx.abort().catch(() => undefined);
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

