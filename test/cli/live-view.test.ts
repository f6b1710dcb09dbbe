/**
 * The live table (src/cli/live-view.ts): order by value with ranks only then, ASCII glyphs when
 * the terminal is not UTF-8, and stderr lines printed above the table.
 */
import { describe, expect, it } from 'vitest';
import { Chalk } from 'chalk';
import { LiveView } from '../../src/cli/live-view.js';
import { unicodeTerminal } from '../../src/cli/terminal.js';

function fakeTty(columns = 40) {
  const writes: string[] = [];
  const stream = { columns, rows: 10, isTTY: true, write: (s: string) => (writes.push(s), true), on: () => stream, off: () => stream };
  return { stream: stream as unknown as NodeJS.WriteStream, writes };
}

const view = (unicode: boolean) => new LiveView({ stream: fakeTty(80).stream, chalk: new Chalk({ level: 0 }), unicode });
const batch = (index: number, final = false) => ({ timeMs: index * 1000, index, final }) as never;

describe('live table order', () => {
  it('numeric values: largest first, ties by key, numbered by rank', () => {
    const text = view(true).render(0, [['b', 2], ['c', 9], ['a', 2], ['d', 1]], null).split('\n').slice(1);
    expect(text.map((l) => l.replace(/\s+/g, ' ').trim())).toEqual(['1 c 9 +', '2 a 2 +', '3 b 2 +', '4 d 1 +']);
  });

  it('values that are not numbers: input order, no rank column', () => {
    const text = view(true).render(0, [['b', 'x'], ['a', [1, 2]]], null).split('\n').slice(1);
    expect(text.map((l) => l.replace(/\s+/g, ' ').trim())).toEqual(['b x +', 'a [1,2] +']);
    expect(text[0]!.startsWith('b ')).toBe(true);
  });
});

describe('glyphs', () => {
  it('UTF-8 arrows and dot; ASCII ^ v - ... elsewhere', () => {
    const u = view(true);
    u.render(0, [['a', 1], ['b', 5]], null);
    expect(u.render(0, [['a', 3], ['b', 4]], null)).toMatch(/^batch .*  ·  2 rows\n1 +b +4 ↓\n2 +a +3 ↑$/);
    const a = view(false);
    a.render(0, [['a', 1], ['b', 5]], null);
    const ascii = a.render(0, [['a', 3], ['b', 4], ['c'.repeat(100), 1]], null);
    expect(ascii).toMatch(/^batch .*  -  3 rows\n1 +b +4 v\n2 +a +3 \^\n3 +c+\.\.\. +1 \+$/);
    expect(/[^\x00-\x7f]/.test(ascii)).toBe(false);
  });

  it('unicodeTerminal reads the locale', () => {
    expect(unicodeTerminal({ LANG: 'en_US.UTF-8' })).toBe(true);
    expect(unicodeTerminal({ LC_ALL: 'C', LANG: 'en_US.UTF-8' })).toBe(false);
    expect(unicodeTerminal({ LC_CTYPE: 'C.utf8' })).toBe(true);
    expect(unicodeTerminal({})).toBe(false);
    expect(unicodeTerminal({ LANG: 'C.UTF-8', TERM: 'linux' })).toBe(false);
  });
});

describe('stderr lines above the table', () => {
  it('a line written to stderr clears the table, is written, and the table is drawn again; close restores stderr', () => {
    const out = fakeTty();
    const err = fakeTty();
    const original = err.stream.write;
    const v = new LiveView({ stream: out.stream, stderr: err.stream, chalk: new Chalk({ level: 0 }), unicode: true });
    v.record(['a', 1]);
    v.endBatch(batch(1));
    const drawn = out.writes.length;
    err.stream.write('dstream: warning\n');
    expect(err.writes).toEqual(['dstream: warning\n']);
    const after = out.writes.slice(drawn).join('');
    expect(after).toContain('\u001b[2K'); // erased
    expect(after).toMatch(/a +1 \+/); // drawn again
    v.endBatch(batch(2, true));
    v.close();
    expect(err.stream.write).toBe(original);
    const n = out.writes.length;
    err.stream.write('dstream: summary\n');
    expect(out.writes.length).toBe(n);
  });
});
