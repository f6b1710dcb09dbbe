/**
 * The jobs of the key-lines tests (test/distributed/key-lines.test.ts on Redis, test/kafka/key-lines.test.ts
 * on Kafka): keys whose stderr lines (sinks/key-check.ts) `dstream cat` says as the local run does.
 */

/** Keys by line: NaN, 10n and 10, "1" and 1, [NaN] and [null], a Set and an array. */
export const KEY = 'l => l === "n" ? NaN : l === "b" ? 10n : l === "t" ? 10 : l === "s" ? "1" : l === "o" ? 1 : l === "a" ? [NaN] : l === "z" ? [null] : l === "S" ? new Set(["x"]) : l === "A" ? ["x"] : l';
export const INPUT = 'n\nb\nt\ns\no\na\nz\nS\nA\nn\nS\n';
export const WINDOWED = ['--event-time', '() => 1431820800000', '--map', KEY, '--count-by-value', '--window', '1d'];
export const STATELESS = ['--map', `l => [(${KEY})(l), 1]`];

/** The output key lines of a stderr (sinks/key-check.ts). */
export const keyLines = (stderr: string) => stderr.split('\n').filter((l) => l.includes('output record'));

/** A worker's line about a key that came as a Set and as an array. */
export const workerLines = (stderr: string) => stderr.split('\n').filter((l) => l.includes('came as'));

/** The local run's (and cat's) key lines of `WINDOWED` in tsv. */
export const TSV_LINES = [
  'dstream: --format tsv: output record 1 has a key that does not survive being read back: NaN is written as the string "NaN" (JSON has no NaN): it reads back as that string (said once)',
  'dstream: --format tsv: output record 4 has a key that does not survive being read back: the BigInt 10n is written as the number 10: it reads back as the number, another key (said once)',
  'dstream: --format tsv: output record 5 has the key "1", an earlier record the key 1: both are written as 1, so they read back as one key (said once)',
  'dstream: output record 7 has a key grouped by its JSON text, which other keys share: NaN inside it is null in JSON, so such keys are counted as one (said once)',
];

/** The worker's line for `WINDOWED`. */
export const WORKER_LINE = 'dstream: --count-by-value: the key ["x"] came as a Set, then as an array: both are written ["x"], so they are one key, output as the first (said once)';
