/**
 * A stage-1 commit over Redis Cluster: one input partition's batch becomes one
 * message in every key partition's stream, plus the partition's new offset.
 * Those keys live in different hash slots (keys.ts), and a Lua script may only
 * touch one slot, so the commit is three steps, each one script:
 *
 *   1. decide   (slot of input partition P, fenced by P's lease epoch, only if
 *               the state is at seq − 1): writes the whole commit, every
 *               payload included, into P's state as `pending` (c* fields);
 *   2. deliver  (slot of each key partition Q, all Q in parallel): appends the
 *               message (P, seq) unless Q's `seen[P]` ≥ seq, then sets
 *               `seen[P]` = seq; both in one script;
 *   3. finish   (slot of P): once every Q has answered OK or DUP, the pending
 *               commit becomes P's state (seq, offset, watermark, counts) and
 *               the pending fields are dropped, unless seq is not pending.
 *
 * Why this is exactly once (each message (P, seq) lands in each Q once, and
 * P's offset moves past a batch only once all of them have landed):
 *
 * - The decision is step 1, a single atomic script in P's slot. It succeeds
 *   only for seq = state.seq + 1 while no commit is pending, so for every
 *   (P, seq) at most one content is ever decided, whoever asks (the seq
 *   chain alone ensures this). It also succeeds only for the lease holder at
 *   its epoch, kept in the same slot, so a zombie (lease taken over) decides
 *   nothing at all.
 * - Steps 2 and 3 only copy the decided content, so anyone may do them, any
 *   number of times, in any interleaving: the deciding worker, or whoever
 *   next reads P's state (`stage1State` rolls a pending commit forward before
 *   answering: a new owner after a kill -9, a zombie still finishing its own
 *   commit, or `dstream job status`). A delivery is applied once per Q
 *   (`seen[P]` and the append are one script in Q's slot); a repeat answers
 *   DUP. Step 3 applies once (guarded by `cseq`); a repeat answers DONE.
 * - Step 3 runs only after every Q has the message, so a committed offset
 *   always implies every message of the batch delivered, and seq + 1 can
 *   only be decided after that: `seen[P]` in each Q grows by exactly one,
 *   in seq order (a GAP answer would mean an invariant broke: an error).
 * - A crash between any two steps leaves a pending commit that the next
 *   reader rolls forward; nothing of it is computed again, so the result does
 *   not depend on stage 1 being deterministic.
 *
 * Cost on a Cluster: 2 + key partitions scripts per batch (the deliveries in
 * parallel); an idle message takes the same path. On one server, where a
 * script may touch any key, the three steps run as one atomic script
 * (s1-commit-all.lua, composed of the same three files), so no commit is ever
 * left pending there and a batch costs one round trip and one fsync.
 */
import type { CommitResult } from '../backend.js';
import type { Stage1Commit } from './types.js';
import { DStreamError } from '../../core/errors.js';
import { numText, range } from './codec.js';
import { linesOutputKey, type JobKeys } from './keys.js';
import type { Client } from './scripts.js';

/**
 * Crash tests: `DSTREAM_REDIS_FAULT=after-decide@N` or `after-half@N` kills this process with SIGKILL in
 * its N-th stage-1 commit, after step 1, or after step 2 reached the first half of the key partitions.
 */
const FAULT = /^(after-decide|after-half)@(\d+)$/.exec(process.env.DSTREAM_REDIS_FAULT ?? '');
let commits = 0;

/** SIGKILL now if the fault is `point` in this commit. */
function faultAt(point: string, n: number): void {
  if (FAULT && FAULT[1] === point && Number(FAULT[2]) === n) process.kill(process.pid, 'SIGKILL');
}

/** The commit as decided: what steps 2 and 3 need. */
interface Decided {
  partition: number;
  seq: number;
  watermark: string;
  eof: 0 | 1;
  idle: 0 | 1;
  payloads: string[];
}

