/**
 * Distributed key identity equals local (breaker's finding b): a local run groups object keys by the
 * text output writes for them (operators/keyed-map.ts `KeyCodec`: `[NaN]`, `[null]`, `[undefined]`
 * are one key, a Set is the array of its elements, a Map the array of its entries, `[10n]` is `[10]`),
 * so Redis workers must route (stage 1's key partition) and group (stage 2: windows and
 * `--update-state-by-key`) them the same way: one row where local has one, never several rows that
 * print the same (jobs: key-identity-jobs.ts). 36,000 lines over 4 input partitions, 2 workers, 4 key partitions.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { allExit, killAll, publishFile, startWorker, tail, type Proc } from './procs.js';
import { redisAvailable } from './redis-harness.js';
import { redisPerSuite } from '../helpers/servers.js';
import { tempDirs } from '../helpers/temp-dir.js';
import { keyLines, localAndCat, STATE, TABLE, WINDOW_TABLE, WINDOWED } from './key-identity-jobs.js';

describe.skipIf(!redisAvailable())('distributed: object keys grouped as locally (KeyCodec text)', () => {
  const temp = tempDirs('dstream-keys-');
  const redis = redisPerSuite();
  const procs = new Set<Proc>();
  afterEach(async () => {
    await killAll(procs);
    procs.clear();
  });

  /** Publishes the lines to `topic` (4 partitions), runs 2 workers of `job` to their end, and returns local's and cat's tsv. */
  async function both(topic: string, job: string[]): Promise<{ local: string; cat: string }> {
    const file = join(temp(), 'in.txt');
    writeFileSync(file, `${keyLines().join('\n')}\n`);
    await publishFile(redis().url(topic), 4, file);
    const to = redis().url(`${topic}-out`);
    const ws = [1, 2].map((i) => startWorker(redis().url(topic, topic), to, job, ['--key-partitions', '4'], { name: `worker ${i}` }));
    ws.forEach((w) => procs.add(w));
    const exits = await allExit(ws, 150_000);
    for (const [i, e] of exits.entries()) expect(e, tail(ws[i]!.stderr())).toEqual({ code: 0, signal: null });
    return localAndCat(job, file, to);
  }

  it('--count-by-value --window 1d: one row per key text, as the local run', async () => {
    const { local, cat } = await both('win', WINDOWED);
    expect(local).toBe(WINDOW_TABLE);
    expect(cat).toBe(local);
  }, 240_000);

  it('--update-state-by-key: one state per key text, as the local run', async () => {
    const { local, cat } = await both('state', STATE);
    expect(local).toBe(TABLE);
    expect(cat).toBe(local);
  }, 240_000);
});
