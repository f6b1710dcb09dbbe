/**
 * Bad input is never silent: every skipped, late, malformed or oversized
 * record is counted here and handed to a listener (the CLI prints the first
 * few on stderr and writes the raw input to `--dead-letter` / `--late` files).
 *
 * The receiver sets `current` to the raw input (the line) before pushing a
 * record, so a failure anywhere downstream can name the input that caused it.
 */
import { DStreamError } from './errors.js';

/** What to do when a user function throws: skip the record (default) or fail the job (exit 1). */
export type ErrorPolicy = 'skip' | 'fail';

/** Kinds of bad input. */
export type IssueKind = 'user-error' | 'bad-event-time' | 'not-a-pair' | 'late' | 'invalid-utf8' | 'line-too-long' | 'evicted-key' | 'unreadable-file'
  | 'repaired';

/** One bad-input event, as handed to an `IssueListener`. */
export interface Issue {
  kind: IssueKind;
  /** The operator, e.g. `--map #1 (l => l.x)`, or the receiver, e.g. `stdin`. */
  where: string;
  /** The raw input (line) the record came from; `undefined` for line-level issues with no text. */
  raw: unknown;
  /** The value the operator was given. */
  value: unknown;
  /** Human-readable reason. */
  message: string;
  /** Event time of a late record (epoch ms). */
  eventTimeMs?: number;
  /** Which input record (`IssueLog.current`) it came from: issues of one record share it (a record gives one dead-letter line). */
  rawSeq?: number;
  /**
   * The input line's bytes as read (without its line end) when they were not
   * valid UTF-8: `raw` is then their decoding, with U+FFFD. `--dead-letter`
   * writes these bytes, so that the file can be replayed.
   */
  rawBytes?: Uint8Array;
}

/** Receives every issue, synchronously. */
export type IssueListener = (issue: Issue) => void;

/** Counters and routing of bad input for one job. Plain data: `counts` can be serialised. */
export class IssueLog {
  private raw: unknown = undefined;
  private rawSeq = 0;
  /** A line with invalid UTF-8 just decoded (`invalidUtf8`) and its bytes, until it becomes `current`. */
  private badLine: { line: string; bytes: Uint8Array } | undefined = undefined;
  /** The bytes of `current` when it is that line (else undefined). */
  private rawBytes: Uint8Array | undefined = undefined;
  /** The raw input being processed now (set by receivers, once per input record). */
  get current(): unknown {
    return this.raw;
  }
  set current(v: unknown) {
    this.raw = v;
    this.rawSeq++;
    // One field test per line: bytes are kept only for a line that had invalid UTF-8.
    if (this.badLine !== undefined || this.rawBytes !== undefined) {
      const bad = this.badLine;
      this.rawBytes = bad !== undefined && bad.line === v ? bad.bytes : undefined;
      this.badLine = undefined;
    }
  }
  /** Whether operators that hold input lines until the batch ends keep them to name in issues (`--dead-letter` wants them). */
  keepInputs = false;
  /** Input records seen so far (each setting of `current`). */
  get recordsSeen(): number {
    return this.rawSeq;
  }
  /** Count per kind. */
  readonly counts: Record<IssueKind, number> = {
    'user-error': 0, 'bad-event-time': 0, 'not-a-pair': 0, late: 0, 'invalid-utf8': 0, 'line-too-long': 0, 'evicted-key': 0, 'unreadable-file': 0,
    repaired: 0,
  };
  /** Count of skipped records per operator label. */
  readonly byOperator = new Map<string, number>();
  private listeners: IssueListener[] = [];
  private warningListeners: ((message: string, where: string) => void)[] = [];
  /** Operators that count the records that got through them (see `blocked`). */
  private readonly tracked: { where: string; name: string; passed: () => number }[] = [];

  constructor(readonly policy: ErrorPolicy = 'skip') {}

  /** Adds a listener (called for every issue). */
  listen(l: IssueListener): void {
    this.listeners.push(l);
  }

  /**
   * Adds a listener for warnings: likely mistakes that skip nothing (e.g. a
   * function that returns `undefined` for every record). It gets the whole
   * line (`where: message`) and `where`, by which repeats from several
   * threads or partitions can be told apart.
   */
  onWarning(l: (message: string, where: string) => void): void {
    this.warningListeners.push(l);
  }

