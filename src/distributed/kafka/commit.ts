/**
 * Kafka's side of `StepLog.commit` (log-backend.ts): the steps of one stage
 * (one per unit: its messages and its next offset) are written in **one
 * transaction** with their offsets, at the group generation the units were
 * assigned in (the steps' `epoch`), by the stage's member (member.ts: Kafka
 * Streams' exactly-once v2 shape). A refused transaction (the generation is
 * stale, the producer fenced: member.ts `isFenced`) is aborted, so every step
 * of it is 'fenced' and `fencedBy` keeps the broker's error for the worker's
 * line; any other error leaves the outcome unknown and is thrown.
 */
import type { CommitResult } from '../backend.js';
import type { StepLog, UnitCommit } from '../log-backend.js';
import type { OutMessage } from './input-partition.js';
import { isFenced, type Member } from './member.js';

/** A Kafka unit's write: the messages of its step, and the next offset of its partition once they are in. */
export interface KafkaWrite {
  partition: number;
  messages: OutMessage[];
  next: number;
}

/** One stage's commits: one transaction per call (see module doc). */
export class StageCommits implements StepLog<KafkaWrite> {
  /** Transactions begun in this process (numbers `beforeCommit`). */
  private begun = 0;
  /** The error of the last refused transaction. */
  fencedBy: unknown = null;

  /** @param beforeCommit called in each transaction before its offsets are added, with its 1-based number (fault injection). */
  constructor(private readonly member: Member, private readonly beforeCommit?: (n: number) => void | Promise<void>) {}

  /** Commits every step in one transaction at the first step's epoch (the steps of one stage share their generation). */
  async commit(_worker: string, steps: UnitCommit<KafkaWrite>[]): Promise<CommitResult[]> {
    if (steps.length === 0) return [];
    const n = ++this.begun;
    const hook = this.beforeCommit;
    try {
      await this.member.commit(steps.flatMap((s) => s.write.messages), steps.map((s) => [s.write.partition, s.write.next]), steps[0]!.epoch, hook && (() => hook(n)));
    } catch (e) {
      if (!isFenced(e)) throw e;
      this.fencedBy = e;
      return steps.map(() => 'fenced');
    }
    return steps.map(() => 'ok');
  }
}
