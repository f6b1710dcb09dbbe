/**
 * dstream's library API: Spark Streaming's DStream model for Node.js.
 *
 * ```ts
 * import { StreamingContext } from 'dstream';
 * const ssc = new StreamingContext({ batchIntervalMs: 1000 });
 * ssc.stdinStream()
 *   .flatMap((l) => l.split(' '))
 *   .map((w) => [w, 1] as [string, number])
 *   .reduceByKeyAndWindow('sum', 60_000, 10_000)
 *   .print();
 * ssc.start();
 * await ssc.awaitTermination();
 * ```
 *
 * Everything the `dstream` command does is made of what this module exports
 * (cli/ imports nothing else below it but plan/ and observe/; see
 * test/architecture/layers.test.ts): a checkpointed job is
 * `ssc.checkpoint({ store: CheckpointStore.open(dir, pipelineIdentity(plan.description)), intervalMs, outputs: [new FileOutput(path)] })`,
 * event time in a zone is `ds.eventTime(fn, { zone: new TimeZone('Europe/Paris') })`.
 */
export * from './core/index.js';
export { StreamingContext, type StreamingContextOptions, type ContextState } from './engine/context.js';
export type { BatchListener, BatchMetrics, CheckpointOptions } from './engine/micro-batch.js';
export { buildPipeline, type PipelineSettings } from './engine/apply-plan.js';
export { buildWorkerPipeline, type SpareThread } from './engine/workers.js';
export { loggedInputOf } from './engine/recovery.js';
export { planJob, type JobPlan, type JobPlanOptions } from './plan/job-plan.js';
export { pipelineIdentity, pipelineDescription, type PipelineDescription } from './plan/fingerprint.js';
export type { OperatorFlag } from './plan/pipeline.js';
export { CheckpointStore, type PipelineIdentity } from './checkpoint/checkpoint-store.js';
export { inspectCheckpoint, resetCheckpoint } from './checkpoint/inspect.js';
export { TimeZone } from './core/time-zone.js';
export { DStream, type WindowReduceOptions } from './engine/dstream.js';
export { IssueLog, type Issue, type IssueKind, type ErrorPolicy } from './core/issues.js';
export type { StreamNode } from './core/node.js';
export type { OutputMode } from './state/output-mode.js';
export { TextKey } from './state/keyed-state-node.js'; // an --initial-state key read from tsv or csv whose text reads as JSON
export type { BatchContext } from './operators/collect.js';
export { BUILTIN_REDUCERS, type BuiltinReducer } from './operators/reducers.js';
export { rankCompare } from './operators/top.js';
export { FormatSink, type FormatSinkOptions } from './sinks/format-sink.js';
export { MemoryOutput, StreamOutput, type Output } from './sinks/output.js';
export { FileOutput, BatchDirOutput, type DurableOutput } from './sinks/durable-output.js';
export { KafkaOutput, parseKafkaUrl } from './sinks/kafka-output.js';
export { isSink, type Sink, type SinkLog } from './sinks/sink.js';
export * from './sinks/format.js';
export type { Source, SourceSink } from './sources/source.js';
export { FdLineSource } from './sources/fd-line-source.js';
export { WalLineSource } from './sources/wal-source.js';
export { BatchMarkerSource } from './sources/batch-marker.js';
export type { KafkaSource, KafkaSourceOptions } from './sources/kafka/source.js';
export { createParser, PARSE_FORMATS, type LineParser, type ParserOptions } from './parsers/index.js';
export { LineSplitter, DEFAULT_MAX_LINE_BYTES } from './sources/line-splitter.js';
export { ReadableLineSource, type ReadableLineSourceOptions } from './sources/readable-source.js';
export { ConnectSource, type ConnectSourceOptions } from './sources/socket-client.js';
export { ListenSource, type ListenSourceOptions } from './sources/socket-server.js';
export { DirectorySource, type DirectorySourceOptions, type DirectoryEvent } from './sources/directory/source.js';
export { ProcessedFiles, type ProcessedFile, type FileIdentity } from './sources/directory/file-identity.js';
export { RateLimiter, WritableBackpressure, type Backpressure } from './sources/flow.js';
export { GzipStart, gzipStdinError, startsWithGzipMagic } from './sources/gzip-start.js';
export { windowSpec, type WindowSpec } from './windows/spec.js';
export { WatermarkTracker } from './windows/watermark.js';
export { toEventTimeMs } from './core/event-time.js';
export { KeyedReducer } from './operators/keyed-map.js';
export { DEFAULT_LISTEN_HOST, parseHostPort, type HostPort } from './sources/address.js';
export { DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_MAX_CONNECTIONS } from './sources/socket-defaults.js';
export { parseAfterRead, type AfterRead } from './sources/directory/after-read.js';
export { DEFAULT_SETTLE_MS } from './sources/directory/settle.js';
export { FileFilter, scanDirectory } from './sources/directory/watcher.js';
export { isGzip } from './sources/directory/file-reader.js';
export type { KafkaStart } from './sources/kafka/options.js';
export * as distributed from './distributed/index.js';
export { isLogUrl, parseLogUrl, type LogUrl } from './distributed/log-url.js';
