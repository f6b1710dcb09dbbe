/** `--workers N` gives the same output as one thread (real files, real threads). */
import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT } from '../helpers/run-cli.js';

/** Runs dstream with stdin redirected from `file` (worker mode needs a regular file). */
function runFile(args: string[], file: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: [openSync(file, 'r'), 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const TWEETS = `${ROOT}/data/fivethirtyeight/mayweather_mcgregor_tweets.jsonl`;
const APACHE = `${ROOT}/data/elastic-examples/apache_logs`;

describe('--workers', () => {
  it.each([
    ['top hashtags per 10-minute event-time window', TWEETS,
      ['--map', 'JSON.parse', '--event-time', 't => t.created_at', '--flat-map', 't => hashtags(t.text)', '--count-by-value', '--window', '10m', '--top', '5', '--format', 'tsv']],
    ['bytes per status, 1 h windows sliding 30 min', APACHE,
      ['--event-time', 'l => l.split("[")[1].split("]")[0]', '--watermark', '1m', '--map', 'l => [l.split(" ")[8], +l.split(" ")[9] || 0]', '--reduce-by-key', 'sum', '--window', '1h', '--slide', '30m', '--format', 'tsv']],
    ['requests per client over the whole file', APACHE,
      ['--batch', '1d', '--map', 'l => l.split(" ")[0]', '--count-by-value', '--top', '20', '--format', 'tsv']],
  ])('%s: 1, 2 and 3 threads give identical output', async (_name, file, args) => {
    const one = await runFile(args, file);
    expect(one.code).toBe(0);
    expect(one.stdout.length).toBeGreaterThan(100);
    for (const n of ['2', '3']) {
      const many = await runFile([...args, '--workers', n], file);
      expect(many.stderr).toBe('');
      expect(many.code).toBe(0);
      expect(many.stdout).toBe(one.stdout);
    }
  });

  it('refuses what it cannot split, before reading input', async () => {
    const r = await runFile(['--workers', '2', '--map', 'l => l', '--update-state-by-key', '(v, s) => v.length'], APACHE);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('dstream: --workers needs stateless operators (--map, --flat-map, --filter, --event-time) followed by --count, --count-by-value, --reduce or --reduce-by-key');
    const avg = await runFile(['--workers', '2', '--map', 'l => [1, 2]', '--reduce-by-key', 'avg'], APACHE);
    expect(avg.stderr.split('\n')[0]).toBe('dstream: --workers: --reduce-by-key avg cannot be merged from partial results here; drop --workers');
  });
});
