/**
 * The progress bar for stdin redirected from a file, in a real terminal (tmux): bytes read of the
 * total, rate and time left while reading; 100 % at the end with the warnings above it; nothing
 * on a pipe or in CI. The test waits for screen content (polling capture-pane), never a guessed time.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT, runCli } from '../helpers/run-cli.js';
import { fileAppears } from '../helpers/wait.js';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
// Each tmux session runs on a server of its own (-L session): test files run in parallel, and a
// server starting while another one on the same socket shuts down makes new-session fail.
const APACHE = `${ROOT}/data/elastic-examples/apache_logs`;
const JOB = `--parse combined --map 'r => r.status' --count-by-value --format tsv`;
const BAR = /^[█░]{24} +\d+% · [\d.]+ [KM]?B of 2\.3 MB · [\d.]+ [KM]?B\/s · \S+ left$/;

/** Polls the pane until `match` holds for its text (the event is the screen content). */
async function screen(session: string, match: (text: string) => boolean, timeoutMs = 30_000): Promise<string> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const text = spawnSync('tmux', ['-L', session, 'capture-pane', '-p', '-t', session]).stdout.toString();
    if (match(text)) return text;
    if (Date.now() > until) throw new Error(`screen never matched; last:\n${text}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The pane's non-empty lines, wrapped lines joined. */
const pane = (session: string) => spawnSync('tmux', ['-L', session, 'capture-pane', '-p', '-J', '-t', session]).stdout.toString().split('\n').map((l) => l.trimEnd()).filter(Boolean);

function tmuxRun(command: string, dir: string, session: string): string {
  const done = join(dir, 'done');
  // CI is unset: the bar is for a person at a terminal, and this test may itself run under CI=true.
  writeFileSync(join(dir, 'run.sh'), `cd ${ROOT}\nexport LANG=C.UTF-8\nunset CI\n${command}\necho exit=$? > ${done}.part && mv ${done}.part ${done}\nsleep 60\n`);
  expect(spawnSync('tmux', ['-L', session, 'new-session', '-d', '-s', session, '-x', '110', '-y', '12', `bash ${join(dir, 'run.sh')}`]).status).toBe(0);
  return done;
}

describe.skipIf(!hasTmux)('progress bar on a terminal (tmux)', () => {
  it('while reading: bytes of total, rate, time left; at the end 100 % below the warning, output intact', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dstream-bar-'));
    const session = `dstream-bar-${process.pid}`;
    const done = tmuxRun(`node ${BIN} --max-rate 4000 ${JOB} < ${APACHE} > ${dir}/out.tsv`, dir, session);
    try {
      const during = await screen(session, (t) => t.split('\n').some((l) => BAR.test(l) && !l.includes(' 100% ')));
      expect(during.split('\n').filter((l) => BAR.test(l))).toHaveLength(1);
      await fileAppears(done);
      // -J joins wrapped lines: the warning, longer than the terminal is wide, wraps whole (line wrapping stays on).
      const end = pane(session);
      expect(end[0]).toMatch(/^dstream: --parse combined: repaired record: .* input "46\.118\.127\.106 - - \[20\/May\/2015:12:05:17 \+0000\] \\"GET \/scripts\/grok-py-test\/configlib\.py/);
      expect(end[1]).toMatch(/^█{24} 100% · 2\.3 MB of 2\.3 MB · [\d.]+ [KM]?B\/s · 0s left$/);
      expect(end.slice(2)).toEqual(['dstream: 1 line repaired by --parse (kept)']);
      expect(readFileSync(done, 'utf8')).toBe('exit=0\n');
      const direct = await runCli(['--parse', 'combined', '--map', 'r => r.status', '--count-by-value', '--format', 'tsv'], { file: APACHE });
      // --max-rate spreads the input over several batches: the counts per batch add up to the whole file's.
      const sum = (tsv: string) => {
        const m = new Map<string, number>();
        for (const [k, v] of tsv.trim().split('\n').map((l) => l.split('\t'))) m.set(k!, (m.get(k!) ?? 0) + Number(v));
        return Object.fromEntries([...m].sort());
      };
      expect(sum(readFileSync(`${dir}/out.tsv`, 'utf8'))).toEqual(sum(direct.stdout));
    } finally {
      spawnSync('tmux', ['-L', session, 'kill-session', '-t', session]);
    }
  });

  it('block reads of a regular file (no --max-rate) end at 100 % too; CI=1 shows no bar', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dstream-bar-'));
    const session = `dstream-bar2-${process.pid}`;
    const done = tmuxRun(`node ${BIN} ${JOB} < ${APACHE} > /dev/null; CI=1 node ${BIN} --count --format tsv < ${APACHE}`, dir, session);
    try {
      await fileAppears(done);
      const end = pane(session);
      expect(end[1]).toMatch(/^█{24} 100% · 2\.3 MB of 2\.3 MB · /);
      // Then the CI=1 run: only its counts (one per batch the file was read in), no bar.
      expect(end[2]).toBe('dstream: 1 line repaired by --parse (kept)');
      const counts = end.slice(3);
      expect(counts.every((l) => /^\d+$/.test(l)), end.join('\n')).toBe(true);
      expect(counts.map(Number).reduce((a, b) => a + b, 0)).toBe(10_000);
    } finally {
      spawnSync('tmux', ['-L', session, 'kill-session', '-t', session]);
    }
  });
});

describe.skipIf(!hasTmux)('progress bar for watched directories under --once (tmux)', () => {
  it('the bytes of the files present, counted as their lines are read, end at 100 %', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dstream-bar-'));
    const watched = mkdtempSync(join(tmpdir(), 'dstream-watched-'));
    writeFileSync(join(watched, 'a.log'), readFileSync(APACHE));
    writeFileSync(join(watched, 'b.log'), readFileSync(`${ROOT}/data/elastic-examples/auth.log`));
    writeFileSync(join(watched, '.hidden'), 'not read, not counted\n');
    const session = `dstream-bar3-${process.pid}`;
    const done = tmuxRun(`node ${BIN} --once --settle 0 --watch ${watched} --max-rate 8000 --count --format tsv > ${dir}/out.tsv`, dir, session);
    try {
      await screen(session, (t) => /^[█░]{24} +\d+% · [\d.]+ [KM]?B of 3 MB · /m.test(t) && !t.includes(' 100% '));
      await fileAppears(done);
      const end = pane(session);
      expect(end).toEqual([expect.stringMatching(/^█{24} 100% · 3 MB of 3 MB · [\d.]+ [KM]?B\/s · 0s left$/)]);
      const counts = readFileSync(`${dir}/out.tsv`, 'utf8').trim().split('\n').map(Number);
      expect(counts.reduce((a, b) => a + b, 0)).toBe(10_000 + 7_121);
    } finally {
      spawnSync('tmux', ['-L', session, 'kill-session', '-t', session]);
    }
  });
});

describe('no progress bar on a pipe', () => {
  it('stderr carries only the warning and the summary', async () => {
    const r = await runCli(['--parse', 'combined', '--count', '--format', 'tsv'], { file: APACHE });
    expect(r.stderr.split('\n').filter(Boolean).map((l) => l.slice(0, 40))).toEqual([
      'dstream: --parse combined: repaired reco', 'dstream: 1 line repaired by --parse (kep',
    ]);
  });
});
