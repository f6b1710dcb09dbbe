/**
 * `--update-state-by-key` in distributed mode (issue 18): the state of each key
 * lives with its key partition in stage 2, written with every stage-2 commit.
 * A distributed batch is N lines of the topic (`--max-records-per-batch N`;
 * line k of input partition p is line k·n + p, the order `dstream publish`
 * spread the file), so the batches are the local run's on the same file, and
 * `dstream cat` prints the local run's table byte for byte. The function here
 * is order- and batch-sensitive (values in order, batch times, a key removed),
 * so a wrong cut, order or time shows.
 */
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { APACHE, bigApacheLog, removeDataFiles } from './data.js';
import { allExit, crashText, publishFile, runDstream, startWorker, tail } from './procs.js';
import { redisAvailable } from './redis-harness.js';
import { useRedisSuite } from './suite.js';

const STATE = '(vs, s, t) => vs.length === 0 && s && s.length > 60 ? undefined : (s || "") + t + ":" + vs.slice(0, 3).join("") + "/" + vs.length + ";"';
/** Per status: each batch's time, its first 3 values (line length mod 10) and count; a key idle with a long state is removed. */
const JOB = ['--map', 'l => [l.split(" ")[8], l.length % 10]', '--update-state-by-key', STATE, '--max-records-per-batch', '1000'];

