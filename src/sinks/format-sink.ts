/**
 * The output operation of the CLI and of `DStream.print()`: writes each
 * batch's records (and each window group) in one of the output formats and
 * flushes the output at the end of every batch.
 *
 * text: one Spark print frame per batch (streams that report every batch) and
 * one per window group: header, at most `printLimit` records, `...` when there
 * were more, a blank line. Only the first `printLimit + 1` records of a frame
 * are kept; without a limit (`Infinity`: the CLI on a pipe) records are
 * written as they come, so a stateless job over a large file holds none.
 * json/tsv/csv: every record, one per line; records of the batch being
 * received are written as they come (the batch time is known ahead). With
 * `header`, tsv/csv start with a header row (format.ts `columnsOf`); without,
 * rows go straight into the output's byte buffer when it has one
 * (`Output.rowBytes`: stdout), as the UTF-8 of the same text (row-bytes.ts;
 * 2.5–2.8× the rows/s of building a string per row, bench/rows.js). Over
 * bounded input (`batch.bounded`) an empty batch prints no empty frame.
 * json/tsv/csv rows end with the output's line end (`Output.lineEnd`), LF by
 * default. At
 * the end of every batch a `Sink` is given the batch (`addBatch`), a plain
 * `Output` is flushed.
 */
import { isPair, type BatchInfo, type Millis, type WindowBounds } from '../core/types.js';
import { preview } from '../core/issues.js';
import type { StreamNode } from '../core/node.js';
import { appendedColumns } from './appended-header.js';
import { columnsOf, columnsRecord, DAY_MS, fieldsOutside, fitsColumns, delimitedRecord, frameHeader, headerLine, ISO_END_MS, isoTime, jsonRecord, numberText, textRecord, type Columns, type OutputFormat } from './format.js';
import type { Output } from './output.js';
import { asciiBytes, CSV_SPECIAL, delimitedRow, jsonRow, rowRoom, TSV_SPECIAL, type RowBytes } from './row-bytes.js';
import { isSink } from './sink.js';
import { KeyCheck } from './key-check.js';

const NO_HEAD = new Uint8Array(0);

/**
 * The bytes of a row head `text` (ASCII: numbers and ISO times), written into `into` when it has
 * the same length (a new typed array per window cost ~5 % of a 1 h window sliding every second).
 */
function headBytes(into: Uint8Array, text: string): Uint8Array {
  if (into.length !== text.length) return asciiBytes(text);
  for (let i = 0; i < text.length; i++) into[i] = text.charCodeAt(i);
  return into;
}

/**
 * The head of a tsv/csv row of a window group: `isoTime(startMs)` and the separator `sep` (a
 * character code), into `into` when it fits; an integer instant from 1970 to 9999 is written by
 * arithmetic (its day's `YYYY-MM-DDT` cached), without building the text.
 */
function isoHeadBytes(into: Uint8Array, startMs: Millis, sep: number): Uint8Array {
  if (!Number.isInteger(startMs) || startMs < 0 || startMs >= ISO_END_MS) return headBytes(into, isoTime(startMs) + String.fromCharCode(sep));
  const day = Math.floor(startMs / DAY_MS);
  if (headDay.day !== day) headDay = { day, bytes: asciiBytes(isoTime(day * DAY_MS).slice(0, 11)) };
  const h = into.length === 25 ? into : new Uint8Array(25);
  h.set(headDay.bytes, 0);
  const r = startMs - day * DAY_MS;
  twoDigits(h, 11, Math.floor(r / 3_600_000));
  h[13] = 58; // :
  twoDigits(h, 14, Math.floor(r / 60_000) % 60);
  h[16] = 58;
  twoDigits(h, 17, Math.floor(r / 1000) % 60);
  h[19] = 46; // .
  const ms = r % 1000;
  h[20] = 48 + Math.floor(ms / 100);
  twoDigits(h, 21, ms % 100);
  h[23] = 90; // Z
  h[24] = sep;
  return h;
}
/** `YYYY-MM-DDT` of the day of the last window head, as bytes (consecutive windows share it). */
let headDay: { day: number; bytes: Uint8Array } = { day: NaN, bytes: NO_HEAD };
function twoDigits(into: Uint8Array, at: number, v: number): void {
  into[at] = 48 + Math.floor(v / 10);
  into[at + 1] = 48 + (v % 10);
}

