import { describe, expect, it } from 'vitest';
import { createJsonParser } from '../../src/parsers/json.js';
import { HAS_SHARED, parseAll, readLines, SHARED } from './data.js';

const json = createJsonParser();

describe.skipIf(!HAS_SHARED)('json on real files', () => {
  it('weird.json: 24,202 Zeek events, dotted keys kept as they are', () => {
    const { records, errors } = parseAll(json, readLines(SHARED, 'zed-sample-data/weird.json'));
    expect(errors).toEqual([]);
    expect(records).toHaveLength(24202);
    expect(records[0]).toEqual({
      _path: 'weird', _write_ts: '2018-03-24T17:15:20.600843Z', ts: '2018-03-24T17:15:20.600843Z',
      uid: 'CsPzgh4tp5lHBTnsrf', 'id.orig_h': '10.47.1.152', 'id.orig_p': 49562, 'id.resp_h': '23.217.103.245',
      'id.resp_p': 80, name: 'TCP_ack_underflow_or_misorder', notice: false, peer: 'zeek', source: 'TCP',
    });
  });
  it('nginxplus_json_logs: 500 long nested lines, epoch-ms timestamp', () => {
    const { records, errors } = parseAll(json, readLines(SHARED, 'elastic-examples/nginxplus_json_logs'));
    expect(errors).toEqual([]);
    expect(records).toHaveLength(500);
    expect(records[0]).toMatchObject({
      version: 6, nginx_version: '1.9.4', address: '206.251.255.64', timestamp: 1446249499322,
      connections: { accepted: 8995031, dropped: 0, active: 2, idle: 29 },
      requests: { total: 18853899, current: 2 },
    });
  });
});

describe('json errors', () => {
  const cases: [string, RegExp | string][] = [
    ['[1,2]', 'json: expected an object, got an array'],
    ['"text"', 'json: expected an object, got a string'],
    ['42', 'json: expected an object, got a number'],
    ['true', 'json: expected an object, got a boolean'],
    ['null', 'json: expected an object, got null'],
    ['', 'json: expected an object, got an empty line'],
    ['   ', 'json: expected an object, got an empty line'],
    ['{"a":1', /^json: invalid JSON \(.+\)$/],
    ['{"a":1} x', /^json: invalid JSON \(.+\)$/],
  ];
  it.each(cases)('rejects %j', (line, message) => {
    expect(() => json.parse(line)).toThrow(message);
  });
  it('accepts a trailing CR and a __proto__ key as data', () => {
    const r = json.parse('{"__proto__":{"x":1},"a":2}\r')!;
    expect(Object.keys(r)).toEqual(['__proto__', 'a']);
    expect((r as { x?: number }).x).toBeUndefined();
  });
});
