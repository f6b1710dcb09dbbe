/**
 * `--parse logfmt`: `key=value` pairs separated by spaces, as written by
 * Heroku's router, Go's `log/slog` TextHandler, logrus and go-kit
 * (the convention described in https://brandur.org/logfmt; decoding follows
 * the reference decoder, github.com/go-logfmt/logfmt).
 *
 * - A key is a run of characters other than space/control, `=` and `"`.
 * - `key=value`: the value runs to the next space or control character
 *   (it may contain `=`; go-logfmt rejects that, we keep it, which is
 *   unambiguous).
 * - `key="quoted value"`: JSON-style escapes `\" \\ \/ \b \f \n \r \t \uXXXX`;
 *   any other escape is an error, as is a missing closing quote or text
 *   right after the closing quote.
 * - `key=` gives `''`; a bare `key` gives `true`.
 * - Values are strings (no number guessing): `n=10` gives `{ n: '10' }`.
 * - A repeated key keeps its last value.
 * - A line with no pairs (empty or only spaces) gives `{}`.
 *
 * Hand-written scanner (charCodeAt, indexOf for quoted values), one pass.
 * Measured with `bench/parsers.js` on the bundled Apache log rewritten as
 * logfmt (9,999 lines of ~300 bytes, 12 keys): scanner 1.3 M lines/s, a
 * global regex `/([^\s="]+)(?:=(?:"((?:[^"\\]|\\.)*)"|(\S*)))?/g` 0.9 M.
 */
import { excerpt, ParseError } from './errors.js';
import { contentEnd, setField, type LineParser } from './line-parser.js';

const SIMPLE_ESCAPES: Record<string, string> = {
  '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t',
};

/** Decodes a quoted value with escapes, from just after the opening quote; returns [value, index of the closing quote]. */
function unquote(line: string, start: number, end: number, key: string): [string, number] {
  let out = '';
  let seg = start;
  for (let i = start; i < end; i++) {
    const c = line.charCodeAt(i);
    if (c === 34) return [out + line.slice(seg, i), i];
    if (c !== 92) continue;
    out += line.slice(seg, i);
    const e = line[i + 1];
    if (e === 'u' && /^[0-9A-Fa-f]{4}$/.test(line.slice(i + 2, i + 6))) {
      out += String.fromCharCode(parseInt(line.slice(i + 2, i + 6), 16));
      i += 5;
    } else if (e !== undefined && i + 1 < end && SIMPLE_ESCAPES[e] !== undefined) {
      out += SIMPLE_ESCAPES[e];
      i += 1;
    } else {
      throw new ParseError('logfmt', `invalid escape '\\${e ?? ''}' in the value of key '${key}' at column ${i + 1}`);
    }
    seg = i + 1;
  }
  throw new ParseError('logfmt', `missing closing quote of the value of key '${key}'`);
}

/**
 * Creates the `logfmt` parser.
 * @returns a parser whose records map each key to a string (or `true` for a
 *   bare key); `eventTimeField` is `undefined` (`autoEventTime` looks for
 *   `time`, `ts`, … per record).
 * Errors: `logfmt: expected a key before '=' at column N`,
 *   `logfmt: unexpected quote in a key at column N`,
 *   `logfmt: missing closing quote of the value of key 'K'`,
 *   `logfmt: invalid escape '\q' in the value of key 'K' at column N`,
 *   `logfmt: expected a space after the quoted value of key 'K', got 'x'`.
 */
export function createLogfmtParser(): LineParser {
  return { name: 'logfmt', eventTimeField: undefined, parse: parseLogfmt };
}

function parseLogfmt(line: string): Record<string, unknown> {
  const end = contentEnd(line);
  const record: Record<string, unknown> = {};
  let i = 0;
  while (i < end) {
    let c = line.charCodeAt(i);
    if (c <= 32) {
      i++;
      continue;
    }
    const keyStart = i;
    while (c > 32 && c !== 61 && c !== 34) {
      if (++i === end) break;
      c = line.charCodeAt(i);
    }
    if (i === keyStart) {
      throw new ParseError('logfmt', c === 61 ? `expected a key before '=' at column ${i + 1}` : `unexpected quote in a key at column ${i + 1}`);
    }
    const key = line.slice(keyStart, i);
    if (i === end || c <= 32) {
      setField(record, key, true);
      continue;
    }
    if (c === 34) throw new ParseError('logfmt', `unexpected quote in a key at column ${i + 1}`);
    // c is '='
    i++;
    c = i < end ? line.charCodeAt(i) : 0;
    if (c === 34) {
      // Fast path: no backslash before the closing quote.
      const q = line.indexOf('"', i + 1);
      const bs = line.indexOf('\\', i + 1);
      let value: string;
      if (q !== -1 && q < end && (bs === -1 || bs > q)) {
        value = line.slice(i + 1, q);
        i = q;
      } else {
        [value, i] = unquote(line, i + 1, end, key);
      }
      setField(record, key, value);
      i++;
      if (i < end && line.charCodeAt(i) > 32) {
        throw new ParseError('logfmt', `expected a space after the quoted value of key '${key}', got '${excerpt(line.slice(i, end), 10)}'`);
      }
    } else {
      const valueStart = i;
      while (c > 32) {
        if (++i === end) break;
        c = line.charCodeAt(i);
      }
      setField(record, key, line.slice(valueStart, i));
    }
  }
  return record;
}