/** Options of a `FormatSink`. */
export interface FormatSinkOptions {
  format: OutputFormat;
  /** Records shown per frame in text (Spark's `print(num)`), default 10; `Infinity`: all, written as they come. */
  printLimit?: number;
  /** tsv/csv: a header row before the first record; a function is asked then (e.g. not when appending to a file that has one). */
  header?: boolean | (() => boolean);
  /** tsv/csv with `header`, appending to a file: its first line (its header), or null when it is empty (appended-header.ts). */
  appendingTo?: { path: string; firstLine: () => string | null };
  /** Whether a text frame is printed for every batch, even empty (false downstream of windows). */
  everyBatch: boolean;
  /** The batch time of records received now (json lines carry it). */
  currentBatchTimeMs: () => Millis;
  /** tsv/csv with `header`: told (a stderr line) when a record has a field outside the header, once per field. */
  warn?: (message: string) => void;
}

/** Formats records to an `Output` (see module doc). */
export class FormatSink implements StreamNode {
  private readonly limit: number;
  private batchFirst: unknown[] = [];
  private groupFirst: unknown[] = [];
  private group: WindowBounds | null = null;
  private groupTimeMs = NaN;
  /** Unlimited text: the frame header of the batch has been written. */
  private batchOpen = false;
  private columns: Columns | null = null;
  /** `--header`: output records that had fields outside the header, and the field names already told. */
  recordsWithFieldsOutside = 0;
  private readonly toldOutside = new Set<string>();
  /** `--header`: output records of another shape than the first (`offColumns`). */
  recordsOffColumns = 0;
  /** Keys that do not read back as themselves, said on stderr (key-check.ts). */
  private readonly keys: KeyCheck;
  /** Records output so far (progress and metrics). */
  recordsOut = 0;
  /** json/tsv/csv without a header into an output with `rowBytes`: rows are formatted as bytes (row-bytes.ts). */
  private readonly bytes: boolean;
  /** Bytes mode: the ASCII text every row starts with now (json's time and window fields, tsv/csv's window start). */
  private head: Uint8Array = NO_HEAD;
  /** Bytes mode: the arrays the heads of window groups and of batches are written into, reused while their length stays. */
  private groupHead: Uint8Array = NO_HEAD;
  private batchHead: Uint8Array = NO_HEAD;
  /** Bytes mode, json outside a window group: the batch time the row head holds. */
  private headTimeMs = NaN;
  /** json/tsv/csv: the line end of rows and header, the output's (`Output.lineEnd`); CRLF rows are built as strings, not bytes. */
  private readonly eol: string;

  constructor(private readonly out: Output, private readonly o: FormatSinkOptions) {
    this.limit = o.printLimit ?? 10;
    this.eol = o.format !== 'text' && out.lineEnd ? out.lineEnd() : '\n';
    this.bytes = o.format !== 'text' && !o.header && typeof out.rowBytes === 'function' && this.eol === '\n';
    this.keys = new KeyCheck(o.format, o.warn);
  }

  record(value: unknown): void {
    this.keys.record(value, ++this.recordsOut);
    if (this.bytes) {
      const b = this.out.rowBytes!();
      if (b !== null) this.byteRow(b, value);
      return;
    }
    const f = this.o.format;
    if (f === 'text') {
      if (this.limit === Infinity) {
        if (!this.group && !this.batchOpen) {
          this.batchOpen = true;
          this.out.write(frameHeader(this.o.currentBatchTimeMs()));
        }
        this.out.write(textRecord(value) + '\n');
        return;
      }
      const first = this.group ? this.groupFirst : this.batchFirst;
      if (first.length <= this.limit) first.push(value);
      return;
    }
    const w = this.group ?? undefined;
    if (f === 'json') this.out.write(jsonRecord(value, this.group ? this.groupTimeMs : this.o.currentBatchTimeMs(), w) + this.eol);
    else if (this.o.header) {
      if (!this.columns) {
        this.columns = columnsOf(value, w);
        const file = this.o.appendingTo, theirs = file ? file.firstLine() : null, h = this.o.header;
        if (file && theirs !== null) this.columns = appendedColumns(theirs, this.columns, f, file.path);
        else if (h === true || (typeof h === 'function' && h())) this.out.write(headerLine(this.columns, f) + this.eol);
      }
      const outside = fieldsOutside(value, this.columns);
      if (outside) this.fieldsOutside(outside);
      else if (!fitsColumns(value, this.columns)) this.offColumns(value);
      this.out.write(columnsRecord(value, f, w, this.columns) + this.eol);
    } else this.out.write(delimitedRecord(value, f, w) + this.eol);
  }

