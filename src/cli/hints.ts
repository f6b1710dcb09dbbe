/**
 * Hints added to error and bad-input messages for the mistakes a new user
 * makes on the first try, each saying what to type instead:
 *
 * - a function left unquoted, split by the shell at `=>` (`--map l => l.length`
 *   runs `dstream --map l =` with stdout sent to a new file `l.length`);
 * - an event time that is a syslog time (`Mar 27 13:06:56`: no year, no zone);
 * - `--parse FORMAT` failing on every one of the first lines: the format that
 *   does read them;
 * - a record that is not a `[key, value]` pair: what it was instead.
 */
import { fstatSync, readlinkSync, statSync } from 'node:fs';
import { relative } from 'node:path';
import { preview, type Issue, type IssueLog } from '../core/issues.js';
import { createParser } from '../parsers/index.js';
import { BATCH_MARKER_MISSING } from './source-options.js';

/**
 * The name of the file stdout was redirected to when it is an empty regular
 * file in `cwd` (as a shell's `> FILE` leaves it); else `undefined`.
 * Reads `/proc/self/fd/1` (Linux); elsewhere `undefined`.
 */
export function freshStdoutFile(cwd = process.cwd()): string | undefined {
  try {
    const st = fstatSync(1);
    if (!st.isFile() || st.size !== 0) return undefined;
    const path = readlinkSync('/proc/self/fd/1');
    const rel = relative(cwd, path);
    // The shell's `> l.length` creates the file in the working directory.
    return rel === '' || rel.includes('/') ? undefined : rel;
  } catch {
    return undefined;
  }
}

/** True when `name` is an empty regular file in the working directory (what a shell's `> name` leaves). */
function secondRedirection(name: string): boolean {
  try {
    const st = statSync(name);
    return st.isFile() && st.size === 0;
  } catch {
    return false;
  }
}

/** Whether `path` names a regular file (false for anything else, or when it cannot be read). */
function isRegularFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The message for a stray positional argument. When it is the `=` of an
 * unquoted arrow function (`--map l => l.length`: the shell passes `--map l =`
 * and takes `> l.length` as a redirection), the message says to quote the
 * function, rebuilt with `redirectedTo` (the file the shell created) as its
 * body when known.
 * @param argv the command line (without `node` and the script).
 * @param positional the stray arguments, in order.
 * @param operators operator flag names (without `--`) → whether they take a value.
 */
export function unexpectedArgumentMessage(argv: readonly string[], positional: readonly unknown[], operators: Record<string, boolean>, redirectedTo?: string): string {
  const first = String(positional[0]);
  // A file named the awk way (`dstream --count access.log`): say how to give it.
  const plain = isRegularFile(first) && positional.length === 1
    ? `unexpected argument '${first}': dstream reads stdin, not files named as arguments: dstream … < ${/^[\w./-]+$/.test(first) ? first : `'${first.replace(/'/g, "'\\''")}'`} (or --watch DIR for a directory of files)`
    : `unexpected argument '${first}' (dstream reads stdin; operators are flags like --map FN)`;
  const at = argv.indexOf('=');
  const flag = at >= 2 ? argv[at - 2]! : '';
  if (first !== '=' || !flag.startsWith('--') || operators[flag.slice(2)] !== true) return plain;
  const param = argv[at - 1]!;
  // `x => x > 3` is two redirections (`> x`, then `> 3`): the file named after the parameter shows
  // that stdout's file is not the body.
  const body = redirectedTo !== undefined && !secondRedirection(param) ? redirectedTo : '…';
  const created = redirectedTo ? `; the shell took '> ${redirectedTo}' as a redirection and created the file ${redirectedTo}` : '';
  return `unexpected argument '=': the shell split the unquoted function of ${flag} at '=>'${created}. Quote the function: ${flag} '${param} => ${body}'`;
}

/**
 * The message for an operator's function cut by the shell at an unquoted `=>` written without
 * spaces (`--map l=>l.length`: the shell passes `--map l=` and takes `>l.length` as a redirection),
 * rebuilt with `redirectedTo` (the file the shell created) as its body when that reads as one.
 * @param argv the command line (without `node` and the script).
 * @param operators operator flag names (without `--`) → whether they take a value.
 * @returns the message, or `undefined` when no operator's value is a name followed by `=`.
 */
export function cutArrowMessage(argv: readonly string[], operators: Record<string, boolean>, redirectedTo?: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const tok = argv[i]!;
    const eq = tok.indexOf('=');
    const flag = eq === -1 ? tok : tok.slice(0, eq);
    if (!flag.startsWith('--') || operators[flag.slice(2)] !== true) continue;
    const value = eq === -1 ? argv[i + 1] : tok.slice(eq + 1);
    const param = value === undefined ? undefined : /^([A-Za-z_$][\w$]*)=$/.exec(value)?.[1];
    if (param === undefined) continue;
    // `x=>x.a>3` is two redirections, and stdout goes to the last (`3`): only a file named from the parameter is the body.
    const body = redirectedTo !== undefined && new RegExp(`^${param.replace(/\$/g, '\\$')}([.[]|$)`).test(redirectedTo) ? redirectedTo : '…';
    const created = redirectedTo ? `; the shell took '>${redirectedTo}' as a redirection and created the file ${redirectedTo}` : '';
    return `${flag}: '${value}' is a function the shell cut at the '>' of an unquoted '=>'${created}. Quote the function: ${flag} '${param} => ${body}'`;
  }
  return undefined;
}

