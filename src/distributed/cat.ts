/**
 * `dstream cat URL`: the rows of an output stream in window order — the
 * order and bytes of the same job run locally. Each key partition commits its
 * closed windows in order, tagged with how far it has closed (`closedMs`); a
 * window is printed once every key partition has closed past its end, with
 * the rows of all key partitions merged in key order (as
 * `KeyedReducer.sortedKeys` orders one partition's rows).
 */
import { compareKeys } from '../core/compare.js';
import { rankCompare } from '../operators/top.js';
import { DStreamError } from '../core/errors.js';
import { delimitedRecord, frameHeader, jsonRecord, textRecord, type OutputFormat } from '../sinks/format.js';
import { KeyCheck } from '../sinks/key-check.js';
import { ORIGIN, type LogBackend, type OutputInfo } from './log-backend.js';
import { unpackRows, type OutputRow } from './partials.js';
import { LineMerger, unpackLineRows, type LineRow } from './rows.js';

/** Output entries read per request. */
const READ_COUNT = 500;

/** Each record printed, in order (`catKeys`: the key lines a local run says). */
type Printed = (record: unknown) => void;

/**
 * The key lines of the local run's output (sinks/key-check.ts), said with `say` as the rows are
 * printed: the same lines with the same record numbers, since cat prints the same rows in the same order.
 */
function catKeys(format: OutputFormat, say: ((line: string) => void) | undefined): Printed {
  const keys = new KeyCheck(format, say && ((m) => say(`dstream: ${m}`)));
  let n = 0;
  return (record) => keys.record(record, ++n);
}

/**
 * The rows of one window (non-empty) in an output format, as the local run prints them (text: Spark's
 * print frame, then a blank line).
 * @param timeMs the batch time printed (text's `Time:`, json's `time`).
 * @param printed told each record, in order.
 */
export function renderWindow(rows: OutputRow[], format: OutputFormat, timeMs: number, windowed = true, printed?: Printed): string {
  const { startMs, endMs } = rows[0]!;
  const bounds = windowed ? { startMs, endMs, eventTime: true } : undefined;
  let out = format === 'text' ? frameHeader(timeMs, bounds) : '';
  for (const r of rows) {
    printed?.(r.record);
    if (format === 'json') out += jsonRecord(r.record, timeMs, bounds) + '\n';
    else if (format === 'text') out += textRecord(r.record) + '\n';
    else out += delimitedRecord(r.record, format, bounds) + '\n';
  }
  return format === 'text' ? out + '\n' : out;
}

/**
 * The batch time a local run would print for the job's windows: for input published from a file, the
 * local run of that file is one batch at its batch interval (logical time, `--batch`, default 1 s);
 * for live input there is no such batch, and a window's end stands for it. Null: the window end.
 */
export function localBatchTimeMs(info: OutputInfo): number | null {
  if (!info.bounded) return null;
  const b = stored(info).batchIntervalMs;
  return typeof b === 'number' && b > 0 ? b : null;
}

/** `--top N` of the job's pipeline, or undefined. */
export function storedTop(info: OutputInfo): number | undefined {
  const top = lastOperator(info);
  return top?.op === 'top' ? top.n : undefined;
}

/** The last operator of the job's pipeline. */
function lastOperator(info: OutputInfo): { op: string; n?: number } | undefined {
  const ops = (stored(info).pipeline as { operators?: { op: string; n?: number }[] } | undefined)?.operators;
  return ops?.[ops.length - 1];
}

function stored(info: OutputInfo): { batchIntervalMs?: unknown; pipeline?: unknown } {
  try {
    const v = JSON.parse(info.pipeline) as unknown;
    return v && typeof v === 'object' ? v : {};
  } catch {
    return {};
  }
}

/** The record's key, for records `[key, value]`; undefined for others (global aggregations: one row per window). */
function keyOf(row: OutputRow): unknown {
  return Array.isArray(row.record) && row.record.length === 2 ? row.record[0] : undefined;
}

/** Rows of windows not yet final in every key partition, and how far each has closed. */
export class WindowMerger {
  private closed: number[];
  private windows = new Map<string, OutputRow[]>();

  /** @param top `--top N`: a window's rows are its N best over all key partitions, in rank order. */
  constructor(keyPartitions: number, private readonly top?: number) {
    this.closed = new Array<number>(keyPartitions).fill(-Infinity);
  }

  /** Takes one output entry of key partition `q`. */
  add(q: number, closedMs: number, rows: OutputRow[]): void {
    if (q >= 0 && q < this.closed.length && closedMs > this.closed[q]!) this.closed[q] = closedMs;
    for (const r of rows) {
      const k = `${r.endMs}:${r.startMs}`;
      const w = this.windows.get(k);
      if (w) w.push(r);
      else this.windows.set(k, [r]);
    }
  }

  /** Removes and returns the windows final in all key partitions (each one's rows, non-empty, in key order), in window order. */
  takeFinal(): OutputRow[][] {
    let frontier = Infinity;
    for (const c of this.closed) if (c < frontier) frontier = c;
    const ready: OutputRow[][] = [];
    for (const [k, rows] of this.windows) {
      if (rows[0]!.endMs <= frontier) {
        ready.push(rows);
        this.windows.delete(k);
      }
    }
    ready.sort((a, b) => a[0]!.endMs - b[0]!.endMs || a[0]!.startMs - b[0]!.startMs);
    if (this.top !== undefined) {
      const n = this.top;
      return ready.map((rows) => rows.sort((a, b) => rankCompare(a.record, b.record)).slice(0, n));
    }
    for (const rows of ready) if (rows.length > 1) rows.sort((a, b) => compareKeys(keyOf(a), keyOf(b)));
    return ready;
  }

