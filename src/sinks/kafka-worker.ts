/**
 * The Kafka I/O of `KafkaOutput`, on a worker thread so that the engine's
 * synchronous `flush`/`sync` can wait for it (the main thread blocks on a
 * shared flag; see kafka-output.ts). Requests arrive on `workerData.port`, one
 * at a time; each gets one reply `{ ok, ... }` or `{ ok: false, error, config }`,
 * then the flag is set to 1 and notified.
 *
 * - `init`: connects, checks the topic; with a transactional id, fences any
 *   predecessor (its open transaction is aborted) and reads the number of
 *   batches committed so far (`committed`), kept as the offset of a marker
 *   group on partition 0 of the topic and written in each transaction.
 * - `send`: the lines of one batch. Transactional: one transaction with the
 *   marker moved to `seq`; after a failure the producer is made anew (which
 *   aborts the open transaction) and the marker says whether the commit had
 *   happened, so a batch is never written twice. Otherwise an idempotent send.
 *   A broker that is away is retried with back-off, said on stderr.
 */
import { writeSync } from 'node:fs';
import { workerData, type MessagePort } from 'node:worker_threads';
import { Admin, Producer } from '@platformatic/kafka';
import { isCoordinatorStarting, isUnknownTopic, kafkaErrorText as text } from '../sources/kafka/errors.js';

interface Init { type: 'init'; brokers: string[]; topic: string; transactionalId?: string }
interface Send { type: 'send'; lines: string[]; keys: (string | null)[]; seq: number }

const { port, flag } = workerData as { port: MessagePort; flag: Int32Array };
let init: Init;
let producer: Producer | null = null;
let admin: Admin | null = null;
/** The admin client saw a failure: made anew at the next connect. */
let adminBroken = false;