  /** A likely mistake, told once by its operator: `where` names it, `message` says what was seen. */
  warn(where: string, message: string): void {
    for (const l of this.warningListeners) l(`${where}: ${message}`, where);
  }

  /**
   * Registers an operator whose function can fail on a record, with the count
   * of records that got through it so far. `where` is the label its issues
   * carry; `name` how a message names it (e.g. `--map #2 'r => r.x'`).
   */
  trackOperator(where: string, name: string, passed: () => number): void {
    this.tracked.push({ where, name, passed });
  }

  /** What `trackOperator` was told, as plain data: records that got through each operator so far (to send to another thread). */
  passedCounts(): { where: string; name: string; passed: number }[] {
    return this.tracked.map((t) => ({ where: t.where, name: t.name, passed: t.passed() }));
  }

  /**
   * Operators on which records failed and through which none got: every
   * record failed in the function (a job whose result is empty because of
   * it, not because its input was). Operators sharing a label are summed.
   * @returns name and count of failed records of each, in pipeline order.
   */
  blocked(): { name: string; failed: number }[] {
    const out: { name: string; failed: number }[] = [];
    const seen = new Set<string>();
    for (const t of this.tracked) {
      if (seen.has(t.where)) continue;
      seen.add(t.where);
      const failed = this.byOperator.get(t.where) ?? 0;
      const passed = this.tracked.filter((u) => u.where === t.where).reduce((a, u) => a + u.passed(), 0);
      if (failed > 0 && passed === 0) out.push({ name: t.name, failed });
    }
    return out;
  }

  /** Counts `n` input records read by another log (a thread's), as if each had been `current` here. */
  countRecords(n: number): void {
    this.rawSeq += n;
  }

  /** Takes an issue recorded by another log (counted and passed to the listeners, as if it happened here). */
  forward(issue: Issue): void {
    this.emit(issue);
  }

  private emit(issue: Issue): void {
    issue.rawSeq ??= this.rawSeq;
    if (this.rawBytes !== undefined && issue.rawSeq === this.rawSeq && issue.raw === this.raw) issue.rawBytes ??= this.rawBytes;
    this.counts[issue.kind]++;
    if (issue.kind !== 'late' && issue.kind !== 'invalid-utf8' && issue.kind !== 'evicted-key' && issue.kind !== 'unreadable-file' && issue.kind !== 'repaired') {
      this.byOperator.set(issue.where, (this.byOperator.get(issue.where) ?? 0) + 1);
    }
    for (const l of this.listeners) l(issue);
  }

  /**
   * A user function threw on `value`. Skips the record, or with policy `fail` throws a `DStreamError` (code
   * `E_USER_FUNCTION`, stage `processing`). `inputs` (flat `[raw, rawSeq, …]`): the records `value` came from, one issue each.
   */
  userError(where: string, value: unknown, err: unknown, inputs?: readonly unknown[]): void {
    const message = err instanceof Error ? `${safeString(err.name)}: ${safeString(err.message)}` : `threw ${safeString(err)}`;
    if (this.policy === 'fail') {
      throw new DStreamError('E_USER_FUNCTION', 'processing', `${where} failed on input ${preview(inputs ? inputs[0] ?? value : this.current)}: ${message}`, { cause: err });
    }
    if (!inputs?.length) this.emit({ kind: 'user-error', where, raw: inputs ? undefined : this.current, value, message });
    else for (let i = 0; i < inputs.length; i += 2) this.emit({ kind: 'user-error', where, raw: inputs[i], value, message, rawSeq: inputs[i + 1] as number });
  }

  /** A record that an operator cannot take (not a pair, not a time); same policy as `userError`. */
  badRecord(kind: 'bad-event-time' | 'not-a-pair', where: string, value: unknown, message: string): void {
    if (this.policy === 'fail') {
      throw new DStreamError('E_BAD_RECORD', 'processing', `${where}: ${message}: ${preview(value)}`);
    }
    this.emit({ kind, where, raw: this.current, value, message });
  }

  /** A record whose event time is behind a window already closed: emitted, or passed by the watermark (dropped, counted). */
  late(where: string, value: unknown, eventTimeMs: number, lastClosedEndMs: number): void {
    this.emit({
      kind: 'late', where, raw: this.current, value, eventTimeMs,
      message: `event time ${isoOrNumber(eventTimeMs)} is before ${isoOrNumber(lastClosedEndMs)}, the end of a window already closed`,
    });
  }

