/** Kafka log URLs and the window order of `dstream cat` on Kafka (no broker needed). */
import { describe, expect, it } from 'vitest';
import { compareRows } from '../../src/distributed/kafka/admin.js';
import { isFenced } from '../../src/distributed/kafka/member.js';
import { parseKafkaUrl } from '../../src/distributed/kafka/url.js';

describe('kafka:// URLs', () => {
  it('parses brokers (default port 9092), topic and job', () => {
    expect(parseKafkaUrl('kafka://a:1,b,[::1]:3/web?group=j-1', '--from', true)).toEqual({
      text: 'kafka://a:1,b,[::1]:3/web?group=j-1', brokers: ['a:1', 'b:9092', '[::1]:3'], name: 'web', group: 'j-1',
    });
    expect(parseKafkaUrl('kafka://h:9/out', '--to', false)).toMatchObject({ brokers: ['h:9'], name: 'out', group: undefined });
  });
  it('refuses what it cannot use, naming the fix', () => {
    expect(() => parseKafkaUrl('kafka://h:1/web', '--from', true)).toThrow("--from: 'kafka://h:1/web' needs a job name: kafka://h:1/web?group=JOB");
    expect(() => parseKafkaUrl('kafka://h:1/', '--to', false)).toThrow('needs a topic name');
    expect(() => parseKafkaUrl('kafka://h:1/x?group=g', '--to', false)).toThrow('takes no ?group=');
    expect(() => parseKafkaUrl('kafka://h:1/x?grp=g', '--from', true)).toThrow("unknown URL parameter 'grp'");
    expect(() => parseKafkaUrl('kafka://h:99999/x?group=g', '--from', true)).toThrow("'h:99999' in 'kafka://h:99999/x?group=g' is not a broker address");
    expect(() => parseKafkaUrl('kafka://h:1/x?group=a b', '--from', true)).toThrow("group 'a b' must be 1–100 of letters");
  });
});

describe('cat order on Kafka', () => {
  it('orders rows by window end, start, then key as the local engine does', () => {
    const rows = [
      { startMs: 0, endMs: 20, record: ['b', 1] }, { startMs: 10, endMs: 20, record: ['a', 1] },
      { startMs: 0, endMs: 10, record: ['b', 2] }, { startMs: 0, endMs: 10, record: [2, 1] }, { startMs: 0, endMs: 10, record: ['a', 3] },
    ];
    expect([...rows].sort(compareRows).map((r) => `${r.startMs}-${r.endMs}:${String((r.record as unknown[])[0])}`)).toEqual([
      '0-10:2', '0-10:a', '0-10:b', '0-20:b', '10-20:a',
    ]);
  });
});

describe('fencing errors', () => {
  it('knows the group and producer fencing errors, nested as the client nests them', () => {
    expect(isFenced({ errors: [{ apiId: 'ILLEGAL_GENERATION' }] })).toBe(true);
    expect(isFenced({ apiId: 'PRODUCER_FENCED' })).toBe(true);
    expect(isFenced(new Error('Connection closed'))).toBe(false);
  });
});
