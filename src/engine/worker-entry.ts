/**
 * The body of a `--workers` thread: reads its byte range of stdin (a regular
 * file; threads share the descriptor and read with explicit positions),
 * splits lines and runs them through a `MapSideCombiner` (the stateless prefix
 * of the pipeline, compiled here from the same flags, then a pre-aggregation
 * per (pane, key)). Posts a `WorkerResult` (workers.ts) to the main thread
 * when done: the partials, the counts, and the first issues of each kind
 * with their record numbers, so that the main thread reports them as one
 * thread would have. Bytes read so far go to `task.progress[task.index]`
 * (the progress bar).
 */
import { readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import type { Issue, IssueKind } from '../core/issues.js';
import { LineSplitter } from '../sources/line-splitter.js';
import { MapSideCombiner } from './map-side-combine.js';
import { ISSUES_FORWARDED_PER_KIND, type WorkerResult, type WorkerTask } from './workers.js';

const task = workerData as WorkerTask;

/** `v` if it survives a structured clone (postMessage), else a string for messages. */
function cloneable(v: unknown): unknown {
  try {
    structuredClone(v);
    return v;
  } catch {
    return String(v);
  }
}

try {
  const combiner = new MapSideCombiner({
    prefix: task.prefix, aggregation: task.aggregation, paneMs: task.paneMs, watermarkDelayMs: task.watermarkDelayMs,
    timezone: task.timezone, parse: task.parse, onError: task.onError,
  });
  const issues = combiner.issues;
  const forwarded: Issue[] = [];
  const perKind = new Map<IssueKind, number>();
  issues.listen((i) => {
    const n = (perKind.get(i.kind) ?? 0) + 1;
    perKind.set(i.kind, n);
    if (n <= ISSUES_FORWARDED_PER_KIND) forwarded.push({ ...i, value: cloneable(i.value), raw: cloneable(i.raw) });
  });
  const progress = task.progress ? new Float64Array(task.progress) : undefined;
  const splitter = new LineSplitter((line) => combiner.line(line), issues, 'stdin', task.maxLineBytes, task.start === 0);
  const buf = Buffer.allocUnsafe(1 << 20);
  let pos = task.start;
  while (pos < task.end) {
    const n = readSync(0, buf, 0, Math.min(buf.length, task.end - pos), pos);
    if (n <= 0) break;
    splitter.push(buf.subarray(0, n));
    pos += n;
    if (progress) progress[task.index] = pos - task.start;
  }
  splitter.end();
  const partials = combiner.take(); // ends the batch; warnings are decided by the main thread over every thread's counts
  const result: WorkerResult = {
    ok: true, partials, maxEventTimeMs: combiner.maxEventTimeMs, counts: issues.counts, byOperator: [...issues.byOperator],
    passed: issues.passedCounts(), issues: forwarded, records: issues.recordsSeen, steps: combiner.stateless?.stepCounts() ?? [],
  };
  parentPort!.postMessage(result);
} catch (e) {
  parentPort!.postMessage({ ok: false, error: e instanceof Error ? e.message : String(e), code: (e as { exitCode?: number }).exitCode });
}