/** Steps 1–3 for the lease holder (see module doc). */
export async function commitStage1(redis: Client, k: JobKeys, worker: string, epoch: number, c: Stage1Commit, cluster: boolean): Promise<CommitResult> {
  const p = c.partition;
  const d: Decided = { partition: p, seq: c.seq, watermark: numText(c.watermarkMs), eof: c.eof ? 1 : 0, idle: c.idle ? 1 : 0, payloads: c.payloads };
  const args = [worker, epoch, c.seq, c.offset, numText(c.maxEventTimeMs), d.watermark, d.eof, d.idle, numText(c.floorMs), c.lines, c.late, c.entries, ...c.payloads];
  const keys = [k.lease(`s1:${p}`), k.s1(p)];
  if (!cluster) keys.push(...c.payloads.flatMap((_, q) => [k.kp(q, 'seen'), k.kp(q, 's2in')]));
  // A stateless job (no key partitions) writes its rows to the input partition's output stream in the
  // same script: on a Cluster too, where that stream lies in the partition's slot (keys.ts linesOutputKey).
  const rows = c.rows ? [numText(c.rows.closed), ...c.rows.packs] : [];
  if (c.rows) keys.push(linesOutputKey(k.base, c.rows.output, p, cluster));
  const r = cluster && !c.rows ? await redis.dsS1Decide(keys[0]!, keys[1]!, ...args) : await redis.dsS1CommitAll(keys.length, ...keys, p, ...args, ...rows);
  if (r === 'FENCED') return 'fenced';
  if (r === 'STALE') return 'stale';
  if (r === 'PENDING') {
    // This seq was decided already (a retried request whose answer was lost): finish what is stored.
    await rollForward(redis, k, p, await redis.hgetall(k.s1(p)));
    return 'stale';
  }
  if (r === 'GAP') throw gapError(p, c.seq);
  if (!cluster || c.rows) return 'ok';
  const n = ++commits;
  faultAt('after-decide', n);
  await deliverAndFinish(redis, k, d, n);
  return 'ok';
}

/**
 * Finishes the pending commit in `s1` (P's state hash), if any (steps 2 and 3).
 * @returns true when there was one.
 */
export async function rollForward(redis: Client, k: JobKeys, p: number, s1: Record<string, string>): Promise<boolean> {
  if (s1.cseq === undefined) return false;
  const n = Number(s1.cn ?? 0);
  await deliverAndFinish(redis, k, {
    partition: p, seq: Number(s1.cseq), watermark: s1.cwm ?? '-inf', eof: s1.ceof === '1' ? 1 : 0, idle: s1.cidle === '1' ? 1 : 0,
    payloads: range(n).map((q) => s1[`c${q}`] ?? ''),
  });
  return true;
}

/** Steps 2 and 3 of a decided commit. @throws DStreamError when a key partition misses an earlier batch of P. */
async function deliverAndFinish(redis: Client, k: JobKeys, d: Decided, n = 0): Promise<void> {
  const deliver = (payload: string, q: number) => redis.dsS1Deliver(k.kp(q, 'seen'), k.kp(q, 's2in'), d.partition, d.seq, d.watermark, d.eof, d.idle, payload);
  if (FAULT?.[1] === 'after-half' && Number(FAULT[2]) === n) {
    const half = Math.ceil(d.payloads.length / 2);
    await Promise.all(d.payloads.slice(0, half).map(deliver));
    faultAt('after-half', n);
  }
  const answers = await Promise.all(d.payloads.map(deliver));
  if (answers.includes('GAP')) throw gapError(d.partition, d.seq);
  await redis.dsS1Finish(k.s1(d.partition), d.seq);
}

/** A key partition lacks an earlier batch of input partition `p` (an invariant broken: never in a sound state). */
function gapError(p: number, seq: number): DStreamError {
  return new DStreamError('E_LOG', 'processing', `a key partition lacks a batch of input partition ${p} before batch ${seq}; the job's state in redis is damaged (dstream job reset, then run it again)`);
}
