/**
 * Real input for the parser tests: the bundled `data/` and the shared data
 * set `../shared/data` (absent in some checkouts: tests using it skip).
 */
import { existsSync, readFileSync } from 'node:fs';
import { ParseError } from '../../src/parsers/errors.js';
import type { LineParser } from '../../src/parsers/line-parser.js';

/** The bundled data folder of the repository. */
export const BUNDLED = new URL('../../data/', import.meta.url);
/** The shared data set, next to the repository. */
export const SHARED = new URL('../../../shared/data/', import.meta.url);
/** True when the shared data set is there. */
export const HAS_SHARED = existsSync(SHARED);

/**
 * The lines of a file as the line splitter gives them: cut at LF, a CR before
 * the LF dropped, a last line without newline kept, no empty last line.
 */
export function readLines(base: URL, path: string): string[] {
  const lines = readFileSync(new URL(path, base), 'utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

/** Parses every line; returns the records and the errors with their 1-based line numbers. */
export function parseAll(parser: LineParser, lines: string[]): { records: Record<string, unknown>[]; errors: { line: number; message: string }[] } {
  const records: Record<string, unknown>[] = [];
  const errors: { line: number; message: string }[] = [];
  lines.forEach((l, k) => {
    try {
      const r = parser.parse(l);
      if (r !== undefined) records.push(r);
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      errors.push({ line: k + 1, message: e.message });
    }
  });
  return { records, errors };
}
