/**
 * Exactly once under kill -9: 1,000,000 real-derived Apache lines (apache_logs ×100,
 * copy i shifted by 4i days) published once to 4 partitions (--keep-input: every seed's job reads
 * it all); per seed, 3 workers
 * (--lease 1s --batch 100ms --key-partitions 8) run the status-per-5-minute job
 * while 5 times a random worker is killed with SIGKILL after a random delay and a
 * new worker started in its place. When every worker has exited 0, `cat` sorted
 * equals the single-process reference, with no duplicate row.
 *
 * Kill delays are drawn from [100 ms, max(300 ms, T / 5)], T the duration of a run
 * of the same job without kills (measured first; it must be exact too), so that the
 * kills land while the job runs (1M lines take only a few seconds); the log says how
 * many kills hit a running worker, and at least one must. Last, the same over a topic without
 * --keep-input, trimmed as the job commits: exact, and one entry per partition left.
 *
 * DSTREAM_DIST_SEEDS: number of seeds (default 2; 10 under `npm run test:long`); DSTREAM_DIST_SEED: first seed
 * (default 1); DSTREAM_DIST_COPIES: copies of apache_logs (default 100 = 1M lines);
 * DSTREAM_DIST_KILL_MAX_MS: fixes the longest kill delay instead.
 * A failing seed can be replayed alone with DSTREAM_DIST_SEEDS=1 DSTREAM_DIST_SEED=<seed>.
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { soak } from '../helpers/long.js';
import { rng } from '../helpers/rng.js';
import { bigApacheLog, removeDataFiles, STATUS_JOB } from './data.js';
import { allExit, catRows, crashText, delay, diffRows, duplicates, killAll, publishFile, reference, runDstream, startWorker, tail, type Proc } from './procs.js';
import { redisAvailable, startRedis, type RedisServer } from './redis-harness.js';

const SEEDS = soak('DSTREAM_DIST_SEEDS', 2, 10);
const BASE = Number(process.env.DSTREAM_DIST_SEED ?? 1);
const COPIES = Number(process.env.DSTREAM_DIST_COPIES ?? 100);
const KILLS = 5;
const WORKER_ARGS = ['--lease', '1s', '--batch', '100ms', '--key-partitions', '8'];

describe.skipIf(!redisAvailable())(`distributed: kill -9 of workers, ${COPIES * 10_000} lines, ${SEEDS} seeds from ${BASE}`, () => {
  let redis: RedisServer;
  let expected: string[];
  let maxDelay: number;
  const procs = new Set<Proc>();
  const passed: number[] = [];
  const failed: number[] = [];
  const t0 = Date.now();

  let file: string;

  beforeAll(async () => {
    file = bigApacheLog(COPIES);
    redis = await startRedis();
    const r0 = Date.now();
    expected = await reference(STATUS_JOB, file);
    const p0 = Date.now();
    await publishFile(redis.url('apache'), 4, file, ['--keep-input']); // every seed's job reads it all
    const b0 = Date.now();
    const to = redis.url('crash-baseline-out');
    const base = [0, 1, 2].map((i) => startWorker(redis.url('apache', 'crash-baseline'), to, STATUS_JOB, WORKER_ARGS, { name: `baseline worker ${i + 1}` }));
    base.forEach((w) => procs.add(w));
    const exits = await allExit(base, 240_000);
    for (const [i, e] of exits.entries()) expect(e, `${base[i]!.name} stderr:\n${tail(base[i]!.stderr())}`).toEqual({ code: 0, signal: null });
    const took = Date.now() - b0;
    const got = await catRows(to);
    if (got.join('\n') !== expected.join('\n')) expect.fail(`run without kills: ${diffRows(expected, got)}`);
    maxDelay = Number(process.env.DSTREAM_DIST_KILL_MAX_MS ?? Math.max(300, Math.floor(took / KILLS)));
    console.log(`crash: reference ${expected.length} rows in ${p0 - r0} ms; published ${COPIES * 10_000} lines to 4 partitions in ${b0 - p0} ms; ` +
      `3 workers without kills: exact in ${took} ms; kill delays 100–${maxDelay} ms`);
  }, 300_000);

  afterEach(async () => {
    await killAll(procs);
    procs.clear();
  });

  afterAll(async () => {
    console.log(`crash: seeds passed [${passed.join(', ')}]; failed [${failed.join(', ')}]; total ${Date.now() - t0} ms`);
    await redis?.stop();
    removeDataFiles();
  });

  /** 3 workers of a new job over `topic`, `KILLS` times one killed with SIGKILL at a random moment and replaced; the rows must be exact. */
  async function killRun(seed: number, topic: string, job: string): Promise<void> {
    const random = rng(seed);
    const from = redis.url(topic, job);
    const to = redis.url(`${job}-out`);
    const start0 = Date.now();
    let n = 0;
    const spawnWorker = () => {
      const w = startWorker(from, to, STATUS_JOB, WORKER_ARGS, { name: `seed ${seed} worker #${++n}` });
      procs.add(w);
      return w;
    };
    const current = [spawnWorker(), spawnWorker(), spawnWorker()];
    const finished: Proc[] = []; // workers that ended on their own
    let landed = 0;
    const plan: string[] = [];
    try {
      for (let k = 0; k < KILLS; k++) {
        const wait = 100 + Math.floor(random() * (maxDelay - 100));
        const victim = Math.floor(random() * current.length);
        await delay(wait);
        const w = current[victim]!;
        if (w.running()) landed++;
        else finished.push(w);
        const e = await w.kill9();
        plan.push(`+${wait}ms kill ${w.name} (${e.signal ?? `exit ${e.code}`})`);
        current[victim] = spawnWorker();
      }
      expect(landed, `at least one kill hit a running worker (${plan.join('; ')})`).toBeGreaterThan(0);
      const exits = await allExit(current, 240_000);
      for (const [i, e] of exits.entries()) {
        expect(e, `${current[i]!.name} exit; stderr:\n${tail(current[i]!.stderr())}`).toEqual({ code: 0, signal: null });
      }
      for (const w of finished) expect(await w.exited, `${w.name} ended before its kill; stderr:\n${tail(w.stderr())}`).toEqual({ code: 0, signal: null });
      for (const w of [...current, ...finished]) expect(crashText(w.stderr()), `${w.name} stderr:\n${tail(w.stderr())}`).toBeUndefined();
      const got = await catRows(to);
      expect(duplicates(got), 'rows appearing twice').toEqual([]);
      if (got.join('\n') !== expected.join('\n')) expect.fail(`seed ${seed}: ${diffRows(expected, got)}\nkills: ${plan.join('; ')}`);
      passed.push(seed);
      console.log(`crash: seed ${seed} exact (${got.length} rows), ${landed}/${KILLS} kills hit a running worker, ${Date.now() - start0} ms; ${plan.join('; ')}`);
    } catch (e) {
      failed.push(seed);
      throw e;
    }
  }

  for (let s = 0; s < SEEDS; s++) {
    const seed = BASE + s;
    it(`seed ${seed}: 3 workers, ${KILLS} kill -9 + replacement, exact`, () => killRun(seed, 'apache', `crash${seed}`), 300_000);
  }

  it(`retention under kill -9: a topic without --keep-input, trimmed as the job commits; exact, one entry per partition left`, async () => {
    await publishFile(redis.url('trimmed'), 4, file);
    await killRun(BASE + SEEDS, 'trimmed', 'crash-trimmed');
    const r = await runDstream(['job', 'status', redis.url('trimmed', 'crash-trimmed'), '--json']);
    expect(JSON.parse(r.stdout).complete).toBe(true);
    const client = new Redis({ port: redis.port, lazyConnect: true });
    await client.connect();
    try {
      for (let p = 0; p < 4; p++) expect(await client.xlen(`ds:{trimmed:${p}}:in`), `input partition ${p}`).toBe(1);
    } finally {
      client.disconnect();
    }
  }, 300_000);
});