describe.skipIf(!redisAvailable() || !existsSync(APACHE))('distributed: --update-state-by-key per key partition', () => {
  const suite = useRedisSuite({ job: JOB, file: () => APACHE, publish: true, removeData: false });
  afterAll(() => removeDataFiles());

  it('three workers, 10 batches of 1000 lines: cat prints the local run byte for byte in tsv, json, text and csv', async () => {
    const to = suite.redis.url('state-out');
    const ws = [0, 1, 2].map((i) => startWorker(suite.redis.url('apache', 'state'), to, JOB, ['--key-partitions', '4'], { name: `worker ${i + 1}` }));
    ws.forEach((w) => suite.procs.add(w));
    const exits = await allExit(ws, 120_000);
    for (const [i, e] of exits.entries()) expect(e, tail(ws[i]!.stderr())).toEqual({ code: 0, signal: null });
    for (const format of ['tsv', 'json', 'text', 'csv']) {
      const local = await runDstream([...JOB, '--format', format], { stdin: { file: APACHE } });
      const cat = await runDstream(['cat', to, '--format', format]);
      expect(cat.code, cat.stderr).toBe(0);
      expect(local.stdout).toContain('10000:');
      expect(cat.stdout, `--format ${format}`).toBe(local.stdout);
    }
  }, 180_000);

  it('without --max-records-per-batch the whole input is one batch, as locally', async () => {
    const job = ['--map', 'l => [l.split(" ")[8], 1]', '--update-state-by-key', '(vs, s, t) => (s || 0) + vs.length * 1000 + t'];
    await publishFile(suite.redis.url('one'), 3, APACHE);
    const to = suite.redis.url('one-out');
    const [w] = [startWorker(suite.redis.url('one', 'one'), to, job, [], { name: 'worker' })];
    suite.procs.add(w!);
    expect((await allExit([w!], 120_000))[0], tail(w!.stderr())).toEqual({ code: 0, signal: null });
    const local = await runDstream([...job, '--format', 'tsv'], { stdin: { file: APACHE } });
    const cat = await runDstream(['cat', to]);
    expect(local.stdout).toContain('200\t9127000\n');
    expect(cat.stdout).toBe(local.stdout);
  }, 180_000);

  /** 200,000 lines (20 batches of 10,000) published to `topic`; the first worker, alone, blocks before its 6th stage-1 commit (of 12). */
  async function stalledJob(topic: string, group: string) {
    const file = bigApacheLog(20);
    const job = [...JOB.slice(0, -1), '10000'];
    await publishFile(suite.redis.url(topic), 4, file);
    const w = { from: suite.redis.url(topic, group), to: suite.redis.url(`${group}-out`), job, args: ['--lease', '2s', '--batch', '100ms', '--key-partitions', '4'] };
    const first = startWorker(w.from, w.to, job, w.args, { name: 'first', env: { DSTREAM_FAULT: 'stall-before-commit@6' } });
    suite.procs.add(first);
    await first.stderrMatches(/DSTREAM_FAULT: stalling/);
    /** Runs the next worker to its end; its output must be the local run's (--batch 100ms: batch b at (b+1) × 100 ms, as locally). */
    const finish = async () => {
      const next = startWorker(w.from, w.to, job, w.args, { name: 'next' });
      suite.procs.add(next);
      const [e] = await allExit([next], 150_000);
      expect(e, tail(next.stderr())).toEqual({ code: 0, signal: null });
      expect(crashText(next.stderr()), next.stderr()).toBeUndefined();
      const local = await runDstream([...job, '--batch', '100ms', '--format', 'tsv'], { stdin: { file } });
      const cat = await runDstream(['cat', w.to]);
      expect(cat.code, cat.stderr).toBe(0);
      expect(local.stdout).toContain('\t100:488/9126;200:488/9126;');
      expect(local.stdout).toContain('2000:');
      expect(cat.stdout).toBe(local.stdout);
      return next.stderr();
    };
    return { first, finish };
  }

  it('kill -9 mid-job, a replacement restores the committed state and replays the open batches: output exact', async () => {
    const { first, finish } = await stalledJob('big', 'kill');
    expect(await first.kill9()).toEqual({ code: null, signal: 'SIGKILL' });
    const stderr = await finish();
    expect(stderr).toMatch(/replaying batch \d+ \(\d+ entries\) planned by its previous owner/);
    const rebuilt = stderr.split('\n').filter((l) => /rebuilt key partition/.test(l));
    console.log(`update-state kill -9: ${rebuilt.length} key partitions rebuilt: ${rebuilt[0] ?? '(none had open batches)'}`);
  }, 240_000);

  it('SIGTERM hands the key partitions over with their state; the next worker carries on: output exact', async () => {
    const { first, finish } = await stalledJob('big2', 'term');
    // SIGTERM arrives while it is blocked: it finishes that step, then hands over.
    expect(await first.term(), tail(first.stderr())).toEqual({ code: 0, signal: null });
    expect(first.stderr()).toMatch(/SIGTERM: finishing the current batch/);
    await finish();
  }, 240_000);

  it('refuses what it cannot run, naming the flag and why (exit 2)', async () => {
    const live = suite.redis.url('live');
    const pub = await runDstream(['publish', live, '--partitions', '2', '--no-eof'], { input: 'a 1\n' });
    expect(pub.code, pub.stderr).toBe(0);
    const r = await runDstream(['--from', suite.redis.url('live', 'x'), ...JOB, '--to', suite.redis.url('x-out')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--update-state-by-key: job 'x' on topic 'live' reads live input; on Redis it runs on a topic published from a file .*for live input use a kafka:\/\/ job/);
    const mode = await runDstream(['--from', suite.redis.url('apache', 'y'), ...JOB, '--output-mode', 'update', '--to', suite.redis.url('y-out')]);
    expect(mode.code).toBe(2);
    expect(mode.stderr).toMatch(/--output-mode update: distributed --update-state-by-key outputs the whole table once/);
    const idle = await runDstream(['--from', suite.redis.url('apache', 'y'), ...JOB, '--idle-timeout', '5s', '--to', suite.redis.url('y-out')]);
    expect(idle.code).toBe(2);
    expect(idle.stderr).toMatch(/^dstream: --idle-timeout: a batch of --update-state-by-key closes only once every input partition has committed its lines/);
    // kafka:// runs it (test/kafka/update-state.test.ts), with the same flag refusals.
    const kafka = await runDstream(['--from', 'kafka://127.0.0.1:1/t?group=g', ...JOB, '--idle-timeout', '5s', '--to', 'kafka://127.0.0.1:1/o']);
    expect(kafka.code).toBe(2);
    expect(kafka.stderr).toMatch(/^dstream: --idle-timeout: a batch of --update-state-by-key closes only once/);
    const mws = await runDstream(['--from', suite.redis.url('apache', 'z'), '--map-with-state', '(k, v, s) => v', '--to', suite.redis.url('z-out')]);
    expect(mws.code).toBe(2);
    expect(mws.stderr).toMatch(/distributed mode: --map-with-state is not supported: /);
  });
});
