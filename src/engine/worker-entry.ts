/**
 * The body of a `--workers` thread: reads its byte range of stdin (a regular
 * file; threads share the descriptor and read with explicit positions),
 * splits lines and runs them through a `MapSideCombiner` (the stateless prefix
 * of the pipeline, compiled here from the same flags, then a pre-aggregation
 * per (pane, key)). Posts `{ partials, maxEventTimeMs, counts, messages }` to
 * the main thread when done.
 */
import { readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { LineSplitter } from '../sources/line-splitter.js';
import { MapSideCombiner } from './map-side-combine.js';
import type { WorkerTask } from './workers.js';

const task = workerData as WorkerTask;

try {
  const combiner = new MapSideCombiner({
    prefix: task.prefix, aggregation: task.aggregation, paneMs: task.paneMs, watermarkDelayMs: task.watermarkDelayMs,
    timezone: task.timezone, parse: task.parse, onError: task.onError,
  });
  const issues = combiner.issues;
  const messages: string[] = [];
  issues.listen((i) => {
    if (messages.length < 5) messages.push(`${i.where}: ${i.message}`);
  });
  const warnings: [string, string][] = [];
  issues.onWarning((m, where) => warnings.push([where, m]));
  const splitter = new LineSplitter((line) => combiner.line(line), issues, 'stdin', task.maxLineBytes, task.start === 0);
  const buf = Buffer.allocUnsafe(1 << 20);
  let pos = task.start;
  while (pos < task.end) {
    const n = readSync(0, buf, 0, Math.min(buf.length, task.end - pos), pos);
    if (n <= 0) break;
    splitter.push(buf.subarray(0, n));
    pos += n;
  }
  splitter.end();
  parentPort!.postMessage({
    ok: true, partials: combiner.take(), maxEventTimeMs: combiner.maxEventTimeMs, counts: issues.counts, byOperator: [...issues.byOperator], passed: issues.passedCounts(), messages, warnings,
  });
} catch (e) {
  parentPort!.postMessage({ ok: false, error: e instanceof Error ? e.message : String(e), code: (e as { exitCode?: number }).exitCode });
}
