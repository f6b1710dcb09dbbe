/**
 * The quick path of flag parsing (src/cli/quick-args.ts) gives what yargs gives, or hands the
 * command line to yargs: command lines of the README, the man page and the tests, and random
 * ones built from the flag table (fast-check).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parser, quickFlagTable } from '../../src/cli/args.js';
import { quickParse } from '../../src/cli/quick-args.js';

/** What yargs in full gives (without `$0`), or `failed` when it refuses the command line. */
function viaYargs(argv: string[]): Record<string, unknown> | 'failed' {
  let failed = false;
  const out = parser(argv).fail(() => {
    failed = true;
  }).parseSync(argv, {}, () => {}) as Record<string, unknown>;
  if (failed) return 'failed';
  delete out.$0;
  return out;
}

const LINES: string[][] = [
  ['--count'],
  [],
  ['-'],
  ['--stdin', '--count', '--format', 'tsv'],
  ['--map', 'l => l.split(" ")[8]', '--count-by-value', '--window', '3600', '--slide', '60', '--top', '10'],
  ['--event-time', 'l => l.split("[")[1].split("]")[0]', '--watermark', '1m', '--map', 'l => l.split(" ")[8]', '--count-by-value', '--window', '5m', '--format', 'tsv'],
  ['--map', 'JSON.parse', '--event-time', 't => t.created_at', '--flat-map', 't => hashtags(t.text)', '--count-by-value', '--window', '10m', '--top', '10'],
  ['--map', 'a', '--map', 'b', '--filter', 'c', '--reduce-by-key', 'sum', '--batch', '5s', '--batch', '2s'],
  ['--workers', '2', '--count'], ['--workers', 'auto', '--count'], ['--workers=1', '--count'],
  ['--no-color', '--color', '--stats', '--verbose', '--count'],
  ['--metrics-port', '9100', '--year', '2017', '--parse', 'syslog', '--count'],
  ['--metrics-port', 'x', '--count'],
  ['--format', 'tsv', '--header', '--output-mode', 'update', '--map', 'l => [l, 1]', '--update-state-by-key', '(v, s) => v.length'],
  ['--format', 'yaml', '--count'], ['--output-mode', 'sometimes', '--count'], ['--on-error', 'fail', '--count'],
  ['--batch'], ['--batch', '--count'], ['--map'], ['--batch-marker', ''], ['--batch-marker=--', '--count'],
  ['--listen', '9000', '--listen', '9001', '--watch', '/tmp', '--pattern', '*.log', '--once', '--count'],
  ['--connect', 'localhost:9000', '--connect-retries', '3', '--max-rate', '100', '--count'],
  ['--checkpoint', '/tmp/ck', '--checkpoint-interval', '10s', '--wal', '--drain', '--output', 'out.tsv', '--count'],
  ['--from', 'redis://localhost/t?group=j', '--count'],
  ['--countt'], ['-x', '--count'], ['--count', 'extra'], ['--count', '--', '--map'],
  ['--help'], ['-h'], ['--version'], ['-V'], ['--count', '--help'],
  ['--config', 'x.json', '--print-config'],
  ['--max-line-bytes', '64KB', '--dead-letter', 'dead.txt', '--late', 'late.txt', '--print', '5', '--count'],
  ['--count=true'], ['--count', 'false'],
];

describe('quick flag parsing', () => {
  it.each(LINES.map((l) => [l.join(' '), l]))('%s: as yargs, or left to yargs', (_text, argv) => {
    const quick = quickParse(argv, quickFlagTable());
    const full = viaYargs(argv);
    if (quick !== undefined) expect(quick).toEqual(full);
    if (full === 'failed') expect(quick).toBeUndefined();
  });

  it('takes plain command lines itself', () => {
    for (const argv of [LINES[0]!, LINES[4]!, LINES[5]!, LINES[7]!, LINES[8]!]) expect(quickParse(argv, quickFlagTable())).toBeDefined();
  });

  it('agrees with yargs on random command lines of its flags', () => {
    const t = quickFlagTable();
    const names = [...t.known].filter((n) => n.length > 1);
    const token = fc.oneof(
      fc.constantFrom(...names).map((n) => `--${n}`),
      fc.constantFrom(...names).map((n) => `--${n}=`),
      fc.constantFrom('tsv', 'json', 'update', '1', '0', '5s', '', '-', 'x', 'true', 'auto', '-1', '--', 'l => l'),
      fc.string({ maxLength: 4 }),
    );
    fc.assert(fc.property(fc.array(token, { maxLength: 6 }), (argv) => {
      const quick = quickParse(argv, t);
      const full = viaYargs(argv);
      if (full === 'failed') return quick === undefined;
      return quick === undefined || JSON.stringify(quick) === JSON.stringify(full);
    }), { numRuns: 400, seed: 21 });
  });
});
