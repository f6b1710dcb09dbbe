import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseByteSize, parseCount } from '../../src/core/count.js';

describe('parseCount: a flag\'s whole number, in decimal digits, at most 2^53 − 1', () => {
  it('reads digits and refuses everything else with one message naming the flag and the value', () => {
    expect(parseCount('10', '--top')).toBe(10);
    expect(parseCount('007', '--top')).toBe(7);
    expect(parseCount('0', '--print', 0)).toBe(0);
    expect(parseCount('9007199254740991', '--top')).toBe(9007199254740991);
    for (const bad of ['1e3', '0x10', '1.5', '-1', ' 5', '5 ', '', '1_000', 'Infinity', '0']) {
      expect(() => parseCount(bad, '--top')).toThrow(`--top: '${bad}' is not a positive integer`);
    }
    expect(() => parseCount(5, '--top')).toThrow("--top: '5' is not a positive integer"); // not text: not from a command line
    expect(() => parseCount('-1', '--print', 0)).toThrow("--print: '-1' is not a non-negative integer");
    expect(() => parseCount('9007199254740992', '--top')).toThrow("--top: '9007199254740992' is too large: at most 9007199254740991");
    expect(() => parseCount('65536', '--metrics-port', 0, 65535)).toThrow("--metrics-port: '65536' is not a whole number from 0 to 65535");
  });

  it('agrees with a naive reference on any string', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[0-9]{1,20}$/)), (s) => {
      const ok = /^[0-9]+$/.test(s) && BigInt(s) >= 1n && BigInt(s) <= BigInt(Number.MAX_SAFE_INTEGER);
      if (ok) expect(parseCount(s, '--x')).toBe(Number(BigInt(s)));
      else expect(() => parseCount(s, '--x')).toThrow(/^--x: '/);
    }));
  });
});

describe('parseByteSize', () => {
  it('reads bytes or a size with a unit; refuses what bytes.parse would cut short', () => {
    expect(parseByteSize('65536', '--max-line-bytes')).toBe(65536);
    expect(parseByteSize('64KB', '--max-line-bytes')).toBe(65536);
    expect(parseByteSize('16mb', '--max-line-bytes')).toBe(16777216);
    for (const bad of ['1e3', '12abc', '0', '0kb', '1.5', 'kb', '-1kb']) {
      expect(() => parseByteSize(bad, '--max-line-bytes')).toThrow(`--max-line-bytes: '${bad}' is not a positive size (bytes, or with a unit: 64KB, 16MB)`);
    }
    expect(() => parseByteSize('99999999999999999999', '--max-line-bytes')).toThrow('is too large: at most 9007199254740991');
  });
});
