/**
 * `--help` is wrapped at the terminal width on word boundaries: rendered by the built binary at
 * 60, 80 and 120 columns, no line is wider, no word is cut, and each example is one block that a
 * shell reads back as the exact command.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exampleBlock, helpWidth, shellUnits, wrapWords } from '../../src/cli/help.js';
import { BIN, ROOT } from '../helpers/run-cli.js';
import { fileAppears } from '../helpers/wait.js';

function help(columns: number, args = ['--help']): string {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', COLUMNS: String(columns) } });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

/** The words of a help text, with example line continuations (` \` at a line end) removed. */
const words = (text: string) => text.replace(/ \\\n/g, '\n').split(/\s+/).filter(Boolean);

describe('--help wrapped at the terminal width', () => {
  const unwrapped = help(100_000);

  it.each([60, 80, 120])('at %i columns: no line wider, no word split, same words as unwrapped', (columns) => {
    const text = help(columns);
    const wide = text.split('\n').filter((l) => [...l].length > columns);
    expect(wide).toEqual([]);
    expect(words(text)).toEqual(words(unwrapped));
    // The option table keeps its shape: a flag starts a line after 6 spaces (or "  -h, ").
    expect(text).toMatch(/^ {6}--count-by-value {2}/m);
    expect(text).toMatch(/^ {2}-h, --help/m);
  });

  it('each example is a comment line and a command that reads back exactly as written', () => {
    const text = help(60);
    const examples = text.split('\nExamples:\n')[1]!.split('\n\n').slice(0, 3);
    expect(examples).toHaveLength(3);
    const first = examples[0]!.split('\n');
    expect(first[0]).toBe('  # top 10 status codes over the last hour, every minute');
    expect(first.slice(1).join('\n').replace(/ \\\n +/g, ' ').trim())
      .toBe(`tail -F access.log | dstream --map 'l => l.split(" ")[8]' --count-by-value --window 3600 --slide 60 --top 10`);
  });

  it('80 columns when the width is unknown; the terminal\'s columns on a terminal', () => {
    expect(helpWidth({ isTTY: false }, {})).toBe(80);
    expect(helpWidth({ isTTY: false }, { COLUMNS: 'wide' })).toBe(80);
    expect(helpWidth({ isTTY: false }, { COLUMNS: '132' })).toBe(132);
    expect(helpWidth({ isTTY: true, columns: 61 }, { COLUMNS: '132' })).toBe(61);
  });
});

describe('wrapping pieces', () => {
  it('wrapWords packs words greedily and keeps a long word whole', () => {
    expect(wrapWords('aa bb cc dd', 7, 2, '')).toEqual(['aa bb', '  cc dd']);
    expect(wrapWords('a verylongword b', 6, 0)).toEqual(['a', 'verylongword', 'b']);
  });

  it('shellUnits never breaks inside quotes and keeps a flag with its value', () => {
    expect(shellUnits(`dstream --map 'l => l.split(" ")[8]' --count --window 5m < a.log | head -1`))
      .toEqual(['dstream', `--map 'l => l.split(" ")[8]'`, '--count', '--window 5m', '< a.log', '|', 'head', '-1']);
  });

  it('exampleBlock breaks with backslash continuations within the width', () => {
    expect(exampleBlock('dstream --map JSON.parse --count-by-value --window 10m', 'counts', 30)).toEqual([
      '  # counts', '  dstream --map JSON.parse \\', '      --count-by-value \\', '      --window 10m',
    ]);
  });
});

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
// Each tmux session runs on a server of its own (-L session): test files run in parallel, and a
// server starting while another one on the same socket shuts down makes new-session fail.

describe.skipIf(!hasTmux)('--help on a real terminal (tmux, 70 columns)', () => {
  it('takes the terminal\'s width: nothing wraps at the margin, no word is split', async () => {
    const done = join(mkdtempSync(join(tmpdir(), 'dstream-help-')), 'done');
    const session = `dstream-help-${process.pid}`;
    // COLUMNS=200 in the environment must not win over the terminal's own width.
    const cmd = `cd ${ROOT}; COLUMNS=200 NO_COLOR=1 node ${BIN} --help; touch ${done}; sleep 60`;
    expect(spawnSync('tmux', ['-L', session, 'new-session', '-d', '-s', session, '-x', '70', '-y', '20', cmd]).status).toBe(0);
    try {
      await fileAppears(done);
      const screen = spawnSync('tmux', ['-L', session, 'capture-pane', '-p', '-S', '-', '-t', session]).stdout.toString().trimEnd();
      // Laid out for 70 columns: had it been wider, the terminal would have cut words at the margin.
      expect(words(screen)).toEqual(words(help(100_000)));
      expect(Math.max(...screen.split('\n').map((l) => [...l.trimEnd()].length))).toBe(70);
    } finally {
      spawnSync('tmux', ['-L', session, 'kill-session', '-t', session]);
    }
  });
});
