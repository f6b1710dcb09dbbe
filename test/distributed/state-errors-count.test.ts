/**
 * A throwing `--update-state-by-key` function on a distributed worker is counted per record it was
 * given, as locally (one skipped record per value of the key's batch, not one per call), and since
 * stage 2 holds the values but not the input lines, a worker with `--dead-letter` says once on
 * stderr that those records are not written there (never a silently empty dead letter).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { publishFile, runDstream } from './procs.js';
import { redisAvailable } from './redis-harness.js';
import { redisPerSuite } from '../helpers/servers.js';
import { tempDirs } from '../helpers/temp-dir.js';

// Key a has 3 values in the one batch: the function throws for it; b (2 values) is kept.
const JOB = ['--map', 'l => [l.split(" ")[0], 1]', '--update-state-by-key', '(vs, s) => { if (vs.length === 3) throw new Error("three"); return (s || 0) + vs.length }'];
const INPUT = 'a 1\nb 2\na 3\nb 4\na 5\n';

describe.skipIf(!redisAvailable())('distributed --update-state-by-key: a throwing function', () => {
  const server = redisPerSuite();
  const tempDir = tempDirs('dstream-state-errors-');

  it('counts one skipped record per value given, as locally, and says the dead letter does not get them', async () => {
    const redis = server();
    const dir = tempDir();
    const file = join(dir, 'in.txt');
    writeFileSync(file, INPUT);
    const local = await runDstream([...JOB, '--format', 'tsv'], { input: INPUT });
    expect(local.stderr).toMatch(/3 records skipped/);
    await publishFile(redis.url('in'), 2, file);
    const dead = join(dir, 'dead.txt');
    const w = await runDstream(['--from', redis.url('in', 'j'), ...JOB, '--dead-letter', dead, '--to', redis.url('out')]);
    expect(w.code, w.stderr).toBe(0);
    expect(w.stderr).toMatch(/dstream: 3 records skipped \(3 by --update-state-by-key/);
    const notes = w.stderr.split('\n').filter((l) => l.startsWith('dstream: --dead-letter: '));
    expect(notes).toEqual([`dstream: --dead-letter: --update-state-by-key runs on the key partitions, which hold the values but not the input lines: the records its function failed on are counted, not written to ${dead}`]);
    expect(readFileSync(dead, 'utf8')).toBe('');
    const cat = await runDstream(['cat', redis.url('out'), '--format', 'tsv']);
    expect(cat.stdout).toBe(local.stdout);
  });
});
