/**
 * "skipped" and "late" mean one number each, wherever they are shown: the
 * `--stats` line, `--progress-json` (numSkippedRows, numLateRows) and the
 * summary at exit (records skipped by an operator + lines over
 * --max-line-bytes; late records dropped) — counted once, in `IssueLog`.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';

describe('skipped and late counts', () => {
  it('agree between --stats, --progress-json and the summary at exit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dstream-counts-'));
    const progress = join(dir, 'progress.json');
    const input = [
      '1 a', '12 b', 'MARK', // batch 1: watermark 12 closes [0s, 10s)
      'x bad', // no event time: a bad record
      '5 late', // before 10s, the end of the closed window: late
      `9 ${'y'.repeat(100)}`, // over --max-line-bytes 50
      '25 c',
    ].join('\n') + '\n';
    const r = await runCli([
      '--batch-marker', 'MARK', '--event-time', 'l => Number(l.split(" ")[0]) * 1000',
      '--map', 'l => l.split(" ")[1]',
      '--count-by-value', '--window', '10s', '--max-line-bytes', '50',
      '--stats', '--progress-json', progress, '--format', 'tsv',
    ], input);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('1970-01-01T00:00:00.000Z\ta\t1\n1970-01-01T00:00:10.000Z\tb\t1\n1970-01-01T00:00:20.000Z\tc\t1\n');
    const err = r.stderr.trimEnd().split('\n');
    const stats = err.filter((l) => / late · /.test(l)).map((l) => / (\d+) late · (\d+) skipped$/.exec(l)!.slice(1).map(Number));
    expect(stats).toEqual([[0, 0], [1, 2]]);
    const json = readFileSync(progress, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { numLateRows: number; numSkippedRows: number });
    expect(json.map((p) => [p.numLateRows, p.numSkippedRows])).toEqual([[0, 0], [1, 2]]);
    // The summary gives skipped in its two parts (1 + 1 = 2) and late apart.
    expect(err[err.length - 1]).toBe(
      "dstream: 1 record skipped (1 by --event-time 'l => Number(l.split(\" \")[0]) * 1000'); "
      + '1 late record dropped; 1 line over --max-line-bytes skipped',
    );
  });
});
