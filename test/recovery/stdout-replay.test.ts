/**
 * stdout is at least once, never "again from the start": when recovery re-runs
 * batches that were committed before (after a lost or damaged snapshot), their
 * rows are not printed a second time.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';

describe('recovery re-runs committed batches without printing them again', () => {
  it('a watched directory, stdout, the snapshots lost: the next run prints only what is new', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dstream-stdout-replay-'));
    const input = join(dir, 'in');
    const ck = join(dir, 'ck');
    mkdirSync(input);
    for (const [i, n] of [[1, 10], [2, 20], [3, 30]] as const) writeFileSync(join(input, `f${i}.log`), 'x\n'.repeat(n));
    const job = ['--watch', input, '--once', '--settle', '0', '--max-files-per-batch', '1', '--checkpoint', ck, '--count', '--format', 'tsv'];
    const first = await runCli(job);
    expect([first.code, first.stdout]).toEqual([0, '10\n20\n30\n']);
    for (const f of readdirSync(join(ck, 'state'))) rmSync(join(ck, 'state', f)); // every snapshot lost
    writeFileSync(join(input, 'f4.log'), 'x\n'.repeat(40));
    const second = await runCli(job);
    expect(second.code).toBe(0);
    // (--count also counts the empty batch that ends the run after a replay: 0)
    expect(second.stdout.split('\n').filter(Boolean).filter((l) => l !== '0')).toEqual(['40']);
  });
});
