/**
 * Distributed key identity equals local (breaker's finding b): a local run groups object keys by the
 * text output writes for them (operators/keyed-map.ts `KeyCodec`: `[NaN]`, `[null]`, `[undefined]`
 * are one key, a Set is the array of its elements, a Map the array of its entries, `[10n]` is `[10]`),
 * so Redis workers must route (stage 1's key partition) and group (stage 2: windows and
 * `--update-state-by-key`) them the same way: one row where local has one, never several rows that
 * print the same. 36,000 lines over 4 input partitions, 2 workers, 4 key partitions.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { allExit, killAll, publishFile, runDstream, startWorker, tail, type Proc } from './procs.js';
import { redisAvailable } from './redis-harness.js';
import { redisPerSuite } from '../helpers/servers.js';
import { tempDirs } from '../helpers/temp-dir.js';

/** A key by line number mod 9: three that print [null], a Set and an array ["p"], a Map and its entries, [10n] and [10]. */
const KEY = 'l => { const n = l.split(" ")[0] % 9; return n === 0 ? [NaN] : n === 1 ? [null] : n === 2 ? [undefined] : n === 3 ? new Set(["p"]) : n === 4 ? ["p"] : n === 5 ? new Map([["m", 1]]) : n === 6 ? [["m", 1]] : n === 7 ? [10n] : [10] }';
const WINDOWED = ['--event-time', 'l => l.split(" ")[1]', '--map', KEY, '--count-by-value', '--window', '1d'];
const STATE = ['--map', `l => [(${KEY})(l), 1]`, '--update-state-by-key', '(vs, s) => (s || 0) + vs.length', '--max-records-per-batch', '10000'];
/** What both print (tsv): four keys, not nine, in the order of their text whichever object came first. */
const TABLE = '["p"]\t8000\n[10]\t8000\n[["m",1]]\t8000\n[null]\t12000\n';

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
    writeFileSync(file, Array.from({ length: 36_000 }, (_, i) => `${i} 2015-05-17T10:00:00Z\n`).join(''));
    await publishFile(redis().url(topic), 4, file);
    const to = redis().url(`${topic}-out`);
    const ws = [1, 2].map((i) => startWorker(redis().url(topic, topic), to, job, ['--key-partitions', '4'], { name: `worker ${i}` }));
    ws.forEach((w) => procs.add(w));
    const exits = await allExit(ws, 150_000);
    for (const [i, e] of exits.entries()) expect(e, tail(ws[i]!.stderr())).toEqual({ code: 0, signal: null });
    const local = await runDstream([...job, '--format', 'tsv'], { stdin: { file } });
    expect(local.code, local.stderr).toBe(0);
    const cat = await runDstream(['cat', to, '--format', 'tsv']);
    expect(cat.code, cat.stderr).toBe(0);
    return { local: local.stdout, cat: cat.stdout };
  }

  it('--count-by-value --window 1d: one row per key text, as the local run', async () => {
    const { local, cat } = await both('win', WINDOWED);
    expect(local).toBe(TABLE.replace(/^/gm, '2015-05-17T00:00:00.000Z\t').replace(/2015-05-17T00:00:00.000Z\t$/, ''));
    expect(cat).toBe(local);
  }, 240_000);

  it('--update-state-by-key: one state per key text, as the local run', async () => {
    const { local, cat } = await both('state', STATE);
    expect(local).toBe(TABLE);
    expect(cat).toBe(local);
  }, 240_000);
});
