/** `JSON` inside user functions and `core/json.ts`: integers beyond 2^53 − 1 exact, as BigInt. */
import { describe, expect, it } from 'vitest';
import { parseExact, stringifyExact } from '../../src/core/json.js';
import { compileFunction } from '../../src/plan/compile-fn.js';

describe('exact JSON', () => {
  it('JSON.parse in a user function keeps 2^53 + 1 apart from 2^53', () => {
    const id = compileFunction('l => JSON.parse(l).id', '--map');
    expect(id('{"id":9007199254740993}')).toBe(9007199254740993n);
    expect(id('{"id":9007199254740992}')).toBe(9007199254740992n);
    expect(id('{"id":9007199254740991}')).toBe(9007199254740991);
    expect(compileFunction('JSON.parse', '--map')('[1.5, -18446744073709551615, 1e400, "12345678901234567890"]')).toEqual([1.5, -18446744073709551615n, Infinity, '12345678901234567890']);
  });

  it('behaves as JSON.parse otherwise: duplicate keys (last wins), __proto__ as an own key, reviver, errors', () => {
    const big = '{"a":1,"a":12345678901234567890,"__proto__":{"x":1}}';
    const v = parseExact(big) as Record<string, unknown>;
    expect(v.a).toBe(12345678901234567890n);
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.hasOwn(v, '__proto__')).toBe(true);
    expect(parseExact('{"n":99999999999999999999,"m":2}', (k, x) => (k === 'm' ? 3 : x))).toEqual({ n: 99999999999999999999n, m: 3 });
    expect(() => parseExact('{"a":')).toThrow(SyntaxError);
  });

  it('stringifyExact writes BigInts as JSON numbers, at any depth', () => {
    expect(stringifyExact({ id: 9007199254740993n, l: [1n, 'x'] })).toBe('{"id":9007199254740993,"l":[1,"x"]}');
    expect(stringifyExact(9007199254740993n)).toBe('9007199254740993');
    expect(compileFunction('t => JSON.stringify(t)', '--map')({ id: 9007199254740993n })).toBe('{"id":9007199254740993}');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => stringifyExact(cyclic)).toThrow(TypeError);
  });
});
