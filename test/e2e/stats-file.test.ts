/**
 * `--stats` and `--progress-json` over a file read whole tell one story: the
 * rate on stderr is `inputRowsPerSecond`, `processedRowsPerSecond` follows
 * from the processing time, `timestamp` is the wall-clock time of the
 * batch's end (not the logical batch time, 1970), and a job without state
 * shows no keys count.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCliOnFile } from '../helpers/run-cli.js';

const APACHE = join(ROOT, 'data/elastic-examples/apache_logs');

describe('--stats and --progress-json over a file', () => {
  it('agree with each other and with the clock', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dstream-stats-file-'));
    const progress = join(dir, 'prog.json');
    const before = Date.now();
    const r = await runCliOnFile(['--stats', '--map', 'l => field(l,9)', '--count-by-value', '--format', 'tsv', '--progress-json', progress], APACHE);
    const after = Date.now();
    expect(r.code).toBe(0);
    const p = JSON.parse(readFileSync(progress, 'utf8')) as {
      timestamp: string; batchTime: number; numInputRows: number; inputRowsPerSecond: number; processedRowsPerSecond: number;
      durationMs: { triggerExecution: number }; stateOperators: unknown[]; sink: { numOutputRows: number };
    };
    expect(Date.parse(p.timestamp)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(p.timestamp)).toBeLessThanOrEqual(after);
    expect([p.batchTime, p.numInputRows, p.sink.numOutputRows, p.stateOperators]).toEqual([1000, 10_000, 8, []]);
    expect(p.processedRowsPerSecond).toBe((10_000 * 1000) / Math.max(1, p.durationMs.triggerExecution));
    const stats = r.stderr.split('\n').filter((l) => l.includes(' rec/s · '));
    expect(stats).toEqual([
      `dstream: ${Math.round(p.inputRowsPerSecond).toLocaleString('en-US')} rec/s · batch 1 · 10,000 in, 8 out · `
      + `processing ${p.durationMs.triggerExecution} ms / 1000 ms · delay 0 ms · 0 late · 0 skipped`,
    ]);
  });
});
