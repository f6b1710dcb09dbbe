/**
 * Which record batches of a read_committed fetch answer hold committed data,
 * as Kafka's own consumer decides it: the answer lists the aborted
 * transactions that overlap it (producer id, first offset); from a batch at or
 * past such a first offset on, that producer's transactional batches are
 * skipped until its control batch (the abort marker) ends the transaction.
 * Control batches never hold data.
 *
 * The Kafka client's own filter keeps an aborted transaction's records when
 * its abort marker is not in the same answer (a transaction larger than one
 * fetch), so every reader runs the answer through this as well.
 */

/** The batch fields the decision reads (the client's `RecordsBatch`). */
export interface BatchHead {
  firstOffset: bigint;
  lastOffsetDelta: number;
  attributes: number;
  producerId: bigint;
}

/** An entry of a fetch answer's aborted-transaction list. */
export interface AbortedTransaction {
  producerId: bigint;
  firstOffset: bigint;
}

export const IS_TRANSACTIONAL = 0x10;
export const IS_CONTROL = 0x20;

/**
 * A predicate over one partition's batches of one fetch answer, to be called on every batch in
 * offset order: true when the batch's records are committed data.
 */
export function committedData(aborted: readonly AbortedTransaction[]): (batch: BatchHead) => boolean {
  const pending = [...aborted].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0));
  const open = new Set<bigint>();
  return (b) => {
    const last = b.firstOffset + BigInt(b.lastOffsetDelta);
    while (pending.length && pending[0]!.firstOffset <= last) open.add(pending.shift()!.producerId);
    if (b.attributes & IS_CONTROL) {
      open.delete(b.producerId); // the end of that producer's transaction
      return false;
    }
    return !((b.attributes & IS_TRANSACTIONAL) && open.has(b.producerId));
  };
}