  /** A key evicted from keyed state because the state held more than `maxKeys` keys (least recently updated first). */
  evictedKey(where: string, key: unknown, maxKeys: number): void {
    this.emit({ kind: 'evicted-key', where, raw: undefined, value: key, message: `key ${preview(key)} evicted: state holds at most ${maxKeys} keys (--max-keys)` });
  }

  /**
   * A line that had invalid UTF-8 (replaced by U+FFFD and kept).
   * @param line the line decoded.
   * @param bytes its bytes as read, without the line end (a copy: kept until
   *   the next line); when the receiver then makes `line` the `current`
   *   input, its issues carry them (`Issue.rawBytes`).
   */
  invalidUtf8(where: string, line: string, bytes?: Uint8Array): void {
    this.badLine = bytes === undefined ? undefined : { line, bytes };
    this.emit({ kind: 'invalid-utf8', where, raw: line, value: line, message: 'invalid UTF-8 replaced by U+FFFD' });
  }

  /**
   * A line that did not follow its `--parse` format but was read anyway, as
   * `message` says (a user agent cut at the end of the line): kept, counted,
   * reported, never in `--dead-letter`.
   */
  repaired(where: string, line: string, message: string): void {
    this.emit({ kind: 'repaired', where, raw: line, value: line, message });
  }

  /**
   * A file of a watched directory that could not be read (cannot be opened,
   * vanished, corrupt `.gz`, read error): skipped and counted, never fatal,
   * whatever the error policy. Lines read before a read error are kept.
   */
  unreadableFile(path: string, message: string): void {
    this.emit({ kind: 'unreadable-file', where: path, raw: undefined, value: undefined, message });
  }

  /** A line longer than the limit (skipped, its text not kept). */
  lineTooLong(where: string, bytes: number, limit: number): void {
    if (this.policy === 'fail') {
      throw new DStreamError('E_LINE_TOO_LONG', 'receiving', `${where}: a line of at least ${bytes} bytes exceeds --max-line-bytes ${limit}`);
    }
    this.emit({ kind: 'line-too-long', where, raw: undefined, value: undefined, message: `line of at least ${bytes} bytes exceeds --max-line-bytes ${limit} (counted; not kept in --dead-letter)` });
  }

  // The totals below are the only sums of `counts`: every report (--stats, --progress-json,
  // metrics, the summary at exit) reads them, so a word means one number everywhere.

  /**
   * Bad records: records an operator could not take (a throwing function, a
   * bad event time, not a pair), skipped; per operator in `byOperator`. The
   * summary at exit says "N records skipped (k by OPERATOR, …)".
   */
  get badRecords(): number {
    const c = this.counts;
    return c['user-error'] + c['bad-event-time'] + c['not-a-pair'];
  }

  /** Lines over `--max-line-bytes`, skipped before they became records ("N lines over --max-line-bytes skipped"). */
  get overLongLines(): number {
    return this.counts['line-too-long'];
  }

  /**
   * Skipped records: bad records plus over-long lines. "skipped" in `--stats`,
   * `numSkippedRows` in `--progress-json`, `dstream_records_skipped_total` in
   * metrics; the summary at exit shows its two parts.
   */
  get skippedRecords(): number {
    return this.badRecords + this.overLongLines;
  }

  /** Late records: event time before the end of a closed window, dropped ("late" everywhere; `--late` keeps them). */
  get lateRecords(): number {
    return this.counts.late;
  }

  /** Records that gave no output because of bad input or lateness: skipped plus late (invalid UTF-8 and repaired lines are kept). */
  get droppedRecords(): number {
    return this.skippedRecords + this.lateRecords;
  }
}

/** ISO 8601 text of an instant (epoch ms), or the number itself when no Date can hold it. */
function isoOrNumber(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString();
}

/** `String(x)` that never throws (objects without prototype, hostile toString, Proxies). */
export function safeString(x: unknown): string {
  try {
    return String(x);
  } catch {
    try {
      return Object.prototype.toString.call(x);
    } catch {
      return '[unprintable value]';
    }
  }
}

/** A short, single-line rendering of an input for messages (at most `max` chars). Never throws. */
export function preview(x: unknown, max = 120): string {
  let s: string;
  if (typeof x === 'string') s = JSON.stringify(x);
  else {
    try {
      s = JSON.stringify(x, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)) ?? safeString(x);
    } catch {
      s = safeString(x);
    }
  }
  return s.length > max ? `${s.slice(0, max)}…` : s;
}
