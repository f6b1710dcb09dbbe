/**
 * The stage-1 commit in steps (src/distributed/redis/stage1-commit.ts) under any interleaving, on a
 * real redis-server, against a naive model. Three workers act on one input partition and 3 key
 * partitions in a random order: take the lease (with a 0 ms lease, so anyone can take over at any
 * moment) and read the state (which rolls a pending commit forward), decide their next batch with a
 * fresh payload, deliver it to one key partition, finish it, read the state, or crash (forget
 * everything). Zombies go on acting with their stale epoch. At the end one reader rolls forward.
 * Then every key partition holds batches 1…N exactly once, in order, each with the payload of the one
 * decision the server accepted for that batch; N is the partition's committed seq, its offset that
 * of batch N and its line count N (one line a batch: finished once each); no batch was ever accepted
 * twice. (The lease epoch is not what keeps this exact: decisions are chained by seq, one pending at
 * a time; the epoch keeps a worker that lost its lease from doing any more work.)
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ORIGIN } from '../../src/distributed/log-backend.js';
import { useRedisBackend } from '../distributed/redis-backend-fixture.js';
import { redisAvailable } from '../distributed/redis-harness.js';

const Q = 3;
const WORKERS = ['A', 'B', 'C'];

type Op = { w: number; kind: 'take' | 'decide' | 'deliver' | 'finish' | 'read' | 'crash'; q: number };
const op = fc.record({
  w: fc.integer({ min: 0, max: WORKERS.length - 1 }),
  kind: fc.constantFrom<Op['kind']>('take', 'decide', 'deliver', 'deliver', 'deliver', 'finish', 'read', 'crash'),
  q: fc.integer({ min: 0, max: Q - 1 }),
});

/** What a worker process holds in memory. */
interface Worker {
  epoch: number | null;
  next: number;
  inflight: { seq: number; payloads: string[]; delivered: Set<number> } | null;
}

describe.skipIf(!redisAvailable())('property: stage-1 commit steps, any interleaving of owners, zombies and crashes', () => {
  const fx = useRedisBackend('prop', 1);
  let run = 0;

  it('each batch lands once in every key partition, with the payload decided for it', async () => {
    await fc.assert(fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 60 }), async (ops) => {
      const b = fx.b;
      const job = b.job(`j${++run}`);
      await job.open(Q, '{}', `o${run}`);
      const r = b.redis;
      const lease = job.k.lease('s1:0');
      const s1 = job.k.s1(0);
      const accepted = new Map<number, string[]>(); // seq → payloads of the decision the server accepted
      const ws: Worker[] = WORKERS.map(() => ({ epoch: null, next: 1, inflight: null }));
      let tag = 0;
      for (const { w, kind, q } of ops) {
        const me = ws[w]!;
        const name = WORKERS[w]!;
        if (kind === 'take') {
          me.epoch = Number(await r.dsAcquire(lease, name, 0));
          me.inflight = null;
          me.next = (await job.stage1State(0)).seq + 1;
        } else if (kind === 'read') {
          await job.stage1State(0);
        } else if (kind === 'crash') {
          Object.assign(me, { epoch: null, inflight: null });
        } else if (kind === 'decide' && me.epoch !== null && !me.inflight) {
          const payloads = Array.from({ length: Q }, (_, i) => `${name}${++tag}q${i}`);
          const a = await r.dsS1Decide(lease, s1, name, me.epoch, me.next, `${me.next}-0`, '0', '0', 0, 0, '-inf', 1, 0, 1, ...payloads);
          if (a === 'OK') {
            expect(accepted.has(me.next), `batch ${me.next} accepted twice`).toBe(false);
            accepted.set(me.next, payloads);
            me.inflight = { seq: me.next, payloads, delivered: new Set() };
          }
        } else if (kind === 'deliver' && me.inflight && !me.inflight.delivered.has(q)) {
          const { seq, payloads, delivered } = me.inflight;
          expect(await r.dsS1Deliver(job.k.kp(q, 'seen'), job.k.kp(q, 's2in'), 0, seq, '0', 0, 0, payloads[q]!)).not.toBe('GAP');
          delivered.add(q);
        } else if (kind === 'finish' && me.inflight && me.inflight.delivered.size === Q) {
          await r.dsS1Finish(s1, me.inflight.seq);
          me.next = me.inflight.seq + 1;
          me.inflight = null;
        }
      }
      const state = await job.stage1State(0); // the last reader rolls forward whatever is pending
      expect([state.seq, state.lines, state.offset]).toEqual([accepted.size, accepted.size, accepted.size ? `${accepted.size}-0` : ORIGIN]);
      for (let q = 0; q < Q; q++) {
        const got = (await job.readStage2(q, ORIGIN, 1000)).map((m) => `${m.seq}:${m.data}`);
        expect(got).toEqual([...accepted.keys()].sort((x, y) => x - y).map((seq) => `${seq}:${accepted.get(seq)![q]}`));
      }
    }), { numRuns: 150 });
  }, 120_000);
});
