/**
 * A graceful stop (SIGINT) in worker mode outputs what the parts had read, as one thread outputs
 * what it had read (engine/workers.ts, `WorkersSource.stop`): every part stops at its next 1 MiB
 * block, and stderr says how many bytes the output covers. Lines of exactly 4096 bytes make a block
 * 256 whole lines, so the count is that number of bytes ÷ 4096. A map that sleeps 3 ms per line
 * keeps each part busy for at least 3 s; the signal is sent when the first line has been read
 * (a line on stderr), never after a guessed delay.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, collectExit, type RunResult } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'dstream-workers-stop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const LINE = 4096;
const LINES = 2048;

describe('--workers: SIGINT', () => {
  it('outputs the count of what each part had read, and says how much that is', async () => {
    const file = join(dir, 'in.txt');
    writeFileSync(file, ['first'.padEnd(LINE - 1, '.'), ...Array.from({ length: LINES - 1 }, () => 'x'.repeat(LINE - 1))].join('\n') + '\n');
    const fd = openSync(file, 'r');
    const child = spawn(process.execPath, [BIN, '--workers', '2',
      '--map', 'l => { if (l.startsWith("first")) console.error("reading"); Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 3); return l }', '--count', '--format', 'tsv'],
    { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: [fd, 'pipe', 'pipe'] });
    closeSync(fd);
    const exited = new Promise<RunResult>((resolve, reject) => collectExit(child, resolve, reject));
    child.stderr!.on('data', (d: Buffer) => {
      if (d.toString().includes('reading')) child.kill('SIGINT');
    });
    const r = await exited;
    expect(r.code).toBe(0);
    const m = /^dstream: stopped before the end of the input: the output covers (\d+) of its (\d+) bytes \(what the 2 threads had read, from the start of each part\)$/m.exec(r.stderr);
    expect(m, r.stderr).not.toBeNull();
    const covered = Number(m![1]);
    expect(Number(m![2])).toBe(LINE * LINES);
    expect(r.stdout).toBe(`${covered / LINE}\n`);
    expect(covered).toBeGreaterThan(0);
    expect(covered).toBeLessThan(LINE * LINES);
    expect(r.stderr).toContain('dstream: SIGINT: finishing the current batch (again to abort)\n');
  });
});