function log(line: string): void {
  try {
    writeSync(2, `dstream: ${line}\n`);
  } catch {
    /* stderr gone */
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A Kafka call that has not settled within this many ms is taken as failed (the connection is then made anew). */
const CALL_DEADLINE_MS = 15_000;

/** `p`, or a rejection after `CALL_DEADLINE_MS` (a request to a broker that went away may otherwise never settle). */
function deadline<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, rej) => {
    timer = setTimeout(() => rej(new Error(`${what}: no answer within ${CALL_DEADLINE_MS / 1000} s`)), CALL_DEADLINE_MS);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}
const markerGroup = () => `${init.transactionalId}-marker`;

async function connect(): Promise<void> {
  const base = { clientId: 'dstream', bootstrapBrokers: init.brokers, retries: 0, timeout: 10_000 };
  const old = producer;
  producer = null;
  void Promise.resolve(old?.close(true) as unknown as Promise<void>).catch(() => {}); // not awaited: it may wait for requests to a broker that went away
  if (adminBroken) {
    void admin?.close().catch(() => {});
    admin = null;
    adminBroken = false;
  }
  admin ??= new Admin(base);
  // The topic is checked with the admin client: an idempotent producer's metadata call waits forever for a missing one.
  const noTopic = () => Object.assign(new Error(`--output kafka://${init.brokers.join(',')}/${init.topic}: no such topic`), { config: true });
  const md = await admin.metadata({ topics: [init.topic] }).catch((e: unknown) => {
    throw isUnknownTopic(e) ? noTopic() : e;
  });
  if (!md.topics.get(init.topic)) throw noTopic();
  producer = new Producer({ ...base, idempotent: true, transactionalId: init.transactionalId, acks: -1, producerId: -1n, producerEpoch: -1 });
  if (init.transactionalId) {
    const tx = await producer.beginTransaction(); // InitProducerId: fences the predecessor, aborts its open transaction
    await tx.abort().catch(() => tx.cancel().catch(() => {}));
  }
}

async function committed(): Promise<number> {
  const [g] = await admin!.listConsumerGroupOffsets({ groups: [{ groupId: markerGroup(), topics: [{ name: init.topic, partitionIndexes: [0] }] } as never], requireStable: true });
  const o = g?.topics.find((t) => t.name === init.topic)?.partitions.find((p) => p.partitionIndex === 0)?.committedOffset ?? -1n;
  answered = true;
  return o < 0n ? 0 : Number(o);
}

/** The group coordinator has answered (`committed`): from then on a coordinator error is a broker going away, not one starting. */
let answered = false;

/**
 * Runs `step` until it succeeds, re-connecting with back-off; a configuration error passes through.
 * Until the group coordinator first answers, one that is starting (a new broker's first job) is said in
 * plain words, and its end is not.
 */
async function retry<T>(what: string, step: () => Promise<T>): Promise<T> {
  let delay = 100;
  let said = false;
  /** Only a starting coordinator was said: its end needs no line. */
  let quiet = true;
  for (;;) {
    try {
      const r = await deadline(step(), what);
      if (said && !quiet) log(`kafka output: reconnected to ${init.brokers.join(',')}`);
      return r;
    } catch (e) {
      if ((e as { config?: boolean }).config) throw e;
      adminBroken = true;
      const starting = !answered && isCoordinatorStarting(e);
      if (!said) log(starting ? `kafka output: the broker's group coordinator is not ready yet (a new broker first creates its offsets topic; a restarted one loads it): waiting for it` : `kafka output: ${what}: ${text(e)}; retrying with back-off (up to 5 s)`);
      quiet &&= starting;
      said = true;
      await sleep(delay);
      delay = Math.min(delay * 2, 5_000);
      await deadline(connect(), 'connecting').catch(() => {});
    }
  }
}

function messages(m: Send): { topic: string; key?: Buffer; value: Buffer }[][] {
  const chunks: { topic: string; key?: Buffer; value: Buffer }[][] = [[]];
  let bytes = 0;
  m.lines.forEach((line, i) => {
    const value = Buffer.from(line);
    if (bytes + value.length > 512 * 1024 && chunks[chunks.length - 1]!.length) {
      chunks.push([]);
      bytes = 0;
    }
    bytes += value.length;
    const k = m.keys[i];
    chunks[chunks.length - 1]!.push({ topic: init.topic, key: k == null ? undefined : Buffer.from(k), value });
  });
  return chunks;
}

async function send(m: Send): Promise<number> {
  if (!init.transactionalId) {
    for (const chunk of messages(m)) await retry('sending', () => producer!.send({ messages: chunk }));
    return m.seq;
  }
  return retry('committing a transaction', async () => {
    if ((await committed()) >= m.seq) return m.seq; // committed before a failure was seen
    const tx = await producer!.beginTransaction();
    try {
      for (const chunk of messages(m)) await tx.send({ messages: chunk });
      await tx.addConsumer({ groupId: markerGroup() } as never);
      await tx.addOffset({
        topic: init.topic, partition: 0, offset: BigInt(m.seq - 1),
        metadata: { consumer: { groupId: markerGroup(), generationId: -1, memberId: '', coordinatorId: await coordinator() } },
      } as never);
      await tx.commit();
    } catch (e) {
      await tx.abort().catch(() => {});
      throw e;
    }
    return m.seq;
  });
}

/** Node id of the marker group's coordinator. */
async function coordinator(): Promise<number> {
  const [c] = await admin!.findCoordinator({ keyType: 0, keys: [markerGroup()] });
  if (!c) throw new Error(`no coordinator for group ${markerGroup()}`);
  return c.nodeId;
}

/** Answers the waiting main thread (it is blocked on `flag` until then). */
function answer(reply: Record<string, unknown>): void {
  port.postMessage(reply);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}

// A failure outside a request's try (a client bug) still answers, so the main thread never waits forever.
process.on('uncaughtException', (e) => answer({ ok: false, error: text(e) }));
process.on('unhandledRejection', (e) => answer({ ok: false, error: text(e) }));

port.on('message', async (m: Init | Send) => {
  let reply: Record<string, unknown>;
  try {
    if (m.type === 'init') {
      init = m;
      await retry('connecting', connect);
      reply = { ok: true, committed: init.transactionalId ? await retry('reading the committed batch count', committed) : 0 };
    } else {
      reply = { ok: true, committed: await send(m) };
    }
  } catch (e) {
    reply = { ok: false, error: text(e), config: (e as { config?: boolean }).config === true };
  }
  answer(reply);
});
