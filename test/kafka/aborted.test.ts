/**
 * Records of an aborted transaction never reach a batch, however the broker
 * cuts its fetch answers: a 2 MB aborted transaction spans several fetches, so
 * its abort marker is not in the answer that holds its first records (the
 * client's own filter keeps such records), then a committed one follows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Producer } from '@platformatic/kafka';
import { createTopic, hasJava, readTopic, SKIP_REASON, startBroker, type Broker } from './broker.js';
import { runCli } from '../helpers/run-cli.js';

if (!hasJava) console.warn(`skipping test/kafka/aborted.test.ts: ${SKIP_REASON}`);

const PAD = 'x'.repeat(1000);

describe.skipIf(!hasJava)('aborted transactions on a real broker', () => {
  let broker: Broker;
  beforeAll(async () => {
    broker = startBroker();
    await createTopic(broker.address, 'txn', 1);
    const p = new Producer({ clientId: 'dstream-test', bootstrapBrokers: [broker.address], idempotent: true, transactionalId: 'aborted-test', acks: -1, producerId: -1n, producerEpoch: -1 });
    try {
      const committed = async (values: string[]) => {
        const tx = await p.beginTransaction();
        await tx.send({ messages: values.map((v) => ({ topic: 'txn', partition: 0, value: Buffer.from(v) })) });
        await tx.commit();
      };
      await committed(['kept 1', 'kept 2']);
      const tx = await p.beginTransaction();
      for (let i = 0; i < 4; i++) {
        await tx.send({ messages: Array.from({ length: 500 }, (_, j) => ({ topic: 'txn', partition: 0, value: Buffer.from(`aborted ${i * 500 + j} ${PAD}`) })) });
      }
      await tx.abort();
      await committed(['kept 3', 'kept 4', 'kept 5']);
    } finally {
      await p.close();
    }
  }, 180_000);
  afterAll(() => broker?.close());

  it('the source reads only the 5 committed records', async () => {
    const r = await runCli(['--kafka', broker.address, '--topic', 'txn', '--kafka-start', 'earliest', '--once', '--batch', '1h', '--format', 'tsv']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('kept 1\nkept 2\nkept 3\nkept 4\nkept 5\n');
  }, 120_000);

  it("the tests' own topic reader too", async () => {
    expect(await readTopic(broker.address, 'txn')).toEqual(['\tkept 1', '\tkept 2', '\tkept 3', '\tkept 4', '\tkept 5']);
  }, 120_000);
});