  /** `--header`: a record of another shape than the first (format.ts `fitsColumns`): counted, said once. */
  private offColumns(x: unknown): void {
    if (this.recordsOffColumns++ > 0) return;
    const what = isPair(x) ? 'a [key, value] pair' : x !== null && typeof x === 'object' ? 'not a plain object' : `the ${x === null ? 'null' : typeof x} ${preview(x)}`;
    const c = this.columns!;
    const how = c.names.length - (c.windowed ? 2 : 0) === 1 ? 'as its JSON in that column' : 'from the first column on, the other columns empty';
    this.o.warn?.(`--header: output record ${this.recordsOut} is ${what}, unlike the first record, which made the columns (${c.names.join(', ')}): it is written ${how} (said once; --format json keeps every record as it is)`);
  }

  /** Fields outside the header (its columns are the first record's fields): their values are not written; said once per field. */
  private fieldsOutside(names: string[]): void {
    this.recordsWithFieldsOutside++;
    for (const n of names) {
      if (this.toldOutside.has(n)) continue;
      this.toldOutside.add(n);
      this.o.warn?.(`--header: output record ${this.recordsOut} has field ${JSON.stringify(n)}, which is not a column of the header (its columns: ${this.columns!.fields!.map((f) => JSON.stringify(f)).join(', ')}); its values are not written (--format json keeps every field)`);
    }
  }

  /**
   * A row into the output's bytes: the same bytes as the string formatters' text (format.ts),
   * which write the rows the byte writers refuse (row-bytes.ts).
   */
  private byteRow(b: RowBytes, x: unknown): void {
    const f = this.o.format;
    if (f === 'json' && this.group === null) {
      const t = this.o.currentBatchTimeMs();
      if (t !== this.headTimeMs) {
        this.headTimeMs = t;
        this.head = this.batchHead = headBytes(this.batchHead, `{"time":${numberText(t)},`);
      }
    }
    const head = this.head;
    const room = rowRoom(head.length, x);
    if (room <= b.capacity) {
      b.room(room);
      const start = b.n;
      if (f === 'json' ? jsonRow(b, head, x) : delimitedRow(b, head, x, f === 'tsv' ? TSV_SPECIAL : CSV_SPECIAL, f === 'tsv' ? 9 : 44)) return;
      b.n = start;
    }
    const w = this.group ?? undefined;
    b.text((f === 'json' ? jsonRecord(x, this.group ? this.groupTimeMs : this.o.currentBatchTimeMs(), w) : delimitedRecord(x, f as 'tsv' | 'csv', w)) + '\n');
  }

  beginGroup(bounds: WindowBounds): void {
    this.group = bounds;
    this.groupFirst = [];
    // A processing-time window is output at its end, a multiple of the slide interval; at end of
    // input that is the next slide boundary, later than the final batch's time.
    this.groupTimeMs = bounds.eventTime ? this.o.currentBatchTimeMs() : bounds.endMs;
    if (this.bytes) {
      const f = this.o.format;
      this.head = this.groupHead = f === 'json'
        ? headBytes(this.groupHead, `{"time":${numberText(this.groupTimeMs)},"windowStart":${numberText(bounds.startMs)},"windowEnd":${numberText(bounds.endMs)},`)
        : isoHeadBytes(this.groupHead, bounds.startMs, f === 'tsv' ? 9 : 44);
    }
    if (this.o.format === 'text' && this.limit === Infinity) this.out.write(frameHeader(this.groupTimeMs, bounds));
  }

  endGroup(): void {
    if (this.o.format === 'text') {
      if (this.limit === Infinity) this.out.write('\n');
      else this.writeFrame(this.groupTimeMs, this.groupFirst, this.group!);
    }
    this.group = null;
    this.groupFirst = [];
    this.head = NO_HEAD;
    this.headTimeMs = NaN;
  }

  endBatch(batch: BatchInfo): void {
    if (this.batchOpen) this.out.write('\n');
    // Bounded input: no frame for an empty batch (a cron run with nothing new prints nothing).
    else if (this.o.format === 'text' && ((this.o.everyBatch && !batch.bounded) || this.batchFirst.length > 0)) {
      this.writeFrame(batch.timeMs, this.batchFirst, undefined);
    }
    this.batchOpen = false;
    this.batchFirst = [];
    if (isSink(this.out)) this.out.addBatch(batch.index);
    else this.out.flush();
  }

  private writeFrame(timeMs: Millis, first: unknown[], window: WindowBounds | undefined): void {
    let s = frameHeader(timeMs, window);
    const n = Math.min(first.length, this.limit);
    for (let i = 0; i < n; i++) s += textRecord(first[i]) + '\n';
    if (first.length > this.limit) s += '...\n';
    this.out.write(s + '\n');
  }
}
