/** A size that is not a whole number of bytes is refused: `bytes` rounds `1.9b` down to 1 (breaker, stop 27). */
import { describe, expect, it } from 'vitest';
import { parseByteSize } from '../../src/core/count.js';

describe('parseByteSize: whole bytes only', () => {
  it.each(['1.9b', '2.5b', '1.1kb', '0.3KB'])('refuses %s', (s) => {
    expect(() => parseByteSize(s, '--max-line-bytes')).toThrow(`--max-line-bytes: '${s}' is not a positive size (bytes, or with a unit: 64KB, 16MB)`);
  });
  it.each([['1.5kb', 1536], ['64KB', 65536], ['16MB', 16777216], ['2b', 2], ['0.5kb', 512], ['65536', 65536]] as const)('takes %s as %d bytes', (s, n) => {
    expect(parseByteSize(s, '--max-line-bytes')).toBe(n);
  });
});
