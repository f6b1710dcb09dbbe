/**
 * `--parse json`: one JSON object per line (JSON Lines / NDJSON,
 * https://jsonlines.org; JSON itself is RFC 8259).
 *
 * The line is handed to `parseExact` (`core/json.ts`: V8's native
 * `JSON.parse`, and lossless-json only for lines with an integer beyond
 * 2^53 − 1, which becomes a BigInt); the result must be an object — an array,
 * a string, a number, `true`/`false` or `null` on a line is an error, as is
 * an empty line. Nested values are kept as parsed.
 */
import { parseExact } from '../core/json.js';
import { ParseError } from './errors.js';
import type { LineParser } from './line-parser.js';

/** The kind of a JSON value, for messages. */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? 'a string' : typeof value === 'number' ? 'a number' : `a ${typeof value}`;
}

/**
 * Creates the `json` parser.
 * @returns a parser whose records are the parsed objects; `eventTimeField` is
 *   `undefined` (JSON records name their time field freely; `autoEventTime`
 *   looks for one of `EVENT_TIME_CANDIDATES` per record).
 * Errors: `json: invalid JSON (<V8's message>)`, `json: expected an object, got an array`.
 */
export function createJsonParser(): LineParser {
  return {
    name: 'json',
    eventTimeField: undefined,
    parse(line: string): Record<string, unknown> {
      let value: unknown;
      try {
        value = parseExact(line);
      } catch (e) {
        if (line.trim() === '') throw new ParseError('json', 'expected an object, got an empty line');
        throw new ParseError('json', `invalid JSON (${(e as Error).message})`, { cause: e });
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new ParseError('json', `expected an object, got ${kindOf(value)}`);
      }
      return value as Record<string, unknown>;
    },
  };
}
