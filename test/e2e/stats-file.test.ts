/**
 * `--stats` and `--progress-json` over a file read whole tell one story: the
 * rate on stderr is `inputRowsPerSecond`, `processedRowsPerSecond` follows
 * from the processing time, `timestamp` is the wall-clock time of the
 * batch's end (not the logical batch time, 1970), and a job without state
 * shows no keys count.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, collectExit, ROOT, type RunResult } from '../helpers/run-cli.js';

const APACHE = join(ROOT, 'data/elastic-examples/apache_logs');

/** Runs dstream with stdin redirected from `file` (a regular file: bounded input, as `< file` in a shell). */
function runOnFile(args: string[], file: string): Promise<RunResult> {
  const fd = openSync(file, 'r');
  return new Promise<RunResult>((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: [fd, 'pipe', 'pipe'] });
    collectExit(child, resolve, reject);
  }).finally(() => closeSync(fd));
}

describe('--stats and --progress-json over a file', () => {
  it('agree with each other and with the clock', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dstream-stats-file-'));
    const progress = join(dir, 'prog.json');
    const before = Date.now();
    const r = await runOnFile(['--stats', '--map', 'l => field(l,9)', '--count-by-value', '--format', 'tsv', '--progress-json', progress], APACHE);
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
