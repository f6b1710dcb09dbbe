/**
 * Distributed key identity equals local on Kafka (breaker's finding b; the Redis side and the jobs:
 * test/distributed/key-identity.test.ts, key-identity-jobs.ts): object keys a local run groups as
 * one by their text (`[NaN]`/`[null]`/`[undefined]`, a Set and its elements' array, a Map and its
 * entries, `[10n]` and `[10]`) meet in one key partition and one row. 36,000 lines produced
 * round-robin to a 4-partition topic of a real broker; 2 workers per job, each waited for to its exit.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTopic, hasJava, produceLines, SKIP_REASON } from './broker.js';
import { startJob } from './procs.js';
import { brokerPerSuite } from '../helpers/servers.js';
import { tempDirs } from '../helpers/temp-dir.js';
import { keyLines, localAndCat, STATE, TABLE, WINDOW_TABLE, WINDOWED } from '../distributed/key-identity-jobs.js';

if (!hasJava) console.warn(`skipping test/kafka/key-identity.test.ts: ${SKIP_REASON}`);

describe.skipIf(!hasJava)('Kafka: object keys grouped as locally (KeyCodec text)', () => {
  const temp = tempDirs('dstream-kafka-keys-');
  const server = brokerPerSuite(300_000);
  beforeAll(async () => {
    await createTopic(server().address, 'keys', 4);
    await produceLines(server().address, 'keys', keyLines(), 4);
  }, 300_000);

  /** Runs 2 workers of `job` (group `group`) over topic `keys` to their end; returns local's and cat's tsv. */
  async function both(group: string, job: string[]): Promise<{ local: string; cat: string }> {
    const broker = server();
    const to = `kafka://${broker.address}/out-${group}`;
    const args = ['--from', `kafka://${broker.address}/keys?group=${group}`, ...job, '--once', '--key-partitions', '4', '--to', to];
    const ws = [startJob(args), startJob(args)];
    for (const w of ws) expect(await w.exit, w.stderr).toEqual({ code: 0, signal: null });
    const file = join(temp(), 'in.txt');
    writeFileSync(file, `${keyLines().join('\n')}\n`);
    return localAndCat(job, file, to);
  }

  it('--count-by-value --window 1d and --update-state-by-key: one row per key text, as the local run', async () => {
    const win = await both('win', WINDOWED);
    expect(win.local).toBe(WINDOW_TABLE);
    expect(win.cat).toBe(win.local);
    const state = await both('state', STATE);
    expect(state.local).toBe(TABLE);
    expect(state.cat).toBe(state.local);
  }, 400_000);
});
