/**
 * A stop signal before the end of a file on stdin, one thread: the answer is over the lines read
 * so far, and stderr says how many bytes of the file that is (as `--workers` does), so a partial
 * count never looks like the whole file's. The user function sends the signal itself at the first
 * line (an event, not a guessed delay); the count printed is checked against the bytes stderr names.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, collectExit, ROOT, type RunResult } from '../helpers/run-cli.js';

// The bundled access log 4 times (9.5 MB): the signal is served at the next poll of the event loop,
// after at most a few 1 MiB blocks, so the stop always comes before the end.
const DIR = mkdtempSync(join(tmpdir(), 'dstream-stop-coverage-'));
const FILE = join(DIR, 'access4.log');
writeFileSync(FILE, readFileSync(join(ROOT, 'data', 'elastic-examples', 'apache_logs')).toString('latin1').repeat(4), 'latin1');
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

/** dstream with `args` and stdin redirected from FILE (a regular file, as `< FILE` in a shell). */
function runOnFile(args: string[]): Promise<RunResult> {
  const fd = openSync(FILE, 'r');
  return new Promise<RunResult>((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: [fd, 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    collectExit(child, resolve, reject);
  }).finally(() => closeSync(fd));
}
const signalAtFirstLine = (sig: string) => `l => { if (!globalThis.__stopSent) { globalThis.__stopSent = 1; process.kill(process.pid, "${sig}") } return l }`;

describe('a stop signal before the end of a file on stdin', () => {
  for (const sig of ['SIGINT', 'SIGTERM']) {
    it(`${sig}: exit 0, the count is of the first N bytes, and stderr says N of the file's size`, async () => {
      const bytes = readFileSync(FILE);
      const r = await runOnFile(['--workers', '1', '--map', signalAtFirstLine(sig), '--count', '--format', 'tsv']);
      expect(r.code, r.stderr).toBe(0);
      const m = /^dstream: stopped before the end of the input: the output covers the first (\d+) of its (\d+) bytes$/m.exec(r.stderr);
      expect(m, r.stderr).not.toBeNull();
      const [read, size] = [Number(m![1]), Number(m![2])];
      expect(size).toBe(bytes.length);
      expect(read).toBeLessThan(size);
      let lines = 0;
      for (let i = 0; i < read; i++) if (bytes[i] === 10) lines++;
      expect(bytes[read - 1]).toBe(10); // whole lines only
      expect(r.stdout).toBe(`${lines}\n`);
    });
  }

  it('read to its end: no such line', async () => {
    const r = await runOnFile(['--workers', '1', '--count', '--format', 'tsv']);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/stopped before the end/);
  });
});