  /** Rows held back: windows some key partition has not closed yet. */
  get pendingRows(): number {
    let n = 0;
    for (const rows of this.windows.values()) n += rows.length;
    return n;
  }
}

/**
 * Writes every final window of output stream `name` (with `follow`, then
 * waits for more until `stopped()`).
 * @returns rows written.
 * @throws DStreamError (exit 1) when no job writes to `name` (with `follow`: said once on stderr, then waited for).
 */
export async function catOutput(log: LogBackend, name: string, format: OutputFormat, write: (s: string) => boolean | Promise<void>, o: { follow: boolean; stopped: () => boolean; say?: (line: string) => void }): Promise<number> {
  let info = await log.outputInfo(name);
  if (info === null && o.follow) {
    // As tail -F: a job started at the same moment creates its output a little later.
    o.say?.(`dstream: waiting for output stream '${name}' on ${log.url.host}:${log.url.port} (a job creates it: dstream --from URL?group=JOB ... --to ${log.url.text})`);
    while (info === null && !o.stopped()) {
      await new Promise((r) => setTimeout(r, 250));
      if (!o.stopped()) info = await log.outputInfo(name);
    }
    if (info === null) return 0;
  }
  if (info === null) {
    throw new DStreamError('E_LOG', 'receiving', `no output stream '${name}' on ${log.url.host}:${log.url.port} (a job creates it: dstream --from URL?group=JOB ... --to ${log.url.text})`);
  }
  const printed = catKeys(format, o.say);
  if (info.keyPartitions === 0) return catLines(log, name, info, format, write, o.follow, o.stopped, printed);
  const merger = new WindowMerger(info.keyPartitions, storedTop(info));
  const batchTimeMs = localBatchTimeMs(info);
  // --update-state-by-key: one table at the end, its "window" bounds the batch count (state-stage.ts), no window printed.
  const state = lastOperator(info)?.op === 'update-state-by-key';
  // Its batch b is at b × --batch (logical time), on live input too (each closed batch's changed keys: kafka/state-unit.ts).
  const b = stored(info).batchIntervalMs;
  const stateBatchMs = typeof b === 'number' && b > 0 ? b : 1000;
  let after = ORIGIN;
  let rows = 0;
  for (;;) {
    const entries = await log.readOutput(name, after, READ_COUNT);
    for (const e of entries) {
      after = e.offset;
      merger.add(e.keyPartition, e.closedMs, e.rows === '' ? [] : unpackRows(e.rows));
    }
    let text = '';
    for (const w of merger.takeFinal()) {
      text += state ? renderWindow(w, format, w[0]!.endMs * stateBatchMs, false, printed) : renderWindow(w, format, batchTimeMs ?? w[0]!.endMs, true, printed);
      rows += w.length;
    }
    if (text) await write(text);
    if (entries.length === READ_COUNT) continue;
    if (!o.follow || o.stopped()) return rows;
    await log.waitOutput(name, after, 1000);
    if (o.stopped()) return rows;
  }
}

/**
 * The rows of a stateless job's output, in the order of its input lines (`LineMerger`: line k of
 * input partition p is line k·n + p of the topic). Text and json print the batch time of the local
 * run for bounded input; for live input, the time (epoch ms) cat prints the rows at.
 */
async function catLines(log: LogBackend, name: string, info: OutputInfo, format: OutputFormat, write: (s: string) => boolean | Promise<void>, follow: boolean, stopped: () => boolean, printed: Printed): Promise<number> {
  const merger = new LineMerger(info.inputPartitions ?? 1);
  const batchTimeMs = localBatchTimeMs(info);
  const bounded = batchTimeMs !== null;
  let after = ORIGIN;
  let rows = 0;
  let framed = false;
  for (;;) {
    const entries = await log.readOutput(name, after, READ_COUNT);
    for (const e of entries) {
      after = e.offset;
      merger.add(e.keyPartition, e.closedMs, e.rows === '' ? [] : unpackLineRows(e.rows));
    }
    const ready = merger.takeFinal();
    if (ready.length) {
      // Bounded input: one batch, one frame, as the local run of the file prints it; live input: a frame per release.
      const text = format === 'text' && !(bounded && framed) ? frameHeader(batchTimeMs ?? Date.now()) : '';
      framed = true;
      await write(text + renderLines(ready, format, batchTimeMs ?? Date.now(), printed) + (format === 'text' && !bounded ? '\n' : ''));
      rows += ready.length;
    }
    if (entries.length === READ_COUNT) continue;
    if (!follow || stopped()) {
      if (format === 'text' && bounded && framed) await write('\n');
      return rows;
    }
    await log.waitOutput(name, after, 1000);
    if (stopped()) return rows;
  }
}

/** Rows of a stateless job in a format (text: without the frame header); `printed` is told each record. */
function renderLines(rows: LineRow[], format: OutputFormat, timeMs: number, printed: Printed): string {
  let out = '';
  for (const r of rows) {
    printed(r.record);
    if (format === 'json') out += jsonRecord(r.record, timeMs) + '\n';
    else if (format === 'text') out += textRecord(r.record) + '\n';
    else out += delimitedRecord(r.record, format) + '\n';
  }
  return out;
}
