/**
 * `--workers` with one slow part: the other thread takes the rest of it (engine/segments.ts), and
 * the answer is still the one-thread answer byte for byte — keys in first-seen order, record
 * numbers of the first errors. The first 2,000 lines sleep 1 ms each in the map, so the main
 * thread's part is slow whatever the load (a sleep, not CPU). Which thread reads what depends on
 * the scheduler; the output must not.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runWithStdinFile } from '../helpers/run-file.js';

const dir = mkdtempSync(join(tmpdir(), 'dstream-workers-steal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('--workers: a slow part is shared', () => {
  it('gives the one-thread stdout, stderr and exit code', async () => {
    const file = join(dir, 'in.txt');
    // ~16 MiB; keys whose first appearance moves through the file; every 7,919th line is bad (throws).
    const lines: string[] = [];
    for (let i = 0; lines.length * 100 < 16 * 1024 * 1024; i++) lines.push(`${i < 2000 ? 'slow' : 'fast'} k${Math.floor(i / 997) % 211}-${i % 5} ${i % 7919 === 7918 ? 'bad' : 'ok'}`.padEnd(99, '.'));
    writeFileSync(file, lines.join('\n') + '\n');
    const args = ['--map', 'l => { if (l.startsWith("slow")) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1); if (field(l, 3).startsWith("bad")) throw new Error("bad line"); return field(l, 2) }',
      '--count-by-value', '--format', 'tsv'];
    const one = await runWithStdinFile(['--workers', '1', ...args], file);
    expect(one.stdout.split('\n').length).toBeGreaterThan(500);
    expect(one.stderr).toContain('bad line');
    for (const workers of ['2', '3']) {
      const many = await runWithStdinFile(['--workers', workers, ...args], file);
      expect(many.stdout).toBe(one.stdout);
      expect(many.stderr).toBe(one.stderr);
      expect(many.code).toBe(one.code);
    }
  });
});
