/**
 * `dstream cat URL`: the rows of an output stream in window order — the
 * order and bytes of the same job run locally. Each key partition commits its
 * closed windows in order, tagged with how far it has closed (`closedMs`); a
 * window is printed once every key partition has closed past its end, with
 * the rows of all key partitions merged in key order (as
 * `KeyedReducer.sortedKeys` orders one partition's rows).
 */
import { compareKeys } from '../core/compare.js';
import { DStreamError } from '../core/errors.js';
import { delimitedRecord, frameHeader, jsonRecord, textRecord, type OutputFormat } from '../sinks/format.js';
import { ORIGIN, type LogBackend } from './log-backend.js';
import { unpackRows, type OutputRow } from './partials.js';

/** Output entries read per request. */
const READ_COUNT = 500;

/** One row in an output format (text: Spark's print frame per window). */
export function renderRow(row: OutputRow, format: OutputFormat, previous: OutputRow | null): string {
  const bounds = { startMs: row.startMs, endMs: row.endMs, eventTime: true };
  switch (format) {
    case 'json':
      return jsonRecord(row.record, row.endMs, bounds) + '\n';
    case 'tsv':
    case 'csv':
      return delimitedRecord(row.record, format, bounds) + '\n';
    default: {
      const head = previous && previous.startMs === row.startMs && previous.endMs === row.endMs ? '' : (previous ? '\n' : '') + frameHeader(row.endMs, bounds);
      return head + textRecord(row.record) + '\n';
    }
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

  constructor(keyPartitions: number) {
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

  /** Removes and returns the rows of every window final in all key partitions, in window then key order. */
  takeFinal(): OutputRow[] {
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
    const out: OutputRow[] = [];
    for (const rows of ready) {
      if (rows.length > 1) rows.sort((a, b) => compareKeys(keyOf(a), keyOf(b)));
      out.push(...rows);
    }
    return out;
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
 * @throws DStreamError (exit 1) when no job writes to `name`.
 */
export async function catOutput(log: LogBackend, name: string, format: OutputFormat, write: (s: string) => boolean | Promise<void>, o: { follow: boolean; stopped: () => boolean }): Promise<number> {
  const keyPartitions = await log.outputKeyPartitions(name);
  if (keyPartitions === null) {
    throw new DStreamError('E_LOG', 'receiving', `no output stream '${name}' on ${log.url.host}:${log.url.port} (a job creates it: dstream --from URL?group=JOB ... --to ${log.url.text})`);
  }
  const merger = new WindowMerger(keyPartitions);
  let after = ORIGIN;
  let previous: OutputRow | null = null;
  let rows = 0;
  for (;;) {
    const entries = await log.readOutput(name, after, READ_COUNT);
    for (const e of entries) {
      after = e.offset;
      merger.add(e.keyPartition, e.closedMs, e.rows === '' ? [] : unpackRows(e.rows));
    }
    let text = '';
    for (const row of merger.takeFinal()) {
      text += renderRow(row, format, previous);
      previous = row;
      rows++;
    }
    if (text) await write(text);
    if (entries.length === READ_COUNT) continue;
    if (!o.follow || o.stopped()) return rows;
    await log.waitOutput(name, after, 1000);
    if (o.stopped()) return rows;
  }
}
