/**
 * Bad-input reporting on stderr and to files: the first few issues of each
 * kind are printed with the operator, the input and the reason; all are
 * counted and summarised at exit; raw input lines go to `--dead-letter`
 * (skipped records) and `--late` (late records).
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { ConfigError } from '../core/errors.js';
import { preview, type Issue, type IssueKind, type IssueLog } from '../core/issues.js';
import { valueText } from '../sinks/format.js';
import { escapeControl } from './terminal.js';
import { describeValue, type IssueHints } from './hints.js';

const NEWLINE = Buffer.from('\n');

/** Writes an issue's input as one line: a line with invalid UTF-8 as read (its bytes), so that the file can be replayed. */
function writeRaw(fd: number, issue: Issue): void {
  if (issue.rawBytes !== undefined) writeSync(fd, Buffer.concat([issue.rawBytes, NEWLINE]));
  else writeSync(fd, valueText(issue.raw) + '\n');
}

/** Issues printed per kind before the rest are only counted. */
export const SHOWN_PER_KIND = 5;

function openAppend(path: string, flag: string): number {
  try {
    return openSync(path, 'a', 0o600);
  } catch (e) {
    throw new ConfigError(`${flag}: cannot open '${path}' for writing: ${(e as Error).message}`);
  }
}

/** Writes issues to stderr and files. */
export class IssueReporter {
  private shown = new Map<IssueKind, number>();
  private deadFd: number | undefined;
  private lateFd: number | undefined;
  private lastLate: unknown = undefined;
  private lastDead: unknown = undefined;

  /** @throws ConfigError when a file cannot be opened (before any input is read). */
  constructor(private readonly write: (line: string) => void, deadLetter?: string, late?: string, private readonly hints?: IssueHints) {
    if (deadLetter) this.deadFd = openAppend(deadLetter, '--dead-letter');
    if (late) this.lateFd = openAppend(late, '--late');
  }

  /** The listener to attach to an `IssueLog`. */
  readonly onIssue = (issue: Issue): void => {
    const n = (this.shown.get(issue.kind) ?? 0) + 1;
    this.shown.set(issue.kind, n);
    if (n <= SHOWN_PER_KIND) {
      // Lines of a csv job keep their CR (line-splitter.ts keepCarriageReturns): the line end is not shown.
      const raw = typeof issue.raw === 'string' && issue.raw.endsWith('\r') ? issue.raw.slice(0, -1) : issue.raw;
      // A function called with no one input line (update-state-by-key's values of a key): what it was given.
      let input = raw !== undefined ? ` input ${preview(raw)}` : issue.kind === 'user-error' && issue.value !== undefined ? ` given ${preview(issue.value)}` : '';
      let message = issue.message;
      if (issue.kind === 'not-a-pair') {
        // What the operator got, which is rarely the input line itself.
        const same = issue.value === issue.raw;
        message += `, got ${describeValue(issue.value)}${same ? ' (the input line itself: make pairs first, e.g. --map \'l => [l, 1]\')' : ''}`;
        if (same) input = '';
      }
      const what = issue.kind === 'invalid-utf8' ? 'kept record' : issue.kind === 'repaired' ? 'repaired record' : issue.kind === 'late' ? 'late record dropped' : issue.kind === 'unreadable-file' ? 'skipped file' : 'skipped record';
      // Messages quote input (and errors quote it too): escaped, so no input can drive the terminal.
      this.write(escapeControl(`dstream: ${issue.where}: ${what}: ${message}${input ? `;${input}` : ''}`));
      if (n === SHOWN_PER_KIND) this.write(`dstream: further ${issue.kind} issues are counted and summarised at exit`);
    }
    for (const hint of this.hints?.onIssue(issue) ?? []) this.write(escapeControl(hint));
    if (issue.raw === undefined) return;
    // One line per input record: several issues of one record (e.g. after --flat-map) share its rawSeq.
    const id = issue.rawSeq ?? issue.raw;
    if (issue.kind === 'late') {
      if (this.lateFd !== undefined && id !== this.lastLate) writeRaw(this.lateFd, issue);
      this.lastLate = id;
    } else if (issue.kind !== 'invalid-utf8' && issue.kind !== 'repaired') {
      if (this.deadFd !== undefined && id !== this.lastDead) writeRaw(this.deadFd, issue);
      this.lastDead = id;
    }
  };

  /** One-line summary of all counts, or `undefined` when there was nothing to report. */
  summary(log: IssueLog): string | undefined {
    const c = log.counts;
    const parts: string[] = [];
    const skipped = log.badRecords;
    if (skipped > 0) {
      const by = [...log.byOperator].filter(([w]) => w !== 'stdin').map(([w, k]) => `${k} by ${w}`).join(', ');
      parts.push(`${skipped} record${skipped === 1 ? '' : 's'} skipped (${by})`);
    }
    const late = log.lateRecords;
    if (late > 0) parts.push(`${late} late record${late === 1 ? '' : 's'} dropped`);
    const overLong = log.overLongLines;
    if (overLong > 0) parts.push(`${overLong} line${overLong === 1 ? '' : 's'} over --max-line-bytes skipped`);
    if (c['unreadable-file'] > 0) parts.push(`${c['unreadable-file']} unreadable file${c['unreadable-file'] === 1 ? '' : 's'} skipped`);
    if (c['evicted-key'] > 0) parts.push(`${c['evicted-key']} key${c['evicted-key'] === 1 ? '' : 's'} evicted from state (--max-keys)`);
    if (c.repaired > 0) parts.push(`${c.repaired} line${c.repaired === 1 ? '' : 's'} repaired by --parse (kept)`);
    if (c['invalid-utf8'] > 0) parts.push(`${c['invalid-utf8']} line${c['invalid-utf8'] === 1 ? '' : 's'} with invalid UTF-8 (replaced by U+FFFD)`);
    return parts.length ? `dstream: ${parts.join('; ')}` : undefined;
  }

  /** Hint lines at exit (see `IssueHints.atExit`), escaped. */
  exitHints(log: IssueLog): string[] {
    return (this.hints?.atExit(log) ?? []).map(escapeControl);
  }

  close(): void {
    if (this.deadFd !== undefined) closeSync(this.deadFd);
    if (this.lateFd !== undefined) closeSync(this.lateFd);
  }
}
