/**
 * `--initial-state FILE`: the state that `--update-state-by-key` or
 * `--map-with-state` starts with (Spark's `initialRDD` /
 * `StateSpec.initialState`). Three formats:
 * - JSON lines `{"key": …, "state": …}` (exact types), or the lines that
 *   `--format json` prints for a state table, `{"time": …, "key": …, "value": …}`
 *   (the value is the state; the time is ignored; not for `--map-with-state`);
 * - the tsv that `--format tsv` prints for a state table: `key<TAB>state`,
 *   with `\\`, `\t`, `\n`, `\r` escapes;
 * - the csv that `--format csv` prints, when FILE's name ends in `.csv`:
 *   `key,state`, RFC 4180 quoting, read as `--parse csv` reads (Papa Parse; a
 *   quoted field may hold line breaks, so a record may span lines).
 * JSON lines and tsv are told apart line by line; a `.csv` file is csv
 * throughout. A tsv or csv field that reads as a JSON number, array, object,
 * `true`, `false` or `null` is that value, else a string. tsv and csv write
 * the key `200` and the key `"200"` alike: a key read as anything but a string
 * is a `TextKey` (`textPair`), continued by the run's key that prints as the
 * same text, number, string or object (state/keyed-state-node.ts `claim`). A first line `key<TAB>value` or
 * `key,value` is the header `--header` writes, skipped. Blank lines are
 * skipped, and so is a byte order mark. Read before any input; every mistake is a `ConfigError` naming the
 * file and line (exit 2).
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../core/errors.js';
import { createParser } from '../parsers/index.js';
import { TextKey } from '../state/keyed-state-node.js';

/** A tsv field without its escapes. */
function unescapeTsv(field: string): string {
  return field.replace(/\\(.)/g, (m, c: string) => (c === 't' ? '\t' : c === 'n' ? '\n' : c === 'r' ? '\r' : c === '\\' ? '\\' : m));
}

/** The text of a tsv or csv field as a value (see module doc). */
function fieldValue(text: string): unknown {
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
 * A `[key, state]` pair of tsv or csv field texts (see module doc). A key that reads as JSON is a
 * `TextKey` of its text: loaded as the value when output writes that value as this very text (`200`,
 * `[1]`), else as the string (`1e3`, `-0`, `[1, 2]`: output writes 1000, 0, `[1,2]`, so only a string
 * was written so).
 */
function textPair(key: string, state: string): [unknown, unknown] {
  const k = fieldValue(key);
  if (typeof k === 'string') return [k, fieldValue(state)];
  const written = k !== null && typeof k === 'object' ? JSON.stringify(k) : String(k);
  return [new TextKey(written === key ? k : key, key), fieldValue(state)];
}

/**
 * Reads `[key, state]` pairs from `path` (see module doc).
 * @param mapWithState the state is for `--map-with-state`, whose `--format json` output holds what
 *   its function returned, not the state: `{"key", "value"}` lines are refused.
 * @throws ConfigError when the file cannot be read, or a line is neither a `{"key", "state"}` nor a
 *   `{"key", "value"}` object, nor two tsv fields, or (a `.csv` file) a record is not two csv fields.
 */
export function readInitialState(path: string, mapWithState = false): [unknown, unknown][] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`--initial-state: cannot read ${path}: ${(e as Error).message}`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a byte order mark (a spreadsheet's export) is no part of the first key
  const pairs: [unknown, unknown][] = [];
  const add = (pair: [unknown, unknown], where: string): void => {
    if (pair[1] === null) throw new ConfigError(`${where}: a state of null is no state; leave the key out`);
    pairs.push(pair);
  };
  if (/\.csv$/i.test(path)) {
    csvPairs(text, path, add);
    return pairs;
  }
  text.split('\n').forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '' || (i === 0 && line === 'key\tvalue')) return;
    const where = `--initial-state ${path}:${i + 1}`;
    let o: unknown;
    let tsv = !line.trimStart().startsWith('{');
    if (!tsv) {
      try {
        o = JSON.parse(line);
      } catch (e) {
        // An object key of --format tsv (`{"k":"x"}<TAB>2`) starts with `{` too.
        if (line.split('\t').length === 2) tsv = true;
        else throw new ConfigError(`${where}: not valid JSON (${(e as Error).message})`);
      }
    }
    if (!tsv) {
      if (o === null || typeof o !== 'object' || !('key' in o) || !('state' in o || 'value' in o)) {
        throw new ConfigError(`${where}: expected {"key": …, "state": …}, or a line of --format json output {"time": …, "key": …, "value": …}`);
      }
      if (!('state' in o) && mapWithState) {
        throw new ConfigError(`${where}: {"key": …, "value": …} is --format json output, which for --map-with-state holds what its function returned, not the state; give {"key": …, "state": …} lines`);
      }
      const { key, state, value } = o as { key: unknown; state?: unknown; value?: unknown };
      add([key, 'state' in o ? state : value], where);
    } else {
      const fields = line.split('\t');
      if (fields.length !== 2) {
        const csv = fields.length === 1 && line.includes(',') ? `; a state file of --format csv is read as csv when its name ends in .csv` : '';
        throw new ConfigError(`${where}: expected key<TAB>state (the tsv of --format tsv) or a JSON line {"key": …, "state": …} (or {"key": …, "value": …} of --format json), got ${fields.length} field${fields.length === 1 ? '' : 's'}${csv}`);
      }
      add(textPair(unescapeTsv(fields[0]!), unescapeTsv(fields[1]!)), where);
    }
  });
  return pairs;
}

/**
 * The csv records of `text` (a `.csv` FILE) as pairs, given to `add` with where they start: read by the
 * `--parse csv` parser under the header `key,state`, so that each record is its two fields.
 * @throws ConfigError naming the line a record starts on when it is not two csv fields or a quote is left open.
 */
function csvPairs(text: string, path: string, add: (pair: [unknown, unknown], where: string) => void): void {
  const parser = createParser('csv');
  parser.parse('key,state');
  const lines = text.split('\n');
  /** The line (from 1) the record being read starts on; 0 while none is open. */
  let start = 0;
  lines.forEach((line, i) => {
    if (start === 0 && (line === '' || line === '\r')) return;
    start ||= i + 1;
    const where = `--initial-state ${path}:${start}`;
    let record: Record<string, unknown> | undefined;
    try {
      record = parser.parse(line);
    } catch (e) {
      const fields = /row has (\d+ fields?)/.exec((e as Error).message);
      throw new ConfigError(`${where}: expected key,state (the csv of --format csv), ${fields ? `got ${fields[1]}` : `not csv: ${(e as Error).message}`}`);
    }
    if (record === undefined) return; // a quoted field is open: the record goes on at the next line
    start = 0;
    const key = record.key as string, state = record.state as string;
    if (!(i === 0 && key === 'key' && state === 'value')) add(textPair(key, state), where);
  });
  if (parser.finish?.() !== undefined) throw new ConfigError(`--initial-state ${path}:${start}: a quoted csv field opened here is never closed`);
}
