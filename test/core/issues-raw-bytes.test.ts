import { describe, expect, it } from 'vitest';
import { IssueLog, type Issue } from '../../src/core/issues.js';

describe('IssueLog: the bytes of a line with invalid UTF-8 (Issue.rawBytes)', () => {
  it('go with the issues of that line only, not of the lines after it', () => {
    const log = new IssueLog();
    const seen: Issue[] = [];
    log.listen((i) => seen.push(i));
    const bytes = Uint8Array.from([0x61, 0xff]);
    log.invalidUtf8('stdin', 'a\uFFFD', bytes);
    log.current = 'a\uFFFD';
    log.userError('--map #1', 'a\uFFFD', new Error('x'));
    log.userError('--map #2', 1, new Error('y'));
    log.current = 'next';
    log.userError('--map #1', 'next', new Error('x'));
    log.current = 'a\uFFFD'; // the same text again, but valid UTF-8 this time
    log.userError('--map #1', 'a\uFFFD', new Error('x'));
    expect(seen.map((i) => [i.kind, i.raw, i.rawBytes])).toEqual([
      ['invalid-utf8', 'a\uFFFD', undefined],
      ['user-error', 'a\uFFFD', bytes],
      ['user-error', 'a\uFFFD', bytes],
      ['user-error', 'next', undefined],
      ['user-error', 'a\uFFFD', undefined],
    ]);
  });

  it('are not given to a record that is not the line (a receiver that reads something else next)', () => {
    const log = new IssueLog();
    const seen: Issue[] = [];
    log.listen((i) => seen.push(i));
    log.invalidUtf8('stdin', 'a\uFFFD', Uint8Array.from([0x61, 0xff]));
    log.current = 'other';
    log.userError('--map #1', 'other', new Error('x'));
    expect(seen[1]!.rawBytes).toBeUndefined();
  });
});
