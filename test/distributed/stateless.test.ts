/**
 * Stateless distributed pipelines (issue 18): `--filter`/`--map`/`--flat-map`
 * alone, from a Redis topic to an output stream. Stage 1 writes the rows in
 * the commit that moves its input offset; `dstream cat` puts them back in the
 * order of the published input (line k of partition p is line k·n + p), so it
 * prints the local run of the file byte for byte. A worker killed (-9) between
 * its write-ahead plan and its commit is replaced; the output is still exact.
 */
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { APACHE, bigApacheLog, removeDataFiles } from './data.js';
import { allExit, crashText, publishFile, runDstream, startWorker, tail } from './procs.js';
import { redisAvailable } from './redis-harness.js';
import { useRedisSuite } from './suite.js';

/** The 404s' client and path; a flat-map gives two rows per line. */
const JOB = ['--filter', 'l => l.includes(" 404 ")', '--flat-map', 'l => [l.split(" ")[0], l.split(" ")[6]]'];

describe.skipIf(!redisAvailable() || !existsSync(APACHE))('distributed: stateless pipelines', () => {
  const suite = useRedisSuite({ job: JOB, file: () => APACHE, publish: true, removeData: false });
  afterAll(() => removeDataFiles());

  it('two workers: cat prints the local run byte for byte in tsv, json, text and csv', async () => {
    const to = suite.redis.url('s-out');
    const ws = [0, 1].map((i) => startWorker(suite.redis.url('apache', 'stateless'), to, JOB, [], { name: `worker ${i + 1}` }));
    ws.forEach((w) => suite.procs.add(w));
    const exits = await allExit(ws, 120_000);
    for (const [i, e] of exits.entries()) expect(e, tail(ws[i]!.stderr())).toEqual({ code: 0, signal: null });
    for (const w of ws) expect(w.stderr()).toMatch(/\(4 input partitions, 0 key partitions\)/);
    for (const format of ['tsv', 'json', 'text', 'csv']) {
      const local = await runDstream([...JOB, '--format', format], { stdin: { file: APACHE } });
      const cat = await runDstream(['cat', to, '--format', format]);
      expect(cat.code, cat.stderr).toBe(0);
      expect(local.stdout.split('\n').length).toBeGreaterThan(400);
      expect(cat.stdout, `--format ${format}`).toBe(local.stdout);
    }
  }, 180_000);

  it('kill -9 between plan and commit, a replacement replays the planned batch: output exact', async () => {
    const file = bigApacheLog(20); // 200,000 lines: 3 stage-1 batches (of 64 entries) per partition
    await publishFile(suite.redis.url('big'), 4, file);
    const from = suite.redis.url('big', 'kill');
    const to = suite.redis.url('kill-out');
    const args = ['--lease', '2s', '--batch', '100ms'];
    // Alone, it holds every input partition; it blocks before its 6th commit and is killed there.
    const victim = startWorker(from, to, JOB, args, { name: 'victim', env: { DSTREAM_FAULT: 'stall-before-commit@6' } });
    suite.procs.add(victim);
    await victim.stderrMatches(/DSTREAM_FAULT: stalling/);
    expect(await victim.kill9()).toEqual({ code: null, signal: 'SIGKILL' });
    const replacement = startWorker(from, to, JOB, args, { name: 'replacement' });
    suite.procs.add(replacement);
    const [e] = await allExit([replacement], 120_000);
    expect(e, tail(replacement.stderr())).toEqual({ code: 0, signal: null });
    expect(replacement.stderr()).toMatch(/replaying batch \d+ \(\d+ entries\) planned by its previous owner/);
    expect(crashText(replacement.stderr()), replacement.stderr()).toBeUndefined();
    const local = await runDstream([...JOB, '--format', 'tsv'], { stdin: { file } });
    const cat = await runDstream(['cat', to, '--format', 'tsv']);
    expect(cat.code, cat.stderr).toBe(0);
    expect(local.stdout.split('\n').length).toBeGreaterThan(8000);
    expect(cat.stdout).toBe(local.stdout);
  }, 180_000);

  it('refuses --key-partitions (redis://, redis+cluster:// and kafka://) and --max-records-per-batch for a stateless job, naming the flag (exit 2, nothing read)', async () => {
    const kp = await runDstream(['--from', suite.redis.url('apache', 'x'), ...JOB, '--key-partitions', '4', '--to', suite.redis.url('x-out')]);
    expect(kp.code).toBe(2);
    expect(kp.stderr).toMatch(/^dstream: --key-partitions: a pipeline of stateless operators alone has no key partitions/);
    const mrb = await runDstream(['--from', suite.redis.url('apache', 'x'), ...JOB, '--max-records-per-batch', '5', '--to', suite.redis.url('x-out')]);
    expect(mrb.code).toBe(2);
    expect(mrb.stderr).toMatch(/^dstream: --max-records-per-batch: a redis worker's stage-1 batch is what its input partition holds/);
    // redis+cluster:// runs stateless jobs (test/distributed/redis-cluster-stateless.test.ts), without key partitions too.
    const cluster = await runDstream(['--from', 'redis+cluster://127.0.0.1:1/t?group=g', ...JOB, '--key-partitions', '4', '--to', 'redis+cluster://127.0.0.1:1/o']);
    expect(cluster.code).toBe(2);
    expect(cluster.stderr).toMatch(/^dstream: --key-partitions: a pipeline of stateless operators alone has no key partitions/);
    // kafka:// runs stateless jobs (test/kafka/stateless.test.ts), without key partitions too.
    const kafka = await runDstream(['--from', 'kafka://127.0.0.1:1/t?group=g', ...JOB, '--key-partitions', '4', '--to', 'kafka://127.0.0.1:1/o']);
    expect(kafka.code).toBe(2);
    expect(kafka.stderr).toMatch(/^dstream: --key-partitions: a pipeline of stateless operators alone has no key partitions/);
  });
});
