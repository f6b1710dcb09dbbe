/**
 * `--max-records-per-batch N` on a file: every batch holds N records (the last one the rest),
 * wherever the batch ends fall in the reader's blocks and decode pieces (64 KiB). A full batch
 * that ended exactly at a piece end once let one more line into the next piece's batch, and the
 * batch after held 1 record: `1024 1 1024 1 …` instead of `1024 1024 …`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { runWithStdinFile } from '../helpers/run-file.js';

const dir = mkdtempSync(join(tmpdir(), 'dstream-batch-cut-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `lines` lines of `width` bytes each (newline included), numbered. */
function file(name: string, lines: number, width: number): string {
  const path = join(dir, name);
  let text = '';
  for (let i = 0; i < lines; i++) text += `${String(i).padStart(width - 1, '0')}\n`;
  writeFileSync(path, text);
  return path;
}

/** The batch sizes a naive cut gives: N, N, …, the rest. */
function naive(lines: number, n: number): string {
  const out: number[] = [];
  for (let left = lines; left > 0; left -= n) out.push(Math.min(n, left));
  return out.map((c) => `${c}\n`).join('');
}

async function batchCounts(path: string, n: number): Promise<string> {
  const r = await runWithStdinFile(['--count', '--max-records-per-batch', String(n), '--format', 'tsv', '--workers', '1'], path);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout;
}

describe('--max-records-per-batch on a file', () => {
  it('a batch ending exactly at a 64 KiB piece end: 1024 lines of 64 bytes per batch', async () => {
    const path = file('fixed.txt', 5000, 64);
    expect(await batchCounts(path, 1024)).toBe('1024\n1024\n1024\n1024\n904\n');
    expect(await batchCounts(path, 2048)).toBe('2048\n2048\n904\n');
  });

  it('batch sizes equal a naive cut for line widths and N that meet piece and block ends', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(16, 32, 64, 128, 100), fc.integer({ min: 1, max: 40_000 }), fc.integer({ min: 1, max: 8 }), fc.boolean(), async (width, lines, k, aligned) => {
        const n = aligned ? Math.max(1, Math.floor((k * 65536) / width)) : k * 997;
        const path = file(`w${width}-l${lines}.txt`, lines, width);
        expect(await batchCounts(path, n)).toBe(naive(lines, n));
      }),
      { numRuns: 12, seed: 20261205 },
    );
  });
});