/** What the values of a choice flag are, in its message. */
const CHOICE_NOUN: Record<string, string> = { format: 'an output format', 'output-mode': 'an output mode', 'on-error': 'an error policy' };

/**
 * yargs' "Invalid values: Argument: format, Given: "yaml", Choices: …" as a
 * usage error in the style of the others: `--format: 'yaml' is not an output
 * format; use one of text, json, tsv, csv` (the first invalid flag only);
 * and "Not enough arguments following: top" as `--top needs a value`.
 * @returns the message, or `undefined` when `failure` is another yargs message.
 */
export function invalidChoiceMessage(failure: string): string | undefined {
  const missing = /^Not enough arguments following: ([\w-]+)$/.exec(failure);
  if (missing) return missing[1] === 'batch-marker' ? BATCH_MARKER_MISSING : `--${missing[1]} needs a value`;
  const m = /Argument: ([\w-]+), Given: (.*?), Choices: (.*)$/m.exec(failure);
  if (!m) return undefined;
  const given = (() => {
    try {
      return String(JSON.parse(m[2]!));
    } catch {
      return m[2]!;
    }
  })();
  const choices = m[3]!.split(', ').map((c) => c.replace(/^"|"$/g, ''));
  return `--${m[1]}: '${given}' is not ${CHOICE_NOUN[m[1]!] ?? 'a valid value'}; use one of ${choices.join(', ')}`;
}

const SYSLOG_TIME = /^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d\b/;

/** Formats tried on lines that the given `--parse` format did not read: the specific ones first. */
const CANDIDATES = ['combined', 'common', 'syslog', 'json', 'logfmt'];

/** Lines in a row, from the first, that must fail `--parse` before another format is suggested. */
export const PARSE_HINT_LINES = 100;

/**
 * The `--parse` format (other than `given`) that reads the most of `lines`,
 * with how many it reads; `undefined` when none reads most of them. logfmt
 * reads any text (bare words are keys): it counts only for lines with a `key=value`.
 */
export function bestParseFormat(lines: readonly string[], given: string): { format: string; parsed: number } | undefined {
  let best: { format: string; parsed: number } | undefined;
  for (const format of CANDIDATES) {
    if (format === given) continue;
    const parser = createParser(format);
    let parsed = 0;
    for (const line of lines) {
      try {
        const r = parser.parse(line);
        if (format !== 'logfmt' || Object.values(r ?? {}).some((v) => v !== true)) parsed++;
      } catch {
        /* not this format */
      }
    }
    if (parsed > (best?.parsed ?? 0)) best = { format, parsed };
  }
  return best && best.parsed * 2 > lines.length ? best : undefined;
}

/** How a value that is not a pair is shown: its kind and a preview. */
export function describeValue(value: unknown): string {
  if (Array.isArray(value)) return `an array of ${value.length}: ${preview(value)}`;
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'object') return `an object: ${preview(value)}`;
  return `a ${typeof value}: ${preview(value)}`;
}

/**
 * Watches the issues of a job and gives hint lines (each once) to print after
 * the issue that prompted them (see module doc).
 */
export class IssueHints {
  private readonly given = new Set<string>();
  /** Raw lines of the `--parse` failures in a row from the first input line. */
  private parseRun: string[] = [];
  private parseRunBroken = false;

  /** @param parse the `--parse` format of the job, if any. */
  constructor(private readonly parse?: string) {}

  /** Hint lines for `issue` (none, or each hint once). */
  onIssue(issue: Issue): string[] {
    const time = issue.kind === 'bad-event-time' ? /^not a valid time: (".*")$/.exec(issue.message)?.[1] : undefined;
    if (time !== undefined && SYSLOG_TIME.test(JSON.parse(time) as string)) {
      return this.once('syslog-time', `dstream: hint: ${time} is a syslog time (no year, no zone): use --parse syslog --event-time auto (the year is inferred, or --year YYYY), or parseTime(s, '%b %e %H:%M:%S') in the function`);
    }
    if (this.parse && !this.parseRunBroken && issue.kind === 'user-error' && issue.where === `--parse ${this.parse}`) {
      if (issue.rawSeq !== this.parseRun.length + 1 || typeof issue.raw !== 'string') {
        this.parseRunBroken = true;
        return [];
      }
      this.parseRun.push(issue.raw);
      if (this.parseRun.length === PARSE_HINT_LINES) return this.parseHint();
    }
    return [];
  }

  /** Hints at exit: `--parse` failed on every line read (fewer than `PARSE_HINT_LINES`, else given already). */
  atExit(log: IssueLog): string[] {
    if (!this.parseRunBroken && this.parseRun.length >= 1 && this.parseRun.length === log.recordsSeen) return this.parseHint();
    return [];
  }

  private parseHint(): string[] {
    const n = this.parseRun.length;
    const lines = `${n === PARSE_HINT_LINES ? 'the first ' : ''}${n} line${n === 1 ? '' : 's'}`;
    const best = bestParseFormat(this.parseRun, this.parse!);
    const text = best
      ? `dstream: hint: --parse ${this.parse} read none of ${lines}; --parse ${best.format} reads ${best.parsed} of them`
      : `dstream: hint: --parse ${this.parse} read none of ${lines}, nor does another format; describe the lines with --parse 'regex:PATTERN' (named groups)`;
    return this.once('parse', text);
  }

  private once(key: string, text: string): string[] {
    if (this.given.has(key)) return [];
    this.given.add(key);
    return [text];
  }
}
