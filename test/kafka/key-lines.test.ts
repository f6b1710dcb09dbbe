/**
 * `dstream cat` says the local run's key lines on Kafka too (the Redis side and the jobs:
 * test/distributed/key-lines.test.ts, key-lines-jobs.ts), and a worker says a key that came as a Set
 * and as an array. One input partition and one worker, so that keys are met in the local run's order.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTopic, hasJava, produceLines, SKIP_REASON, startBroker, type Broker } from './broker.js';
import { startJob } from './procs.js';
import { runDstream } from '../distributed/procs.js';
import { tempDirs } from '../helpers/temp-dir.js';
import { INPUT, keyLines, TSV_LINES, WINDOWED, WORKER_LINE, workerLines } from '../distributed/key-lines-jobs.js';

if (!hasJava) console.warn(`skipping test/kafka/key-lines.test.ts: ${SKIP_REASON}`);

describe.skipIf(!hasJava)('Kafka: the key lines of the local run', () => {
  const temp = tempDirs('dstream-kafka-key-lines-');
  let broker: Broker;

  beforeAll(async () => {
    broker = startBroker();
    await createTopic(broker.address, 'keys', 1);
    await produceLines(broker.address, 'keys', INPUT.split('\n').filter((l) => l !== ''), 1);
  }, 300_000);
  afterAll(() => broker?.close());

  it('--count-by-value --window 1d: cat says the local run\'s lines, the worker the Set and the array', async () => {
    const to = `kafka://${broker.address}/out-win`;
    const w = startJob(['--from', `kafka://${broker.address}/keys?group=win`, ...WINDOWED, '--once', '--key-partitions', '2', '--to', to]);
    expect(await w.exit, w.stderr).toEqual({ code: 0, signal: null });
    expect(workerLines(w.stderr)).toEqual([WORKER_LINE]);
    const file = join(temp(), 'in.txt');
    writeFileSync(file, INPUT);
    const local = await runDstream([...WINDOWED, '--format', 'tsv'], { stdin: { file } });
    const cat = await runDstream(['cat', to, '--format', 'tsv']);
    expect(cat.code, cat.stderr).toBe(0);
    expect(keyLines(local.stderr)).toEqual(TSV_LINES);
    expect(keyLines(cat.stderr)).toEqual(TSV_LINES);
    expect(cat.stdout).toBe(local.stdout);
  }, 240_000);
});
