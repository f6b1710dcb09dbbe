/**
 * `--output kafka://BROKERS/TOPIC`: each output line (a record in `--format`,
 * json by default) is one Kafka message; its key is the record's key where it
 * has one (a json `[key, value]` pair, or the `key` of a keyed result).
 *
 * With `--checkpoint` it is exactly once: the lines of a batch are sent in one
 * Kafka transaction at `addBatch` (the end of the batch, before it is
 * committed to the checkpoint), with
 * a transactional id derived from the checkpoint directory and topic, so a
 * restarted job fences its dead predecessor and aborts its open transaction.
 * Each transaction also moves a marker (the offset of group `<id>-marker` on
 * partition 0) to the number of batches committed; `position()` is that
 * number, logged with each batch, so a batch re-run after a crash that had in
 * fact been committed is not sent again (`recover`). A `read_committed`
 * consumer sees every row once. Without a checkpoint: an idempotent producer,
 * sending at each batch end (at least once across a crash).
 *
 * The Kafka client is asynchronous and the engine is not: the I/O runs on a
 * worker thread (kafka-worker.ts) and `flush`/`addBatch` wait for it on a shared
 * flag (`Atomics.wait`).
 */
import { createHash } from '../core/hash.js';
import { createRequire } from 'node:module';
import { realpathSync } from 'node:fs';
import type { MessagePort, Worker } from 'node:worker_threads';
import { ConfigError, DStreamError } from '../core/errors.js';
import { parseHostPort } from '../sources/address.js';
import type { DurableOutput } from './durable-output.js';
import { committedBefore, type SinkLog } from './sink.js';

/** `kafka://host:port[,host:port]/TOPIC` parsed; null when `url` is not a kafka:// URL. */

/** node:worker_threads, loaded on first use (start-up cost of jobs without a Kafka sink). */
const workerThreads = (): typeof import('node:worker_threads') => createRequire(import.meta.url)('node:worker_threads') as typeof import('node:worker_threads');

export function parseKafkaUrl(url: string): { brokers: string[]; topic: string } | null {
  if (!url.startsWith('kafka://')) return null;
  const m = /^kafka:\/\/([^/]+)\/([A-Za-z0-9._-]{1,249})$/.exec(url);
  if (!m) throw new ConfigError(`--output: '${url}' is not kafka://HOST:PORT[,HOST:PORT]/TOPIC`);
  const brokers = m[1]!.split(',');
  for (const b of brokers) parseHostPort(b, '--output kafka://');
  return { brokers, topic: m[2]! };
}

/** The record key of a json output line: the first element of a `[key, value]` pair, or the `key` of a keyed result. */
function keyOf(line: string): string | null {
  const c = line.charCodeAt(0);
  if (c !== 91 /* [ */ && c !== 123 /* { */) return null;
  let k: unknown = null;
  try {
    const v = JSON.parse(line) as unknown;
    if (Array.isArray(v)) k = v.length === 2 ? v[0] : null;
    else if (v !== null && typeof v === 'object' && 'key' in v) k = (v as { key: unknown }).key;
  } catch {
    /* not json */
  }
  return k === null || k === undefined ? null : typeof k === 'string' ? k : JSON.stringify(k);
}

/** `--output kafka://…` (see module doc). */
export class KafkaOutput implements DurableOutput {
  readonly name: string;
  private lines: string[] = [];
  private partial = '';
  private worker: Worker | null = null;
  private port: MessagePort | null = null;
  private readonly flag = new Int32Array(new SharedArrayBuffer(4));
  /** Batches committed to Kafka by this checkpoint's producers (transactional mode). */
  private committed = 0;
  private readonly transactionalId?: string;
  private log: SinkLog | null = null;
  /** The batch in flight at the crash whose transaction had committed (not sent again). */
  private sentBefore = -1;

  /**
   * @param checkpointDir with a checkpoint: one transaction per batch (exactly once).
   * @throws ConfigError for a bad URL or a topic that does not exist.
   */
  constructor(private readonly target: { brokers: string[]; topic: string }, checkpointDir?: string, private readonly keyed = true) {
    this.name = `kafka:${target.topic}`;
    if (checkpointDir !== undefined) {
      const id = createHash('sha256').update(`${realpathSync(checkpointDir)}\0${target.topic}`).digest('hex').slice(0, 20);
      this.transactionalId = `dstream-${id}`;
    }
  }

  /** Starts the worker and connects (blocks); `committed` comes from Kafka. */
  private open(): void {
    if (this.worker) return;
    const { MessageChannel, Worker } = workerThreads();
    const { port1, port2 } = new MessageChannel();
    this.worker = new Worker(new URL('./kafka-worker.js', import.meta.url), { workerData: { port: port2, flag: this.flag }, transferList: [port2] });
    this.worker.unref();
    this.port = port1;
    const r = this.call({ type: 'init', brokers: this.target.brokers, topic: this.target.topic, transactionalId: this.transactionalId });
    this.committed = r.committed as number;
  }

  private call(message: Record<string, unknown>): Record<string, unknown> {
    Atomics.store(this.flag, 0, 0);
    this.port!.postMessage(message);
    while (Atomics.wait(this.flag, 0, 0, 1000) === 'timed-out') {
      if (this.worker!.threadId < 0) throw new DStreamError('E_KAFKA_OUTPUT', 'processing', 'kafka output: the Kafka worker thread exited');
    }
    const reply = workerThreads().receiveMessageOnPort(this.port!)?.message as Record<string, unknown> | undefined;
    if (!reply) throw new DStreamError('E_KAFKA_OUTPUT', 'processing', 'kafka output: no reply from the Kafka worker thread');
    if (!reply.ok) {
      if (reply.config) throw new ConfigError(String(reply.error));
      throw new DStreamError('E_KAFKA_OUTPUT', 'processing', `kafka output: ${String(reply.error)}`);
    }
    return reply;
  }

  /** Connects now (a missing topic is a configuration error before any input is read). */
  prepare(): void {
    this.open();
  }

  write(text: string): void {
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop()!;
    for (const p of parts) this.lines.push(p);
  }

  /** Without a checkpoint: sends what was written (idempotent producer). With one, lines wait for `addBatch`. */
  flush(): void {
    if (this.transactionalId === undefined) this.send();
  }

  private send(): void {
    if (this.partial) {
      this.lines.push(this.partial);
      this.partial = '';
    }
    if (this.lines.length === 0) return;
    this.open();
    const lines = this.lines;
    this.lines = [];
    this.committed = this.call({ type: 'send', lines, keys: this.keyed ? lines.map(keyOf) : lines.map(() => null), seq: this.committed + 1 }).committed as number;
  }

  position(): number {
    this.open();
    return this.committed;
  }

  recover(log: SinkLog): void {
    this.log = log;
    if (log.inFlight && typeof log.inFlight.startedAt === 'number' && this.position() > log.inFlight.startedAt) this.sentBefore = log.inFlight.batchId;
  }

  /** Sends the batch: in one transaction under a checkpoint, unless it was committed before (see module doc). */
  addBatch(batchId: number): void {
    if (committedBefore(this.log, batchId) || batchId === this.sentBefore) {
      this.lines = [];
      this.partial = '';
      return;
    }
    if (this.log) this.send();
    else this.flush();
  }

  close(): void {
    void this.worker?.terminate();
  }
}
