/**
 * Stage 1 of a stateless distributed pipeline (`--filter`/`--map`/`--flat-map`
 * and `--event-time` alone): the operators run over an input partition's
 * lines and their records become output rows, written by the stage-1 commit
 * itself (atomically with the input offset; there is no stage 2).
 *
 * An output row is the JSON of `[ordinal, record]`: `ordinal` is the line's
 * number within its input partition (0-based, over every line the partition
 * ever gave), the record is tagged by the checkpoint codec. A stream entry
 * holds up to `ROWS_PER_ENTRY` rows joined by LF, and carries the partition
 * and how many of its lines are final with it (`closed`; +∞ at its end), so
 * `dstream cat` can put the partitions' rows back into one order (cat.ts).
 */
import { decodeState, encodeState } from '../checkpoint/codec.js';
import type { IssueLog } from '../core/issues.js';
import type { StreamNode } from '../core/node.js';
import { prefixChain, type PrefixOptions } from '../engine/prefix-chain.js';
import { ROWS_PER_ENTRY } from './partials.js';

/** One output row of a stateless job: the record and the ordinal of the line it came from in its partition. */
export interface LineRow {
  ordinal: number;
  record: unknown;
}

/**
 * The stateless operators over one input partition's lines, numbered: a batch starts at the
 * partition's line `ordinal`; each record the operators give goes to `collect`.
 */
export abstract class LineCollector {
  readonly issues: IssueLog;
  /** Largest event time seen (epoch ms), −∞ before the first record (with `--event-time`). */
  maxEventTimeMs = -Infinity;
  /** Number (in its partition) of the line being run. */
  protected ordinal = 0;
  private readonly head: StreamNode;

  /**
   * @param o the prefix, `--parse`, `--timezone`, `--watermark` and `--on-error`.
   * @throws ConfigError for an invalid function or parser.
   */
  constructor(o: PrefixOptions) {
    const chain = prefixChain(o);
    this.issues = chain.issues;
    const self = this;
    this.head = chain.connect({
      record(value: unknown, tMs: number) {
        if (tMs > self.maxEventTimeMs) self.maxEventTimeMs = tMs;
        self.collect(value);
      },
      beginGroup() {},
      endGroup() {},
      endBatch() {},
    }).head;
  }

  /** Takes one record of the line `ordinal`. */
  protected abstract collect(value: unknown): void;
  /** Drops what was collected. */
  protected abstract clear(): void;

  /** Starts a batch whose first line is line `ordinal` of its partition; restores the running maximum. */
  begin(ordinal: number, maxEventTimeMs: number): void {
    this.ordinal = ordinal;
    this.maxEventTimeMs = maxEventTimeMs;
    this.clear();
  }

  /** Runs the next line of the partition through the operators. */
  line(line: string): void {
    this.issues.current = line;
    this.head.record(line, NaN);
    this.ordinal++;
  }

  /** Ends the batch of the operators (their warnings go to `issues`). */
  protected endBatch(): void {
    this.head.endBatch({ timeMs: NaN, index: 0, final: false });
  }
}

/** The records of a stateless job as output rows with line ordinals (see module doc). */
export class RowCollector extends LineCollector {
  private rows: string[] = [];

  protected collect(value: unknown): void {
    this.rows.push(JSON.stringify([this.ordinal, encodeState(value)]));
  }

  protected clear(): void {
    this.rows = [];
  }

  /** The rows since `begin`, packed into stream entries. */
  take(): string[] {
    this.endBatch();
    const packs: string[] = [];
    for (let i = 0; i < this.rows.length; i += ROWS_PER_ENTRY) packs.push(this.rows.slice(i, i + ROWS_PER_ENTRY).join('\n'));
    this.rows = [];
    return packs;
  }
}

/** Unpacks one output entry of a stateless job. */
export function unpackLineRows(pack: string): LineRow[] {
  return pack.split('\n').map((l) => {
    const [ordinal, r] = JSON.parse(l) as [number, unknown];
    return { ordinal, record: decodeState(r) };
  });
}

/**
 * Puts the rows of `n` input partitions into one order: line `k` of partition `p` is line `k·n + p`
 * of the topic — the order of the input `dstream publish` spread round-robin, line by line — and a
 * line's rows keep the order its operators gave them. A row is released once every line before it
 * is final (`closed` of its partition).
 */
export class LineMerger {
  private closed: number[];
  private queues: LineRow[][];
  /** Next line of the topic to release. */
  private next = 0;

  constructor(private readonly n: number) {
    this.closed = new Array<number>(n).fill(0);
    this.queues = Array.from({ length: n }, () => []);
  }

  /** Takes one output entry of input partition `p`: its rows (in order), and its lines final so far. */
  add(p: number, closed: number, rows: LineRow[]): void {
    if (p < 0 || p >= this.n) return;
    if (closed > this.closed[p]!) this.closed[p] = closed;
    for (const r of rows) this.queues[p]!.push(r);
  }

  /** Removes and returns the rows every line before which is final, in topic order. */
  takeFinal(): LineRow[] {
    const out: LineRow[] = [];
    const { n } = this;
    const cursor = new Array<number>(n).fill(0);
    for (;;) {
      const p = this.next % n;
      const k = Math.floor(this.next / n);
      if (this.closed[p]! <= k) break;
      if (this.closed.every((c) => c === Infinity) && this.queues.every((q, i) => cursor[i] === q.length)) break;
      const q = this.queues[p]!;
      while (cursor[p]! < q.length && q[cursor[p]!]!.ordinal === k) out.push(q[cursor[p]!++]!);
      this.next++;
    }
    for (let i = 0; i < n; i++) this.queues[i]!.splice(0, cursor[i]);
    return out;
  }

  /** Rows held back (lines before them not final yet). */
  get pendingRows(): number {
    return this.queues.reduce((s, q) => s + q.length, 0);
  }
}
