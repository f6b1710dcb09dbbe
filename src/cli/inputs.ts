/**
 * Builds the job's input from the source flags: one `Source` per `--connect`
 * and `--listen`, one for all `--watch` directories, stdin when asked for (or
 * when nothing else is), all made one stream with `ssc.union` (Spark's
 * `union` of receiver streams). Every source shares the output backpressure
 * (stdout's queue) and gets its own `--max-rate` budget (per second, and per
 * batch when the clock cuts batches: `RateLimiter`). The engine calls
 * `Source.commit` after every batch has been output (`--after-read`).
 */
import type { StreamingContext } from '../engine/context.js';
import type { DStream } from '../engine/dstream.js';
import { RateLimiter, WritableBackpressure, type Backpressure, type WritableLike } from '../sources/flow.js';
import { ReadableLineSource } from '../sources/readable-source.js';
import type { Source } from '../sources/source.js';
import { BatchMarkerSource, type RecordSpan } from '../sources/batch-marker.js';
import type { KafkaSource } from '../sources/kafka/source.js';
import type { SourceCliOptions } from './source-options.js';

/** What `createInputs` needs from the process. */
export interface InputEnv {
  maxLineBytes: number;
  /** Writes one line to stderr (the `dstream: ` prefix is added here). */
  errLine: (line: string) => void;
  stdin: NodeJS.ReadableStream;
  /** The job's output stream, whose queue gives the backpressure. */
  stdout: WritableLike;
  /** Creates the stdin source instead of the plain one (e.g. write-ahead-logged with `--wal`); called only when stdin is read. */
  stdinSource?: (backpressure: Backpressure) => Source;
  /** With `--wal`: wraps a TCP source (the n-th) in a write-ahead log. */
  wal?: (source: Source, n: number) => Source;
  /** Called before the first line of each file of a watched directory (`--parse csv`: each file has its header). */
  onFileStart?: (path: string) => void;
  /** Called after the last line of each file of a watched directory (`--parse csv`: a record the file left open is reported). */
  onFileEnd?: (path: string) => void;
  /** `--parse csv`: follows records that span lines, so that `--batch-marker` ends batches only between records. */
  recordSpan?: RecordSpan;
  /** With `--checkpoint`: what recovery will replay of a source (see `KafkaSourceOptions.checkpointed`). */
  checkpointed?: (name: string) => { snapshot: unknown; batches: unknown[] };
}

/** The built input. */
export interface Inputs {
  /** The union of all sources (the source itself when there is one). */
  stream: DStream<string>;
  sources: Source[];
  /**
   * Binds ports and checks directories; call before `ssc.start()`.
   * @throws ConfigError (rejects) after stopping every source, e.g. a port in use.
   */
  prepare(): Promise<void>;
  /** The Kafka source when it is the only one (its record time and partition watermarks serve `--event-time auto`). */
  kafka?: KafkaSource;
  /** Waits for what sources still send (Kafka group commits) and closes them; never rejects. */
  close(): Promise<void>;
}

/**
 * Builds the sources of `options` on `ssc` (see module doc). The socket and
 * directory modules (chokidar among them) are loaded only when used: start-up
 * time of a plain stdin job matters in shell pipelines.
 */
export async function createInputs(ssc: StreamingContext, options: SourceCliOptions, env: InputEnv): Promise<Inputs> {
  const backpressure = new WritableBackpressure(env.stdout);
  // Clock-cut batches: each batch holds at most its share of --max-rate (the engine tells every limiter of a cut).
  const batchIntervalMs = options.batchMarker === undefined ? ssc.batchIntervalMs : undefined;
  const limiters: RateLimiter[] = [];
  if (options.maxRate) ssc.batchListeners.push(() => limiters.forEach((l) => l.batchCut()));
  const rate = () => {
    if (!options.maxRate) return undefined;
    const limiter = new RateLimiter(options.maxRate, ssc.clock, batchIntervalMs);
    limiters.push(limiter);
    return limiter;
  };
  const log = (message: string) => env.errLine(`dstream: ${message}`);
  const common = () => ({ issues: ssc.issues, maxLineBytes: env.maxLineBytes, rate: rate(), backpressure, log, clock: ssc.clock, once: options.once });
  const sources: Source[] = [];
  if (options.stdin) {
    sources.push(env.stdinSource?.(backpressure) ?? new ReadableLineSource('stdin', env.stdin, ssc.issues, { maxLineBytes: env.maxLineBytes, rate: rate(), backpressure, refuseGzip: true }));
  }
  if (options.connect.length) {
    const { ConnectSource } = await import('../sources/socket-client.js');
    for (const address of options.connect) {
      const s = new ConnectSource({ ...common(), address, retries: options.connectRetries });
      sources.push(env.wal ? env.wal(s, sources.length) : s);
    }
  }
  const { ListenSource } = options.listen.length ? await import('../sources/socket-server.js') : { ListenSource: null };
  for (const address of options.listen) {
    const s = new ListenSource!({ ...common(), address, maxConnections: options.maxConnections, idleTimeoutMs: options.idleTimeoutMs });
    sources.push(env.wal ? env.wal(s, sources.length) : s);
  }
  if (options.watch.length > 0) {
    const { DirectorySource } = await import('../sources/directory/source.js');
    sources.push(new DirectorySource({
      ...common(),
      dirs: options.watch,
      pattern: options.pattern,
      recursive: options.recursive,
      settleMs: options.settleMs,
      newFilesOnly: options.newFilesOnly,
      maxFilesPerBatch: options.maxFilesPerBatch,
      afterRead: options.afterRead,
      onFileStart: env.onFileStart,
      onFileEnd: env.onFileEnd,
    }));
  }
  let kafka: KafkaSource | undefined;
  if (options.kafka) {
    // The client's dependency mnemonist, loaded first: imported only through the client it was
    // found with "LRUCache is not a constructor" when stdin was a pipe (Node 20.20; cause not found).
    await import('mnemonist');
    const { KafkaSource } = await import('../sources/kafka/source.js');
    const k = options.kafka;
    kafka = new KafkaSource({
      brokers: k.brokers, topics: k.topics, start: k.start, group: k.group, once: options.once, asRecord: k.asRecord,
      maxRecordsPerBatch: options.maxRecordsPerBatch, log, checkpointed: env.checkpointed && (() => env.checkpointed!('kafka')),
    });
    sources.push(kafka);
  }
  // --batch-marker: marker lines end batches (the context was made with `explicitBatches`).
  const marker = options.batchMarker;
  if (marker !== undefined) sources.forEach((s, i) => (sources[i] = new BatchMarkerSource(s, marker, env.recordSpan)));
  const streams = sources.map((s) => ssc.receiverStream<string>(s));
  return {
    stream: streams.length === 1 ? streams[0]! : ssc.union(...streams),
    sources,
    async prepare() {
      try {
        await Promise.all(sources.map((s) => s.prepare?.()));
      } catch (e) {
        for (const s of sources) s.stop();
        throw e;
      }
    },
    kafka: sources.length === 1 ? kafka : undefined,
    async close() {
      await kafka?.close().catch(() => {});
    },
  };
}
