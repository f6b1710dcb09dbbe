/**
 * `--workers auto` (the default): every core on bounded input when the job
 * allows it, silently one thread otherwise.
 *
 * Threads are used only where their answer is the one-thread answer byte for
 * byte: stdin redirected from a regular file as the only source, read whole as
 * one batch (no checkpoint, no batch markers, no `--max-records-per-batch`,
 * no `--max-rate`), a plan that `--workers` can split (engine/workers.ts)
 * whose aggregation merges exactly in any grouping — `--count`,
 * `--count-by-value`, or the built-in reducers count, min, max and sum (a
 * sum of integers; at the first value that is not one, the main thread reads
 * the whole file itself, as a floating-point sum depends on the order of
 * additions) but not a function, which may not be associative — and nothing that needs every
 * raw line or per-batch input counts in the main thread (`--dead-letter`,
 * `--late`, `--on-error fail`, `--stats`, `--progress-json`,
 * `--metrics-port`), nor settings that only the one-thread pipeline takes
 * (`--output-mode`, `--allowed-lateness`, `--state-timeout`, `--max-keys`,
 * `--initial-state`). A file smaller than `AUTO_MIN_BYTES_PER_THREAD` per
 * thread is read by fewer threads, as starting one costs more than it saves.
 */
import { availableParallelism } from 'node:os';
import { workerPlanProblem } from '../engine/workers.js';
import type { CliOptions } from './args.js';
import type { BoundedInput } from './progress-bar.js';

/** Bytes of input per thread below which `auto` starts fewer threads (a thread costs ~30 ms to start). */
export const AUTO_MIN_BYTES_PER_THREAD = 8 * 1024 * 1024;

/**
 * Built-in reducers whose partials merge to the same bytes in any grouping; `sum` of integers
 * too (safe integers and `BigInt`s add exactly): at its first other value the file is read in
 * one thread (engine/workers.ts), so a sum of decimals is the one-thread sum.
 */
const EXACT_REDUCERS = new Set(['count', 'min', 'max', 'sum']);

/**
 * The number of threads for the job: an explicit `--workers N` as given (its
 * checks come later, as usage errors), else what `auto` allows (see module doc).
 * @param stdinSize size in bytes of stdin when it is a regular file, else `undefined`
 * @param cores defaults to `os.availableParallelism()`
 */
export function workerThreads(o: CliOptions, ctx: { checkpoint: boolean; stdinSize: number | undefined; cores?: number }): number {
  if (typeof o.workers === 'number') return o.workers;
  const s = o.sources;
  const size = ctx.stdinSize;
  if (size === undefined || !s.stdin || s.connect.length || s.listen.length || s.watch.length || s.kafka !== undefined) return 1;
  if (s.maxRate !== undefined || s.batchMarker !== undefined || s.maxRecordsPerBatch !== undefined || ctx.checkpoint) return 1;
  if (o.deadLetter || o.late || o.onError === 'fail' || o.stats || o.progressJson || o.metricsPort !== undefined) return 1;
  if (o.outputMode || o.allowedLatenessMs !== undefined || o.stateTimeoutMs !== undefined || o.maxKeys !== undefined || o.initialState !== undefined) return 1;
  if (o.parse?.format === 'csv' || workerPlanProblem(o.operators, o.timezone) !== undefined) return 1;
  const agg = o.operators.find((f) => f.op === 'count' || f.op === 'count-by-value' || f.op === 'reduce' || f.op === 'reduce-by-key');
  if (agg && 'source' in agg && !EXACT_REDUCERS.has(agg.source)) return 1;
  const cores = Math.min(ctx.cores ?? availableParallelism(), 64);
  const n = Math.min(cores, Math.floor(size / AUTO_MIN_BYTES_PER_THREAD));
  return n >= 2 ? n : 1;
}

/**
 * The progress of `--workers` threads reading a file of `totalBytes` bytes: each thread writes the
 * bytes it has read into its slot of `bytesPerThread` (a `Float64Array` over it; engine/worker-entry.ts).
 */
export function threadsProgress(bytesPerThread: SharedArrayBuffer, totalBytes: number): BoundedInput | undefined {
  if (totalBytes === 0) return undefined;
  const slots = new Float64Array(bytesPerThread);
  return { totalBytes, readBytes: () => Math.min(totalBytes, slots.reduce((a, b) => a + b, 0)) };
}
