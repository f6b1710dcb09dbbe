/**
 * The Kafka cron recipe: `--kafka … --once --checkpoint` run again after one new record lands in one
 * partition of three. The partitions with nothing new are idle (at the end offsets the run noted at
 * its start, so never fetched) and must not hold the watermark back: the second run closes the
 * window the first run left open. (They once did: the second run printed nothing.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessLogLines, createTopic, hasJava, localRunOf, produceLines, produceToPartition, SKIP_REASON, startBroker, type Broker } from './broker.js';
import { runCli } from '../helpers/run-cli.js';

if (!hasJava) console.warn(`skipping test/kafka/cron.test.ts: ${SKIP_REASON}`);

const OPS = ['--event-time', 'l => l.split("[")[1].split("]")[0]', '--watermark', '1m', '--map', 'l => l.split(" ")[8]', '--count-by-value', '--window', '1h'];

describe.skipIf(!hasJava)('--kafka --once --checkpoint, run as a cron job', () => {
  let broker: Broker;
  const lines = accessLogLines();
  const dir = mkdtempSync(join(tmpdir(), 'dstream-kafka-cron-'));
  beforeAll(async () => {
    broker = startBroker();
    await createTopic(broker.address, 'cron', 3);
    await produceLines(broker.address, 'cron', lines, 3);
  }, 180_000);
  afterAll(() => {
    broker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a new record in one partition closes the window the last run left open', async () => {
    const args = ['--kafka', broker.address, '--topic', 'cron', '--kafka-start', 'earliest', '--once', '--checkpoint', join(dir, 'ck'), ...OPS, '--format', 'tsv'];
    const local = localRunOf(OPS, 'tsv'); // the file read whole: every window closed at its end
    const last = '2015-05-20T21:00:00.000Z\t';
    const open = local.split('\n').filter((l) => l.startsWith(last)).map((l) => `${l}\n`).join('');
    expect(open).not.toBe('');

    const first = await runCli(args);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toBe(local.slice(0, local.length - open.length)); // the last hour stays open

    const next = lines[0]!.replace(/\[[^\]]*\]/, '[21/May/2015:10:00:00 +0000]');
    await produceToPartition(broker.address, 'cron', [next], 0);
    const second = await runCli(args);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toBe(open);
  }, 300_000);
});
