/**
 * stdin whose file offset is not 0 when dstream starts (`{ read -r header; dstream …; } < file`, `dd`
 * before it): one thread reads from the offset, and the `--workers` threads read the file from byte 0,
 * so the part before the offset was counted again, exit 0 (breaker, stop 28). The threads now split
 * the file from the offset: every thread count prints what one thread prints.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runWithStdinFile } from '../helpers/run-file.js';

const LINES = 300_000;
const text = Array.from({ length: LINES }, (_, i) => `${i % 97} line ${i}\n`).join('');
const file = join(mkdtempSync(join(tmpdir(), 'dstream-offset-')), 'input.txt');
writeFileSync(file, text);
const header = text.indexOf('\n') + 1;

describe('--workers on stdin whose offset is not 0', () => {
  it('counts the lines after a header read by the shell, as one thread does', async () => {
    for (const w of ['1', '2', '3', 'auto']) {
      const r = await runWithStdinFile(['--workers', w, '--count', '--format', 'tsv'], file, {}, header);
      expect({ w, code: r.code, out: r.stdout, err: r.stderr }).toEqual({ w, code: 0, out: `${LINES - 1}\n`, err: '' });
    }
  });

  it('starts at an offset inside a line as one thread does (the rest of that line is a line)', async () => {
    const skip = Math.floor(text.length / 3) + 3;
    const job = ['--map', 'l => l.split(" ")[0]', '--count-by-value', '--format', 'tsv'];
    const one = await runWithStdinFile(['--workers', '1', ...job], file, {}, skip);
    expect(one.code).toBe(0);
    const rest = text.slice(skip).split('\n').filter(Boolean);
    expect(one.stdout.split('\n').filter(Boolean).reduce((n, row) => n + Number(row.split('\t')[1]), 0)).toBe(rest.length);
    for (const w of ['2', '3']) {
      const r = await runWithStdinFile(['--workers', w, ...job], file, {}, skip);
      expect({ w, code: r.code, out: r.stdout, err: r.stderr }).toEqual({ w, code: 0, out: one.stdout, err: one.stderr });
    }
  });
});
