/**
 * The body of a `--workers` thread: reads its byte range of stdin (a regular
 * file; threads share the descriptor and read with explicit positions),
 * splits lines, runs the stateless prefix of the pipeline (compiled here from
 * the same flags) and pre-aggregates per (pane, key) with the aggregation's
 * reducer — Spark's map-side combine. Posts `{ partials, maxEventTimeMs,
 * counts, messages }` to the main thread when done.
 */
import { readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { ManualClock } from '../core/clock.js';
import { TimeZone } from '../core/time-zone.js';
import { createParser } from '../parsers/index.js';
import { buildPipeline } from '../plan/pipeline.js';
import { builtinReducer, isBuiltinReducer, type Aggregation } from '../operators/reducers.js';
import { compileFunction } from '../plan/compile-fn.js';
import { KeyedReducer, GLOBAL_KEY } from '../operators/keyed-map.js';
import { StatelessNode } from '../operators/stateless.js';
import { LineSplitter } from '../sources/line-splitter.js';
import { StreamingContext } from './context.js';
import type { WorkerTask } from './workers.js';
import type { StreamNode } from './node.js';

const task = workerData as WorkerTask;
const GLOBAL = '\u0000global';

function aggregationOf(t: WorkerTask): Aggregation {
  const op = t.aggregation;
  if (op.op === 'count') return { keyMode: 'count', combine: (a, b) => a + b, label: '--count' };
  if (op.op === 'count-by-value') return { keyMode: 'value', combine: (a, b) => a + b, label: '--count-by-value' };
  const source = (op as unknown as { source: string }).source;
  const r = isBuiltinReducer(source) ? builtinReducer(source) : { combine: compileFunction(source, `--${op.op}`) as (a: any, b: any) => unknown };
  return { keyMode: op.op === 'reduce' ? 'single' : 'pair', ...r, label: `--${op.op} '${source}'` };
}

try {
  const ssc = new StreamingContext({ batchIntervalMs: task.batchIntervalMs, clock: new ManualClock(0), onError: task.onError });
  const messages: string[] = [];
  ssc.issues.listen((i) => {
    if (messages.length < 5) messages.push(`${i.where}: ${i.message}`);
  });
  const ds = buildPipeline(ssc.queueStream<string>([]), task.prefix, {
    watermarkDelayMs: task.watermarkDelayMs,
    zone: task.timezone ? new TimeZone(task.timezone) : undefined,
    parser: task.parse ? createParser(task.parse.format, { delimiter: task.parse.delimiter, year: task.parse.year }) : undefined,
  });
  const reducer = new KeyedReducer(aggregationOf(task), ssc.issues, false);
  const partials = new Map<number, Map<unknown, unknown>>();
  let maxEventTimeMs = -Infinity;
  const sink: StreamNode = {
    record(value: unknown, tMs: number) {
      const pane = tMs === tMs ? Math.floor(tMs / task.paneMs) : 0;
      if (tMs > maxEventTimeMs) maxEventTimeMs = tMs;
      let m = partials.get(pane);
      if (!m) partials.set(pane, (m = new Map()));
      reducer.add(m, value);
    },
    beginGroup() {},
    endGroup() {},
    endBatch() {},
  };
  let head: StreamNode = sink;
  if (ds.op.kind === 'stateless') {
    const node = new StatelessNode(ds.op.steps, ssc.issues);
    node.connect(sink);
    node.prepare();
    head = node;
  }
  const splitter = new LineSplitter((line) => {
    ssc.issues.current = line;
    head.record(line, NaN);
  }, ssc.issues, 'stdin', task.maxLineBytes);
  const buf = Buffer.allocUnsafe(1 << 20);
  let pos = task.start;
  while (pos < task.end) {
    const n = readSync(0, buf, 0, Math.min(buf.length, task.end - pos), pos);
    if (n <= 0) break;
    splitter.push(buf.subarray(0, n));
    pos += n;
  }
  splitter.end();
  // GLOBAL_KEY is a symbol, which cannot cross threads: a sentinel string stands in for it.
  const out: [number, [unknown, unknown][]][] = [...partials].map(([p, m]) => [p, [...m].map(([k, v]) => [k === GLOBAL_KEY ? GLOBAL : reducer.keys.decode(k), v])]);
  parentPort!.postMessage({ ok: true, partials: out, maxEventTimeMs, counts: ssc.issues.counts, byOperator: [...ssc.issues.byOperator], messages });
} catch (e) {
  parentPort!.postMessage({ ok: false, error: e instanceof Error ? e.message : String(e), code: (e as { exitCode?: number }).exitCode });
}
