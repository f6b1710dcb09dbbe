/**
 * `--workers auto` (the default): every core on bounded input when the job
 * allows it, one thread otherwise (`--verbose` says why: `autoThreads`).
 *
 * Threads are used only where their answer is the one-thread answer byte for
 * byte: stdin redirected from a regular file as the only source, read whole as
 * one batch (no checkpoint, no batch markers, no `--max-records-per-batch`,
 * no `--max-rate`), a plan that `--workers` can split (engine/workers.ts, workers-source.ts)
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
 * one thread (engine/workers-source.ts), so a sum of decimals is the one-thread sum.
 */
const EXACT_REDUCERS = new Set(['count', 'min', 'max', 'sum']);

/**
 * The number of threads for the job: an explicit `--workers N` as given (its
 * checks come later, as usage errors), else what `auto` allows (see module doc).
 * @param stdinSize bytes of stdin left to read (from its file offset to its end) when it is a regular file, else `undefined`
 * @param stdinOffsetUnknown stdin is a regular file whose offset cannot be read (cli/process-io.ts `stdinOffset`): one thread
 * @param cores defaults to `os.availableParallelism()`
 */
export function workerThreads(o: CliOptions, ctx: { checkpoint: boolean; stdinSize: number | undefined; stdinOffsetUnknown?: boolean; cores?: number }): number {
  return autoThreads(o, ctx).threads;
}

/** `workerThreads`, with why `auto` chose one thread (for `--verbose`; undefined when it did not, or `--workers N` was given). */
export function autoThreads(o: CliOptions, ctx: { checkpoint: boolean; stdinSize: number | undefined; stdinOffsetUnknown?: boolean; cores?: number }): { threads: number; why?: string } {
  if (typeof o.workers === 'number') {
    // A file under /proc says 0 bytes whatever it holds: threads splitting 0 bytes would read nothing. One
    // thread reads it to its end (an empty file gives the same output either way, so nothing is said).
    if (o.workers > 1 && (ctx.stdinSize === 0 || ctx.stdinOffsetUnknown)) return { threads: 1 };
    return { threads: o.workers };
  }
  const one = (why: string) => ({ threads: 1, why });
  const s = o.sources;
  const size = ctx.stdinSize;
  if (!s.stdin || s.connect.length || s.listen.length || s.watch.length || s.kafka !== undefined) return one('the input is not stdin alone');
  if (ctx.stdinOffsetUnknown) return one('stdin\'s file offset cannot be read (/proc/self/fdinfo/0), so the file cannot be split from there');
  if (size === undefined) return one('stdin is not a regular file: a pipe or a terminal cannot be split among threads');
  const flag = firstFlag([[s.maxRate !== undefined, '--max-rate'], [s.batchMarker !== undefined, '--batch-marker'], [s.maxRecordsPerBatch !== undefined, '--max-records-per-batch'],
    [ctx.checkpoint, '--checkpoint'], [!!o.deadLetter, '--dead-letter'], [!!o.late, '--late'], [o.onError === 'fail', '--on-error fail'], [!!o.stats, '--stats'],
    [!!o.progressJson, '--progress-json'], [o.metricsPort !== undefined, '--metrics-port'], [!!o.outputMode, '--output-mode'], [o.allowedLatenessMs !== undefined, '--allowed-lateness'],
    [o.stateTimeoutMs !== undefined, '--state-timeout'], [o.maxKeys !== undefined, '--max-keys'], [o.initialState !== undefined, '--initial-state'], [o.parse?.format === 'csv', '--parse csv']]);
  if (flag) return one(`${flag} needs the one-thread pipeline`);
  const problem = workerPlanProblem(o.operators, o.timezone);
  if (problem !== undefined) return one(`the pipeline does not split: ${problem.replace(/; drop --workers$/, '')}`);
  const agg = o.operators.find((f) => f.op === 'count' || f.op === 'count-by-value' || f.op === 'reduce' || f.op === 'reduce-by-key');
  if (agg && 'source' in agg && !EXACT_REDUCERS.has(agg.source)) return one(/^[\w:-]+$/.test(agg.source) ? `--${agg.op} ${agg.source} does not merge exactly in any grouping` : `--${agg.op} with a function, which may not be associative`);
  const cores = Math.min(ctx.cores ?? availableParallelism(), 64);
  const n = Math.min(cores, Math.floor(size / AUTO_MIN_BYTES_PER_THREAD));
  if (n >= 2) return { threads: n };
  return one(cores < 2 ? 'one core' : `the input is ${size} bytes, under ${(2 * AUTO_MIN_BYTES_PER_THREAD) / 1048576} MiB: a thread costs more to start than it saves`);
}

/** The first flag whose condition holds. */
function firstFlag(flags: [boolean, string][]): string | undefined {
  return flags.find(([on]) => on)?.[1];
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
