/**
 * A file whose size says 0 bytes but which holds lines (under /proc) was split among `--workers N`
 * threads as 0 bytes: the count printed 0, exit 0 (breaker, stop 27). It is now read in one thread.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runWithStdinFile } from '../helpers/run-file.js';

const PROC = '/proc/self/status';

describe.skipIf(!existsSync(PROC))('--workers N on a file that reports 0 bytes', () => {
  it('counts what one thread counts', async () => {
    const lines = readFileSync(PROC, 'utf8').split('\n').filter(Boolean).length;
    const job = ['--map', 'l => l.split(":")[0]', '--count-by-value', '--format', 'tsv'];
    const two = await runWithStdinFile(['--workers', '2', '--count', '--format', 'tsv'], PROC);
    expect(two.code).toBe(0);
    // /proc/self/status of the child: its line count is the same for every process of this kernel.
    expect(Number(two.stdout.trim())).toBe(lines);
    expect(two.stderr).toBe('');
    const one = await runWithStdinFile(['--workers', '1', ...job], PROC);
    const three = await runWithStdinFile(['--workers', '3', ...job], PROC);
    expect(three.stdout).toBe(one.stdout);
    expect(one.stdout.split('\n').filter(Boolean).length).toBe(lines);
  });
});
