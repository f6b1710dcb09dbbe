/**
 * A regular file on stdin under a checkpoint that is still being written: a
 * last line without a newline is left for the next run (the offset stays
 * before it), so cron runs over a growing file equal one run over the final file.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runWithStdinFile } from '../helpers/run-file.js';

describe('a growing file on stdin with --once --checkpoint', () => {
  it('does not consume a cut last line; the next run reads it whole', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dstream-partial-'));
    const log = join(dir, 'log');
    const job = ['--once', '--checkpoint', join(dir, 'ck'), '--count-by-value', '--format', 'tsv'];
    writeFileSync(log, 'apple\nbana');
    const first = await runWithStdinFile(job, log);
    expect([first.code, first.stdout]).toEqual([0, 'apple\t1\n']);
    expect(first.stderr).toContain('dstream: stdin: the last 4 bytes have no newline yet: left for the next run');
    writeFileSync(log, 'apple\nbanana\ncherry\n'); // the same file, grown (written in place)
    const second = await runWithStdinFile(job, log);
    expect([second.code, second.stdout]).toEqual([0, 'banana\t1\ncherry\t1\n']);
    const once = await runWithStdinFile(['--count-by-value', '--format', 'tsv'], log);
    expect(once.stdout).toBe('apple\t1\nbanana\t1\ncherry\t1\n');
  });
});
