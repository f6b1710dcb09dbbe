/**
 * `--parse 'regex:PATTERN'`: a JavaScript regular expression with named
 * groups (`(?<name>...)`, ECMAScript 2018); each named group becomes a field.
 *
 * - The pattern is compiled once, without flags; it matches anywhere in the
 *   line, as with grep: anchor it with `^` and `$` to match whole lines.
 * - Values are strings; a group that did not take part in the match (inside
 *   an optional part) is `null`. Unnamed groups are not kept.
 * - A line that does not match is an error.
 * - A pattern that does not compile, or has no named group, is a
 *   configuration error (reported before any input is read).
 */
import { ConfigError } from '../core/errors.js';
import { ParseError } from './errors.js';
import { contentEnd, pickEventTimeField, setField, type LineParser } from './line-parser.js';

/**
 * Creates a `regex:PATTERN` parser.
 * @param pattern the pattern, e.g. `^(?<ip>\S+) \S+ \S+ \[(?<time>[^\]]+)\]`.
 * @returns a parser whose records hold one string (or `null`) per named group;
 *   `eventTimeField` is a time-like group name (`time`, `timestamp`, `ts`, …)
 *   when there is one.
 * @throws ConfigError when the pattern does not compile or has no named group.
 * Errors per line: `regex: the line does not match /PATTERN/`.
 */
export function createRegexParser(pattern: string): LineParser {
  let re: RegExp;
  try {
    re = new RegExp(pattern);
  } catch (e) {
    throw new ConfigError(`--parse regex: invalid pattern /${pattern}/: ${(e as Error).message}`, { cause: e });
  }
  // The group names, in pattern order: an empty alternative matches '' and
  // still lists every named group (a valid pattern has balanced groups, so
  // wrapping it in (?:...) keeps its meaning).
  const probe = new RegExp(`(?:${pattern})|`).exec('');
  const names = probe?.groups ? Object.keys(probe.groups) : [];
  if (names.length === 0) {
    throw new ConfigError(`--parse regex: the pattern /${pattern}/ has no named group; name the parts to keep, e.g. regex:'^(?<ip>\\S+) (?<rest>.*)$'`);
  }
  const display = pattern.length > 60 ? pattern.slice(0, 60) + '…' : pattern;
  return {
    name: 'regex',
    eventTimeField: pickEventTimeField(names),
    parse(line: string): Record<string, unknown> {
      const end = contentEnd(line);
      const m = re.exec(end === line.length ? line : line.slice(0, end));
      if (m === null) throw new ParseError('regex', `the line does not match /${display}/`);
      const groups = m.groups!;
      const record: Record<string, unknown> = {};
      for (const name of names) setField(record, name, groups[name] ?? null);
      return record;
    },
  };
}
