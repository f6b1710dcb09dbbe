/**
 * The data types of the `LogBackend` contract (log-backend.ts) that both
 * backends use: unit ids, input entries, stage-1 messages, commit outcomes
 * and what `dstream job status` shows. Redis's own (leases, its stage states
 * and commits): redis/types.ts.
 */

/** A unit of work: `s1:P` (input partition P) or `s2:Q` (key partition Q). */
export type UnitId = string;

/** One input entry: several lines joined by LF, or an end-of-input marker. */
export interface InputEntry {
  id: string;
  lines: string | null;
  eof: boolean;
}

/** A message from stage 1 to one key partition. */
export interface Stage2Message {
  id: string;
  source: number;
  seq: number;
  watermarkMs: number;
  eof: boolean;
  idle: boolean;
  data: string;
}

/** Result of a fenced commit: the caller lost the unit. */
export type CommitResult = 'ok' | 'fenced' | 'stale';

/** What `dstream job status` shows of a job (admin.ts builds it; `--json` prints it). */
export interface JobStatus {
  topic: string;
  group: string;
  exists: boolean;
  inputPartitions?: number;
  keyPartitions?: number;
  output?: string;
  /** Live members; `expiresInMs` null where the log does not say (Kafka: the group coordinator keeps the session). */
  members: { id: string; expiresInMs: number | null }[];
  /** Set when the members could not be read (why): `members` is then empty, not "none". */
  membersUnknown?: string;
  units: {
    unit: string; owner: string; epoch: number; expiresInMs: number;
    /** Stage 1: entries not yet consumed; stage 2: messages waiting. */
    lag: number;
    /** Stage 1: the partition's watermark; stage 2: end of the last closed window (ISO 8601 or null). */
    watermark: string | null;
    done: boolean;
    lines?: number; late?: number; rows?: number;
    /** Stage 1: entries retention trimmed before the job was created; it never reads them (not in `lag`). */
    missed?: number;
  }[];
  complete: boolean;
}
