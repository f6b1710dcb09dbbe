/**
 * The jobs of the key-identity tests (test/distributed/key-identity.test.ts on Redis,
 * test/kafka/key-identity.test.ts on Kafka): object keys a local run groups as one by their text
 * (operators/keyed-map.ts `KeyCodec`), which distributed workers must route and group the same way.
 */
import { expect } from 'vitest';
import { runDstream } from './procs.js';

/** A key by line number mod 9: three that print [null], a Set and an array ["p"], a Map and its entries, [10n] and [10]. */
export const KEY = 'l => { const n = l.split(" ")[0] % 9; return n === 0 ? [NaN] : n === 1 ? [null] : n === 2 ? [undefined] : n === 3 ? new Set(["p"]) : n === 4 ? ["p"] : n === 5 ? new Map([["m", 1]]) : n === 6 ? [["m", 1]] : n === 7 ? [10n] : [10] }';
/** Counts per key in event-time windows of a day. */
export const WINDOWED = ['--event-time', 'l => l.split(" ")[1]', '--map', KEY, '--count-by-value', '--window', '1d'];
/** A count per key in its state, batches of 10,000 lines. */
export const STATE = ['--map', `l => [(${KEY})(l), 1]`, '--update-state-by-key', '(vs, s) => (s || 0) + vs.length', '--max-records-per-batch', '10000'];
/** What both print (tsv): four keys, not nine, in the order of their text whichever object came first. */
export const TABLE = '["p"]\t8000\n[10]\t8000\n[["m",1]]\t8000\n[null]\t12000\n';
/** `TABLE` as the rows of the one window `WINDOWED` gives. */
export const WINDOW_TABLE = TABLE.replace(/^(?=.)/gm, '2015-05-17T00:00:00.000Z\t');

/** The input: 36,000 lines `i 2015-05-17T10:00:00Z`. */
export function keyLines(): string[] {
  return Array.from({ length: 36_000 }, (_, i) => `${i} 2015-05-17T10:00:00Z`);
}

/** The local run of `job` over `file` and `dstream cat to`, both in tsv (each must exit 0). */
export async function localAndCat(job: string[], file: string, to: string): Promise<{ local: string; cat: string }> {
  const local = await runDstream([...job, '--format', 'tsv'], { stdin: { file } });
  expect(local.code, local.stderr).toBe(0);
  const cat = await runDstream(['cat', to, '--format', 'tsv']);
  expect(cat.code, cat.stderr).toBe(0);
  return { local: local.stdout, cat: cat.stdout };
}
