/**
 * The data types of Redis's job log (job-log.ts `JobLog`): leases with epochs
 * checked by every commit (fencing, as Kafka's producer epochs), and *atomic*
 * commits: a stage-1 commit appends to every key partition and moves the input
 * offset in one step; a stage-2 commit appends output rows and moves its
 * offset in one step. All instants are the server's clock (ms), so workers'
 * clocks may differ.
 */
import type { UnitId } from '../backend.js';

/** The holder of one unit's lease. */
export interface LeaseView {
  unit: UnitId;
  /** Worker id, '' when free. */
  owner: string;
  /** Incremented at every acquisition; commits must carry the current one. */
  epoch: number;
  /** Server time (epoch ms) the lease runs out at. */
  expiresMs: number;
}

/** The answer to a heartbeat. */
export interface HeartbeatReply {
  nowMs: number;
  /** Units the caller believed it held but no longer does. */
  lost: UnitId[];
  /** Live members (ids), sorted. */
  members: string[];
  leases: LeaseView[];
}

/** What a job was created with (stored in the log; fixed for its life). */
export interface JobMeta {
  inputPartitions: number;
  keyPartitions: number;
  /** JSON of the pipeline description. */
  fingerprint: string;
  /** Output stream name (`--to`). */
  output: string;
  /** Per input partition, entries retention trimmed before the job was created: it never reads them (Redis). */
  missedEntries?: number[];
}

/** Committed state of one input partition (stage 1). Times in epoch ms. */
export interface Stage1State {
  /** Id of the last input entry consumed, `0-0` before any. */
  offset: string;
  /** Number of the last committed batch (0 before any). */
  seq: number;
  maxEventTimeMs: number;
  /** Records before this are late whatever the running maximum (set when the partition came back from idle). */
  floorMs: number;
  idle: boolean;
  eof: boolean;
  lines: number;
  late: number;
  entries: number;
  /** The planned batch (write-ahead), present between plan and commit. */
  plan?: { seq: number; from: string; to: string; floorMs: number };
}

/** A stage-1 commit. */
export interface Stage1Commit {
  partition: number;
  seq: number;
  offset: string;
  maxEventTimeMs: number;
  /** The partition's watermark after the batch (epoch ms). */
  watermarkMs: number;
  eof: boolean;
  idle: boolean;
  floorMs: number;
  lines: number;
  late: number;
  entries: number;
  /** Packed partials for each key partition ('' for none); one message goes to every key partition. */
  payloads: string[];
  /**
   * A stateless job (no key partitions, `payloads` empty): output rows written in the same atomic
   * step (distributed/rows.ts), as one output entry per pack tagged with the input partition and
   * `closed`, the partition's lines final with this commit (+∞ at its end); a progress-only entry
   * when there are no packs.
   */
  rows?: { output: string; closed: number; packs: string[] };
}

/** Committed state of one key partition (stage 2). */
export interface Stage2State {
  /** Id of the last message applied, `0-0` before any. */
  offset: string;
  /** Replay from this id (inclusive) to rebuild the open windows; `0-0`: none needed. */
  rebuild: string;
  /** JSON of the per-source progress (last seq, watermark, eof, idle). */
  sources: string;
  /** End of the last closed window (epoch ms). */
  sealedMs: number;
  done: boolean;
  rows: number;
  late: number;
  /** Open windows left by a graceful hand-over at this offset (codec JSON of `PaneTable.snapshot()`), if any. */
  handOver?: string;
}

/** A stage-2 commit. */
export interface Stage2Commit {
  prevOffset: string;
  offset: string;
  rebuild: string;
  sources: string;
  sealedMs: number;
  done: boolean;
  rowsAdded: number;
  lateAdded: number;
  /** Every window ending at or before this (epoch ms) is final in this key partition: the minimum watermark less the allowed lateness. */
  closedMs: number;
  /** Output rows, packed (LF-joined JSON rows). */
  rowPacks: string[];
  /**
   * `--update-state-by-key`: the key partition's state (state-stage.ts), stored in the same atomic
   * step and given back by `stage2State` as `handOver` while the offset stays this commit's.
   */
  state?: string;
}
