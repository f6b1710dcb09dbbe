/**
 * The Kafka source on a real broker: the bundled access log produced to a
 * 3-partition topic, read with --once; --once twice with a group; a topic
 * gaining a partition; --kafka-record; flag errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessLogLines, addPartitions, createTopic, hasJava, produceLines, produceToPartition, SKIP_REASON, startBroker, type Broker } from './broker.js';
import { startJob, whenOutput, whenStderr } from './procs.js';
import { runCli } from '../helpers/run-cli.js';

/** Sum of the counts printed by `--count --format tsv`. */
const total = (stdout: string) => stdout.split('\n').filter((l) => l !== '').map(Number).reduce((a, b) => a + b, 0);

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
    expect(total(r.stdout)).toBe(lines.length);
  }, 120_000);

  it('--once twice with --group: the second run reads nothing; the group holds the end offsets', async () => {
    const args = ['--kafka', broker.address, '--topic', 'access', '--kafka-start', 'earliest', '--once', '--group', 'twice', '--count', '--batch', '200ms', '--format', 'tsv'];
    const first = await runCli(args);
    expect(first.code).toBe(0);
    expect(total(first.stdout)).toBe(lines.length);
    const second = await runCli(args);
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);
    expect(total(second.stdout)).toBe(0);
  }, 120_000);

  it('--kafka-record gives topic, partition, offset, timestamp, key, value and headers', async () => {
    const r = await runCli(['--kafka', broker.address, '--topic', 'access', '--kafka-start', 'earliest', '--once', '--kafka-record',
      '--filter', 'r => r.partition === 1 && r.offset === 0', '--batch', '1h', '--format', 'json']);
    expect(r.code).toBe(0);
    const rec = (JSON.parse(r.stdout.trim()) as { value: Record<string, unknown> }).value;
    expect(rec).toEqual({ topic: 'access', partition: 1, offset: 0, timestamp: expect.any(Number), key: null, value: lines[1], headers: {} });
  }, 120_000);

  it('--event-time auto takes the record timestamp; --max-records-per-batch bounds the batches', async () => {
    const r = await runCli(['--kafka', broker.address, '--topic', 'access', '--kafka-start', 'earliest', '--once', '--event-time', 'auto',
      '--watermark', '5m', '--count', '--window', '1d', '--batch', '100ms', '--max-records-per-batch', '2500', '--format', 'tsv']);
    expect(r.code).toBe(0);
    // 2015-05-17 to 2015-05-20, one count per day of log time, summing to every record.
    const rows = r.stdout.trim().split('\n').map((l) => l.split('\t'));
    expect(rows.map(([day]) => day!.slice(0, 10))).toEqual(['2015-05-17', '2015-05-18', '2015-05-19', '2015-05-20']);
    expect(rows.reduce((a, [, n]) => a + Number(n), 0)).toBe(lines.length);
  }, 120_000);

  it('picks up a partition added to a topic while it runs', async () => {
    await createTopic(broker.address, 'grow', 1);
    await produceLines(broker.address, 'grow', lines.slice(0, 100), 1);
    const job = startJob(['--kafka', broker.address, '--topic', 'grow', '--kafka-start', 'earliest', '--count', '--batch', '200ms', '--format', 'tsv']);
    try {
      await whenOutput(job, (out) => total(out) === 100);
      await addPartitions(broker.address, 'grow', 2);
      await whenStderr(job, /kafka: new partition grow:1: reading from the start/);
      await produceLines(broker.address, 'grow', lines.slice(100, 150).map((l) => l), 2); // 25 to each partition
      await whenOutput(job, (out) => total(out) === 150);
    } finally {
      job.child.kill('SIGTERM');
    }
    expect((await job.exit).code).toBe(0);
  }, 120_000);

  it('per-partition watermarks: a partition read ahead never makes another partition\'s records late', async () => {
    // Partition 0: 100 records at 11:00–11:59; partition 1: 300 records at 09:00–09:59. Batches of 100 take 50 from
    // each, so partition 0's times run 2 h ahead; a single watermark (max − 1 min) would drop partition 1's records.
    const at = (h: number, i: number, n: number) => `10.0.0.1 - - [17/May/2015:${String(h).padStart(2, '0')}:${String(Math.floor((i * 60) / n)).padStart(2, '0')}:00 +0000] "GET / HTTP/1.1" 200 1 "-" "-"`;
    await createTopic(broker.address, 'skew', 2);
    const p0 = Array.from({ length: 100 }, (_, i) => at(11, i, 100));
    const p1 = Array.from({ length: 300 }, (_, i) => at(9, i, 300));
    await produceLines(broker.address, 'skew', p0, 1);
    await produceToPartition(broker.address, 'skew', p1, 1);
    const r = await runCli(['--kafka', broker.address, '--topic', 'skew', '--kafka-start', 'earliest', '--once', '--event-time', 'auto',
      '--watermark', '1m', '--count', '--window', '1h', '--batch', '100ms', '--max-records-per-batch', '100', '--format', 'tsv']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('2015-05-17T09:00:00.000Z\t300\n2015-05-17T11:00:00.000Z\t100\n');
  }, 120_000);

  it('refuses bad flags with one line, exit 2, before reading', async () => {
    const cases: [string[], RegExp][] = [
      [['--kafka', broker.address], /--kafka needs --topic NAME/],
      [['--topic', 'access'], /--topic needs --kafka BROKERS/],
      [['--kafka', 'nohost', '--topic', 'access'], /--kafka/],
      [['--kafka', broker.address, '--topic', 'access', '--kafka-start', 'yesterday'], /--kafka-start: 'yesterday' is not earliest, latest or an ISO 8601 time/],
      [['--kafka', broker.address, '--topic', 'missing', '--once'], /--topic missing: no such topic/],
      [['--kafka', broker.address, '--topic', 'access', '--output', `kafka://${broker.address}/missing`], /no such topic/],
      [['--kafka', broker.address, '--topic', 'access', '--output', 'kafka://x'], /is not kafka:\/\/HOST:PORT/],
    ];
    for (const [args, re] of cases) {
      const r = await runCli([...args, '--count']);
      expect(r.stderr, args.join(' ')).toMatch(re);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
    }
  }, 120_000);
});
