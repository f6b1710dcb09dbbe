/**
 * A real Apache Kafka broker per test file (scripts/test-kafka.sh in a temp
 * directory), and small clients: create a topic, produce lines, read a topic
 * back `read_committed`. `hasJava` is false where java is missing: those tests skip.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Admin, Consumer, FetchIsolationLevels, Producer } from '@platformatic/kafka';
import { BIN, ROOT } from '../helpers/run-cli.js';
import { committedData } from '../../src/sources/kafka/aborted.js';

const SCRIPT = join(ROOT, 'scripts', 'test-kafka.sh');

export const hasJava = spawnSync('java', ['-version']).status === 0;
export const SKIP_REASON = 'java is not installed: the Kafka tests need a real broker (scripts/test-kafka.sh)';

/** The access log shipped with the repo: 10 000 lines. */
export const ACCESS_LOG = join(ROOT, 'data', 'elastic-examples', 'apache_logs');

/** A running broker (`dir` holds its data and logs). */
export interface Broker {
  dir: string;
  address: string;
  stop(): void;
  /** Starts it again on the same port with the same data (after `stop`). */
  restart(): void;
  close(): void;
}

/** Starts a broker (the script waits until it accepts connections). */
export function startBroker(): Broker {
  const dir = mkdtempSync(join(tmpdir(), 'dstream-kafka-'));
  const start = () => {
    const out = execFileSync('bash', [SCRIPT, 'start', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    const m = /^BROKER=(\S+)$/m.exec(out);
    if (!m) throw new Error(`test-kafka.sh start printed no BROKER= line: ${out}`);
    return m[1]!;
  };
  const address = start();
  const stop = () => { execFileSync('bash', [SCRIPT, 'stop', dir], { stdio: 'inherit' }); };
  return {
    dir, address, stop,
    restart: () => { start(); },
    close: () => { stop(); rmSync(dir, { recursive: true, force: true }); },
  };
}

const base = (broker: string) => ({ clientId: 'dstream-test', bootstrapBrokers: [broker], retries: 5, retryDelay: 200 });

export async function createTopic(broker: string, topic: string, partitions: number): Promise<void> {
  const admin = new Admin(base(broker));
  try {
    await admin.createTopics({ topics: [topic], partitions, replicas: 1 });
  } finally {
    await admin.close();
  }
}

export async function addPartitions(broker: string, topic: string, count: number): Promise<void> {
  const admin = new Admin(base(broker));
  try {
    await admin.createPartitions({ topics: [{ name: topic, count }] } as never);
  } finally {
    await admin.close();
  }
}

/** Apache time `17/May/2015:10:05:03 +0000` of an access log line, epoch ms. */
export function apacheTimeMs(line: string): number {
  const m = /\[(\d\d)\/(\w{3})\/(\d{4}):(\d\d):(\d\d):(\d\d) ([+-]\d{4})\]/.exec(line)!;
  const mon = 'JanFebMarAprMayJunJulAugSepOctNovDec'.indexOf(m[2]!) / 3;
  const off = (Number(m[7]!.slice(0, 3)) * 60 + Math.sign(Number(m[7]!.slice(0, 3)) || 1) * Number(m[7]!.slice(3))) * 60_000;
  return Date.UTC(Number(m[3]), mon, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6])) - off;
}

/** Produces `lines` round-robin over `partitions`, each with its Apache time as the record timestamp when it has one. */
export async function produceLines(broker: string, topic: string, lines: string[], partitions: number): Promise<void> {
  const producer = new Producer({ ...base(broker), idempotent: true, acks: -1 });
  try {
    for (let i = 0; i < lines.length; i += 500) {
      const messages = lines.slice(i, i + 500).map((value, j) => {
        const ts = /\[\d\d\/\w{3}\/\d{4}:/.test(value) ? BigInt(apacheTimeMs(value)) : undefined;
        return { topic, partition: (i + j) % partitions, value: Buffer.from(value), timestamp: ts };
      });
      await producer.send({ messages });
    }
  } finally {
    await producer.close();
  }
}

/** Produces `lines` to one partition, with their Apache times as timestamps. */
export async function produceToPartition(broker: string, topic: string, lines: string[], partition: number): Promise<void> {
  const producer = new Producer({ ...base(broker), idempotent: true, acks: -1 });
  try {
    await producer.send({ messages: lines.map((value) => ({ topic, partition, value: Buffer.from(value), timestamp: BigInt(apacheTimeMs(value)) })) });
  } finally {
    await producer.close();
  }
}

/** The local run of `ops` with the access log as a regular file on stdin (bounded input: one batch at the batch interval). */
export function localRunOf(ops: string[], format: string): string {
  const fd = openSync(ACCESS_LOG, 'r');
  try {
    const r = spawnSync(process.execPath, [BIN, ...ops, '--format', format], { stdio: [fd, 'pipe', 'pipe'], encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    if (r.status !== 0) throw new Error(`local run: exit ${r.status}: ${r.stderr}`);
    return r.stdout;
  } finally {
    closeSync(fd);
  }
}

export function accessLogLines(): string[] {
  return readFileSync(ACCESS_LOG, 'utf8').split('\n').filter((l) => l !== '');
}

/** Every committed message of `topic` (read_committed), as `key\tvalue`, in partition then offset order. */
export async function readTopic(broker: string, topic: string): Promise<string[]> {
  const c = new Consumer({ ...base(broker), groupId: 'dstream-test-reader', isolationLevel: FetchIsolationLevels.READ_COMMITTED });
  try {
    const md = await c.metadata({ topics: [topic], forceUpdate: true });
    const tm = md.topics.get(topic)!;
    const ends = await c.listOffsets({ topics: [topic], isolationLevel: FetchIsolationLevels.READ_COMMITTED });
    const out: string[] = [];
    for (let p = 0; p < tm.partitionsCount; p++) {
      const end = ends.get(topic)![p]!;
      let next = 0n;
      while (next < end) {
        const r = await c.fetch({ node: tm.partitions[p]!.leader, isolationLevel: FetchIsolationLevels.READ_COMMITTED, maxWaitTime: 100, topics: [{ topicId: tm.id, partitions: [{ partition: p, currentLeaderEpoch: -1, fetchOffset: next, lastFetchedEpoch: -1, partitionMaxBytes: 1 << 20 }] }] });
        const tp = r.responses[0]!.partitions[0]!;
        let moved = false;
        const isData = committedData(tp.abortedTransactions ?? []);
        for (const b of tp.records ?? []) {
          const data = isData(b);
          const last = b.firstOffset + BigInt(b.lastOffsetDelta);
          if (last < next) continue;
          if (data) {
            for (const rec of b.records) if (b.firstOffset + BigInt(rec.offsetDelta) >= next) out.push(`${rec.key?.toString() ?? ''}\t${rec.value?.toString() ?? ''}`);
          }
          next = last + 1n;
          moved = true;
        }
        if (!moved && tp.lastStableOffset > next) next = tp.lastStableOffset;
      }
    }
    return out;
  } finally {
    await c.close(true);
  }
}

/** A broker with the access log produced round-robin to topic `access` of 4 partitions. */
export async function startAccessBroker(): Promise<Broker> {
  const broker = startBroker();
  await createTopic(broker.address, 'access', 4);
  await produceLines(broker.address, 'access', accessLogLines(), 4);
  return broker;
}
