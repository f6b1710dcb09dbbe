/**
 * On a terminal nobody sized (a pty of 0 rows and 0 columns, as `script -c`
 * makes in a job without a terminal), the spinner and the live table are left
 * out: the spinner's line erasing never ended there (hundreds of MB of escape
 * codes, no exit) and the live table was cut to nothing.
 */
import { spawn, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BIN } from '../helpers/run-cli.js';

const hasScript = spawnSync('script', ['--version']).status === 0;
if (!hasScript) console.warn('skipping test/e2e/unsized-pty.test.ts: script(1) is not installed');

/** Runs `shell` under script(1) on a new pty; resolves with everything the pty received and the exit code. */
function onPty(shell: string): Promise<{ out: string; code: number | null }> {
  return new Promise((resolve) => {
    const p = spawn('script', ['-qec', shell, '/dev/null'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: '', TERM: 'xterm-256color' } });
    let out = '';
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.length > 1 << 20) p.kill('SIGKILL'); // the old flood: stop it, the assertion says why
    });
    p.on('close', (code) => resolve({ out, code }));
  });
}

describe.skipIf(!hasScript)('an unsized terminal', () => {
  const cmd = `printf '200\\n404\\n200\\n' | ${process.execPath} ${BIN} --count-by-value`;
  it('--format tsv: the rows, no spinner, exit 0', async () => {
    const r = await onPty(`${cmd} --format tsv`);
    expect(r.out.replace(/\r/g, '')).toBe('200\t2\n404\t1\n');
    expect(r.code).toBe(0);
  }, 60_000);
  it("no --format: Spark's print() frame instead of a live table", async () => {
    const r = await onPty(cmd);
    expect(r.out.replace(/\r/g, '')).toMatch(/^-+\nTime: \d+ ms\n-+\n\(200,2\)\n\(404,1\)\n\n$/);
    expect(r.code).toBe(0);
  }, 60_000);
});
