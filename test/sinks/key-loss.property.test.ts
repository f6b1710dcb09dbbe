/**
 * Keys through json output and back: `keyLoss(k)` is undefined exactly when the key a JSON reader
 * with exact integers (`parseExact`, what `--initial-state` uses) gets back is the same key
 * (SameValueZero, as dstream's key maps compare), and `--format json` says once per kind which
 * keys do not survive. A checkpoint keeps every one of them exactly.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseExact } from '../../src/core/json.js';
import { jsonRecord } from '../../src/sinks/format.js';
import { keyLoss } from '../../src/sinks/key-loss.js';
import { runCli } from '../helpers/run-cli.js';
import { tempDirs } from '../helpers/temp-dir.js';

const dir = tempDirs('dstream-key-loss-');

const sameKey = (a: unknown, b: unknown): boolean => a === b || (a !== a && b !== b);

const keyArb = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.constantFrom(NaN, Infinity, -Infinity, -0, 2 ** 60, -(2 ** 70), 9007199254740993n, 0n, -5n, true, null),
  fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }),
);

describe('keys written as json and read back', () => {
  it('keyLoss is undefined exactly when the key comes back as itself', () => {
    fc.assert(fc.property(keyArb, (k) => {
      const back = (parseExact(jsonRecord([k, 1], 1000)) as { key: unknown }).key;
      expect(keyLoss(k) === undefined).toBe(sameKey(k, back));
    }), { numRuns: 2000 });
  });

  it('names what is written and what comes back', () => {
    expect(keyLoss(NaN)).toBe('NaN is written as the string "NaN" (JSON has no NaN): it reads back as that string');
    expect(keyLoss(10n)).toBe('the BigInt 10n is written as the number 10: it reads back as the number, another key');
    expect(keyLoss(2 ** 60)).toBe('the number 1152921504606847000 (beyond 2^53, a double) is written in digits: it reads back as an exact integer (a BigInt), another key');
    expect([keyLoss('NaN'), keyLoss(-0), keyLoss(2n ** 60n), keyLoss(0.5), keyLoss(null)]).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });

  it('--format json says it once per kind of key, on stderr; stdout is unchanged', async () => {
    const r = await runCli(['--once', '--batch', '1h', '--map', 'l => [l === "n" ? NaN : l === "m" ? -Infinity : BigInt(l.length), 1]', '--reduce-by-key', 'sum', '--format', 'json'], 'n\nn\nab\nm\nabc\n');
    expect(r.code).toBe(0);
    expect(r.stdout.replace(/"time":\d+/g, '"time":T')).toBe(
      '{"time":T,"key":"NaN","value":2}\n{"time":T,"key":2,"value":1}\n{"time":T,"key":"-Infinity","value":1}\n{"time":T,"key":3,"value":1}\n',
    );
    expect(r.stderr).toBe([
      'dstream: --format json: output record 1 has a key that does not survive being read back: NaN is written as the string "NaN" (JSON has no NaN): it reads back as that string (said once)',
      'dstream: --format json: output record 2 has a key that does not survive being read back: the BigInt 2n is written as the number 2: it reads back as the number, another key (said once)',
      'dstream: --format json: output record 3 has a key that does not survive being read back: -Infinity is written as the string "-Infinity" (JSON has no -Infinity): it reads back as that string (said once)',
      '',
    ].join('\n'));
  });

  it('a checkpoint keeps undefined, NaN and small BigInt keys exactly: a second run adds to the same keys', async () => {
    const ck = `${dir()}/ck`;
    const args = ['--once', '--checkpoint', ck, '--map', 'l => [l === "u" ? undefined : l === "n" ? NaN : 7n, 1]', '--update-state-by-key', '(vs, s) => (s || 0) + vs.length', '--format', 'text'];
    const first = await runCli(args, 'u\nn\nb\n');
    expect(first.code).toBe(0);
    const second = await runCli(args, 'u\nn\nb\n');
    expect(second.code).toBe(0);
    expect(second.stdout.split('\n').filter((l) => l.startsWith('('))).toEqual(['(NaN,2)', '(7,2)', '(undefined,2)']);
  });
});

describe('object keys grouped by their JSON text', () => {
  it('names what inside an object key makes its text another key\'s', () => {
    expect(keyLoss([NaN, 1])).toBe('NaN inside it is null in JSON');
    expect(keyLoss([-Infinity])).toBe('-Infinity inside it is null in JSON');
    expect(keyLoss({ x: undefined })).toBe('a field that is undefined is left out of JSON ({"x": undefined} is {})');
    expect(keyLoss([undefined])).toBe('undefined inside it is null in JSON');
    expect(keyLoss([[10n]])).toBe('the BigInt 10n inside it is the number 10 in JSON');
    // A Set or Map is grouped by its elements or entries (core/json.ts stringifyCollections): only what is inside them can lose.
    expect(keyLoss({ s: new Set([1]) })).toBeUndefined();
    expect(keyLoss({ s: new Set([NaN]) })).toBe('NaN inside it is null in JSON');
    expect(keyLoss(new Map([['a', undefined]]))).toBe('undefined inside it is null in JSON');
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    expect(keyLoss(cyclic)).toBe('it holds itself (a cycle), which JSON cannot write: its text is that of every such key');
    expect([keyLoss([null, 1]), keyLoss({ a: [1, 'x', 2n ** 60n] }), keyLoss([new Date(0)])]).toEqual([undefined, undefined, undefined]);
    expect(keyLoss({ toJSON() { throw new Error('boom'); } })).toBe('its toJSON throws (Error: boom), so JSON cannot write it: its text is that of every such key');
    expect(keyLoss([{ toJSON() { throw 7; } }])).toBe('a toJSON inside it throws (7), so JSON cannot write it: its text is that of every such key');
    expect([keyLoss({ toJSON: () => 'q' }), keyLoss(new Date(0))]).toEqual([undefined, undefined]);
  });

  it('--count-by-value: [NaN, 1] and [null, 1] are one key, and stderr says so once, in every format', async () => {
    for (const format of ['text', 'json', 'tsv']) {
      const r = await runCli(['--once', '--batch', '1h', '--map', 'l => l === "a" ? [NaN, 1] : [null, 1]', '--count-by-value', '--format', format], 'a\nb\na\n');
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('dstream: output record 1 has a key grouped by its JSON text, which other keys share: NaN inside it is null in JSON, so such keys are counted as one (said once)\n');
    }
  });
});
