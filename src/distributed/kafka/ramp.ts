/**
 * The size of a Kafka worker's stage-1 batches after a rebalance.
 *
 * A transaction's offsets carry the group generation its partitions were
 * assigned in, so a step still running when the group forms a new generation
 * (a worker joins or leaves) is refused and done again. The first worker of a
 * job takes every partition and is fenced as soon as the second one joins:
 * with full batches it loses a whole step of every partition. So after each
 * new generation the batches start small and double at every step committed
 * in that generation, up to the full size (`--max-records-per-batch`, else
 * 20,000 records per input partition): a rebalance fences little work, and a
 * generation that stays holds full batches after a few steps.
 */

/** The first batch after a new generation is the full size divided by this (at least `MIN_RECORDS`). */
const START_DIVISOR = 8;
const MIN_RECORDS = 100;

/** Records per input partition for each stage-1 step of one worker (see module doc). */
export class BatchRamp {
  private generation = Number.NaN;
  private size = 0;

  /** @param full records per input partition once the generation is stable (≥ 1). */
  constructor(private full: number) {}

  /** The full size; a cut (a step outlasted the session) lowers it for good. */
  get fullSize(): number {
    return this.full;
  }

  set fullSize(n: number) {
    this.full = n;
    this.size = Math.min(this.size, n);
  }

  /** Records per input partition for the next step, in stage-1 generation `generation`. */
  next(generation: number): number {
    if (generation !== this.generation) {
      this.generation = generation;
      this.size = Math.min(this.full, Math.max(MIN_RECORDS, Math.floor(this.full / START_DIVISOR)));
    }
    return this.size;
  }

  /** A step of generation `generation` committed: the next batch of the same generation is twice as large, up to the full size. */
  committed(generation: number): void {
    if (generation === this.generation) this.size = Math.min(this.full, this.size * 2);
  }
}
