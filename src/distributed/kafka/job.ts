/**
 * Creating and opening a Kafka job: its internal topics (see log.ts) and its
 * record in the meta topic. The first record of the meta topic is the job:
 * workers that start at the same moment may each write one, and all of them
 * read back the same first one (their keys differ, so compaction keeps it).
 */
import { Producer } from '@platformatic/kafka';
import { clientOptions, deadline, jobNames, type KafkaJobMeta, type KafkaLog } from './log.js';

/** What a new job is created with. */
export interface NewJob {
  keyPartitions: number;
  pipeline: string;
  output: string;
  /** `--once`: the job ends at the input's end offsets of now. */
  once: boolean;
}

/** Reads the job's record; null when the job does not exist. */
export async function readJob(log: KafkaLog, job: string): Promise<KafkaJobMeta | null> {
  const { meta } = jobNames(job);
  if ((await log.partitions(meta)) === null) return null;
  const end = (await log.endOffsets(meta))[0] ?? 0;
  const start = (await log.startOffsets(meta))[0] ?? 0;
  if (end <= start) return null;
  const { records } = await log.read(meta, 0, start, end, 1);
  return records[0]?.value ? (JSON.parse(records[0].value) as KafkaJobMeta) : null;
}

/**
 * Opens job `job` on the input topic of `log.url`, creating it (topics and record) when new.
 * @returns the job's record, or null while the input topic does not exist.
 */
export async function openJob(log: KafkaLog, job: string, fresh: NewJob): Promise<KafkaJobMeta | null> {
  const input = log.url.name;
  const inputPartitions = await log.partitions(input);
  if (inputPartitions === null) return null;
  const names = jobNames(job);
  let meta = await readJob(log, job);
  if (!meta) {
    await log.ensureTopic(names.meta, 1, true);
    const record: KafkaJobMeta = {
      version: 1, input, inputPartitions, keyPartitions: fresh.keyPartitions, pipeline: fresh.pipeline, output: fresh.output,
      endOffsets: fresh.once ? await log.endOffsets(input) : null,
    };
    const producer = new Producer({ ...clientOptions(log.url), idempotent: true, acks: -1 });
    try {
      await deadline(producer.send({ messages: [{ topic: names.meta, partition: 0, key: Buffer.from(`job:${process.pid}:${Math.random()}`), value: Buffer.from(JSON.stringify(record)) }] }), 'writing the job record');
    } finally {
      await producer.close().catch(() => undefined);
    }
    meta = await readJob(log, job);
    if (!meta) throw new Error(`job record of ${job} not readable after writing it`);
  }
  // At once: each is a few round trips to the controller and a wait for the metadata. A stateless job
  // (0 key partitions) has no repartition topic; its changelog holds the input partitions' state.
  await Promise.all([
    meta.keyPartitions > 0 ? log.ensureTopic(names.repartition, meta.keyPartitions, false) : undefined,
    log.ensureTopic(names.changelog, Math.max(1, meta.keyPartitions), true),
    log.partitions(meta.output).then((n) => (n === null ? log.ensureTopic(meta.output, 1, false) : undefined)),
  ]);
  return meta;
}

/** The changelog partition of input partition `p`'s state record (`s1:P`): p mod the key partitions; 0 for a stateless job. */
export function changelogPartition(meta: KafkaJobMeta, p: number): number {
  return meta.keyPartitions > 0 ? p % meta.keyPartitions : 0;
}
