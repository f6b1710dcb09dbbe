/**
 * `--initial-state FILE`: the state that `--update-state-by-key` or
 * `--map-with-state` starts with (Spark's `initialRDD` /
 * `StateSpec.initialState`). Two formats, told apart line by line:
 * - JSON lines `{"key": …, "state": …}` (exact types), or the lines that
 *   `--format json` prints for a state table, `{"time": …, "key": …, "value": …}`
 *   (the value is the state; the time is ignored);
 * - the tsv that `--format tsv` prints for a state table: `key<TAB>state`,
 *   with `\\`, `\t`, `\n`, `\r` escapes. A field that reads as a JSON number,
 *   array, object, `true`, `false` or `null` is that value, else a string.
 *   tsv writes the key `200` and the key `"200"` alike: a key read as a number
 *   or boolean is a `TextKey`, continued by the run's key of the same text,
 *   number or string (state/keyed-state-node.ts `claim`).
 * Blank lines are skipped. Read before any input; every mistake is a
 * `ConfigError` naming the file and line (exit 2).
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../core/errors.js';
import { TextKey } from '../state/keyed-state-node.js';

/** A tsv field without its escapes. */
function unescapeTsv(field: string): string {
  return field.replace(/\\(.)/g, (m, c: string) => (c === 't' ? '\t' : c === 'n' ? '\n' : c === 'r' ? '\r' : c === '\\' ? '\\' : m));
}

/** A tsv field as a value (see module doc). */
function tsvValue(field: string): unknown {
  const text = unescapeTsv(field);
  if (/^\s*(-?\d|[[{]|true\s*$|false\s*$|null\s*$)/.test(text)) {
    try {
      return JSON.parse(text);
    } catch {
      /* not JSON: the string itself */
    }
  }
  return text;
}

/**
 * Reads `[key, state]` pairs from `path` (see module doc).
 * @param mapWithState the state is for `--map-with-state`, whose `--format json` output holds what
 *   its function returned, not the state: `{"key", "value"}` lines are refused.
 * @throws ConfigError when the file cannot be read, or a line is neither a `{"key", "state"}` nor a
 *   `{"key", "value"}` object, nor two tsv fields.
 */
export function readInitialState(path: string, mapWithState = false): [unknown, unknown][] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`--initial-state: cannot read ${path}: ${(e as Error).message}`);
  }
  const pairs: [unknown, unknown][] = [];
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') return;
    const where = `--initial-state ${path}:${i + 1}`;
    if (line.trimStart().startsWith('{')) {
      let o: unknown;
      try {
        o = JSON.parse(line);
      } catch (e) {
        throw new ConfigError(`${where}: not valid JSON (${(e as Error).message})`);
      }
      if (o === null || typeof o !== 'object' || !('key' in o) || !('state' in o || 'value' in o)) {
        throw new ConfigError(`${where}: expected {"key": …, "state": …}, or a line of --format json output {"time": …, "key": …, "value": …}`);
      }
      if (!('state' in o) && mapWithState) {
        throw new ConfigError(`${where}: {"key": …, "value": …} is --format json output, which for --map-with-state holds what its function returned, not the state; give {"key": …, "state": …} lines`);
      }
      const { key, state, value } = o as { key: unknown; state?: unknown; value?: unknown };
      pairs.push([key, 'state' in o ? state : value]);
    } else {
      const fields = line.split('\t');
      if (fields.length !== 2) throw new ConfigError(`${where}: expected key<TAB>state (the tsv of --format tsv) or a JSON line {"key": …, "state": …} (or {"key": …, "value": …} of --format json), got ${fields.length} field${fields.length === 1 ? '' : 's'}`);
      const key = tsvValue(fields[0]!);
      pairs.push([typeof key === 'number' || typeof key === 'boolean' ? new TextKey(key) : key, tsvValue(fields[1]!)]);
    }
    if (pairs[pairs.length - 1]![1] === null) throw new ConfigError(`${where}: a state of null is no state; leave the key out`);
  });
  return pairs;
}
