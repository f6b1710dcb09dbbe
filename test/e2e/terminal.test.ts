/**
 * Terminal behaviour: no escape bytes on a pipe across the colour matrix, and
 * in a real pseudo-terminal (tmux) the live table redraws in place without
 * growing the scrollback. The tmux test is skipped when tmux is missing.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT, runCli } from '../helpers/run-cli.js';
import { fileAppears, waitFor } from '../helpers/wait.js';

const ESC = '\u001b';

describe('colour on pipes', () => {
  it.each([{}, { NO_COLOR: '1' }, { TERM: 'dumb' }, { FORCE_COLOR: '0' }])('no escape bytes on stdout or stderr with %o', async (env) => {
    const r = await runCli(['--stats', '--map', 'JSON.parse', '--flat-map', 't => hashtags(t.text)', '--count-by-value', '--top', '3'],
      '{"text":"#a #b"}\nnot json\n', { NO_COLOR: '', ...env } as Record<string, string>);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain(ESC);
    expect(r.stderr).not.toContain(ESC);
    expect(r.stderr).toContain('skipped record');
  });
});

const hasTmux = spawnSync('tmux', ['-V']).status === 0;

describe.skipIf(!hasTmux)('live table in a real terminal (tmux)', () => {
  it('redraws one table in place: the scrollback does not grow', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dstream-tty-'));
    const session = `dstream-test-${process.pid}`;
    const done = join(dir, 'done');
    // Two bursts of input 1.2 s apart: at least two batches redraw the table.
    const script = join(dir, 'run.sh');
    writeFileSync(script, `cd ${ROOT}
(head -2000 data/fivethirtyeight/mayweather_mcgregor_tweets.jsonl; sleep 1.2; tail -n +2001 data/fivethirtyeight/mayweather_mcgregor_tweets.jsonl) | node ${BIN} --map JSON.parse --flat-map 't => hashtags(t.text)' --count-by-value --window 10 --top 5
echo exit=$? > ${done}
echo '<dstream exited>'
sleep 30
`);
    expect(spawnSync('tmux', ['new-session', '-d', '-s', session, '-x', '90', '-y', '20', `bash ${script}`]).status).toBe(0);
    try {
      await fileAppears(done); // the shell writes it when dstream has exited
      // tmux renders the terminal's output in order: once the line after dstream shows, all of dstream's output is drawn.
      const capture = () => spawnSync('tmux', ['capture-pane', '-p', '-t', session]).stdout.toString();
      const pane = (await waitFor('the pane to show the end of dstream', () => {
        const p = capture();
        return p.includes('<dstream exited>') ? p : '';
      }, 30_000))
        .split('\n').filter((l) => !l.includes('<dstream exited>')).join('\n');
      const history = Number(spawnSync('tmux', ['display-message', '-p', '-t', session, '#{history_size}']).stdout.toString().trim());
      const lines = pane.split('\n').filter((l) => l.trim() !== '');
      expect(lines[0]).toMatch(/^window \[.*\)  ·  5 rows$/);
      expect(lines.slice(1, 6).map((l) => l.replace(/\s+/g, ' ').trim())).toEqual([
        '1 #mayweathervmcgregor 4593', '2 #mcgregor 2459', '3 #mayweather 1966', '4 #mayweathermcgregor 1438', '5 #mayweathervsmcgregor 1244',
      ].map((l, i) => expect.stringMatching(new RegExp(`^${l.replace(/[#]/g, '\\#')}( [+↑↓])?$`))) as unknown as string[]);
      expect(pane.split('\n').filter((l) => l.startsWith('window [')).length).toBe(1);
      expect(history).toBe(0);
    } finally {
      spawnSync('tmux', ['kill-session', '-t', session]);
    }
  });
});
