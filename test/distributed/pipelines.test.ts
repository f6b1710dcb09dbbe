/**
 * More pipeline shapes in distributed mode (issue 18), each against the local
 * run of the same flags on the 10,000 real Apache lines, byte for byte:
 * `--top N` after a windowed aggregation (each key partition keeps its N best
 * rows of a window; `dstream cat` ranks their union). What is still refused
 * names the flag and says why, exit 2 before anything is read.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { APACHE } from './data.js';
import { allExit, runDstream, startWorker, tail } from './procs.js';
import { redisAvailable } from './redis-harness.js';
import { useRedisSuite } from './suite.js';

const ET = ['--event-time', 'l => l.split("[")[1].split("]")[0]', '--watermark', '1m'];
/** Top 3 client networks (first octet) per sliding hour: ties and many keys over 8 key partitions. */
const TOP = [...ET, '--map', 'l => l.split(".")[0]', '--count-by-value', '--window', '1h', '--slide', '30m', '--top', '3'];

describe.skipIf(!redisAvailable() || !existsSync(APACHE))('distributed: more pipelines', () => {
  const suite = useRedisSuite({ job: TOP, file: () => APACHE, publish: true, removeData: false });

  it('--top 3 after a sliding window: cat prints the local run, byte for byte, in tsv and text', async () => {
    const ws = [0, 1].map((i) => startWorker(suite.redis.url('apache', 'top'), suite.redis.url('top-out'), TOP, ['--key-partitions', '8'], { name: `worker ${i + 1}` }));
    ws.forEach((w) => suite.procs.add(w));
    const exits = await allExit(ws, 150_000);
    for (const [i, e] of exits.entries()) expect(e, tail(ws[i]!.stderr())).toEqual({ code: 0, signal: null });
    for (const format of ['tsv', 'text']) {
      const local = await runDstream([...TOP, '--format', format], { stdin: { file: APACHE } });
      const cat = await runDstream(['cat', suite.redis.url('top-out'), '--format', format]);
      expect(cat.code, cat.stderr).toBe(0);
      expect(local.stdout.split('\n').length).toBeGreaterThan(100);
      expect(cat.stdout, `--format ${format}`).toBe(local.stdout);
    }
  }, 200_000);

  it('refuses what it cannot run, naming the flag and why (exit 2, nothing read)', async () => {
    const after = await runDstream(['--from', suite.redis.url('apache', 'x'), ...ET, '--count-by-value', '--window', '1h', '--top', '3', '--filter', 'r => r',
      '--to', suite.redis.url('x-out')]);
    expect(after.code).toBe(2);
    expect(after.stderr).toMatch(/--filter after the --top is not supported: a window's rows are spread over key partitions/);
  });
});
