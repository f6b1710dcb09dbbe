/**
 * `FormatSink` checks a row's key for loss (sinks/key-loss.ts) only for the keys that can lose
 * anything (objects on every row, numbers beyond 2^53 or not finite, BigInts; not strings nor safe
 * numbers): the lines it says on stderr are exactly those of a naive sink that checks every row's key,
 * for rows whose keys repeat as the same objects (a keyed state outputs the same key object in every
 * window), come as fresh copies, or are one object changed in place between rows.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FormatSink } from '../../src/sinks/format-sink.js';
import { keyLoss } from '../../src/sinks/key-loss.js';
import { MemoryOutput } from '../../src/sinks/output.js';

type Format = 'json' | 'tsv' | 'csv' | 'text';

/** The lines a sink that checks every row says (FormatSink's rule before it checked once per key). */
function naiveWarnings(keys: unknown[], format: Format): string[] {
  const told = new Set<string>();
  const out: string[] = [];
  keys.forEach((key, i) => {
    if (typeof key === 'string' || (format === 'text' && (typeof key !== 'object' || key === null))) return;
    const loss = keyLoss(key);
    if (loss === undefined) return;
    const kind = typeof key === 'number' ? (Number.isFinite(key) ? 'big' : String(key)) : typeof key === 'object' ? loss.replace(/[-\d.]+n?|Infinity|NaN/g, '#') : typeof key;
    if (told.has(kind)) return;
    told.add(kind);
    out.push(typeof key === 'object'
      ? `output record ${i + 1} has a key grouped by its JSON text, which other keys share: ${loss}, so such keys are counted as one (said once)`
      : `--format ${format}: output record ${i + 1} has a key that does not survive being read back: ${loss} (said once)`);
  });
  return out;
}

const scalar = fc.oneof(
  fc.string({ maxLength: 3 }),
  fc.integer(),
  fc.double(),
  fc.constantFrom(NaN, Infinity, -Infinity, -0, 2 ** 53, 2 ** 60, -(2 ** 70), 1e21, 9007199254740993n, 0n, -5n, 2n ** 60n, true, null, undefined),
);
/**
 * A key: a scalar, or an array or object of scalars (made by `make`, so that copies are distinct
 * objects). Not `undefined` itself: in tsv/csv it and `""` are one empty field, said by a rule of its
 * own (when both are output), which this reference does not model.
 */
const keyMaker = fc.oneof(
  scalar.filter((v) => v !== undefined).map((v) => () => v),
  fc.array(scalar, { maxLength: 3 }).map((a) => () => [...a]),
  fc.dictionary(fc.constantFrom('a', 'b'), scalar).map((o) => () => ({ ...o })),
);

describe('FormatSink checks the keys that can lose anything', () => {
  it('says the same lines as checking every row, for repeated key objects and fresh copies', () => {
    fc.assert(
      fc.property(
        fc.array(keyMaker, { minLength: 1, maxLength: 6 }),
        fc.array(fc.tuple(fc.nat(), fc.boolean()), { maxLength: 40 }),
        fc.constantFrom<Format>('json', 'tsv', 'csv', 'text'),
        (makers, picks, format) => {
          const pool = makers.map((make) => make());
          const keys = picks.map(([i, fresh]) => (fresh ? makers[i % makers.length]!() : pool[i % pool.length]));
          const warnings: string[] = [];
          const sink = new FormatSink(new MemoryOutput(), { format, everyBatch: false, currentBatchTimeMs: () => 0, warn: (m) => warnings.push(m) });
          for (const k of keys) sink.record([k, 1]);
          expect(warnings).toEqual(naiveWarnings(keys, format));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('checks a key object reused and changed in place between rows (breaker\'s finding)', () => {
    const warnings: string[] = [];
    const sink = new FormatSink(new MemoryOutput(), { format: 'json', everyBatch: false, currentBatchTimeMs: () => 0, warn: (m) => warnings.push(m) });
    const k: unknown[] = [0];
    sink.record([k, 1]);
    k[0] = NaN;
    sink.record([k, 1]);
    expect(warnings).toEqual(naiveWarnings([[0], [NaN]], 'json'));
    expect(warnings).toHaveLength(1);
  });
});
