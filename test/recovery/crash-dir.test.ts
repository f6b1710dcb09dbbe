/**
 * Crash equivalence over a watched directory (the main crash test):
 * real log files in a directory, a windowed keyed event-time pipeline writing
 * `--output FILE`, killed with SIGKILL at random moments (and, via
 * DSTREAM_FAULT, exactly between the offset log and the commit), restarted
 * with the same command until a run completes. The output file must be
 * byte-identical to a run without crashes.
 *
 * Kills per run: DSTREAM_CRASH_CYCLES (default 10: two runs, with and without --checkpoint-interval;
 * 200 under `npm run test:long`); seed: DSTREAM_CRASH_SEED.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, utimesSync, writeFileSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT } from '../helpers/run-cli.js';
import { soak } from '../helpers/long.js';
import { rng } from '../helpers/rng.js';

const CYCLES = soak('DSTREAM_CRASH_CYCLES', 10, 200);
const LOG = readFileSync(`${ROOT}/data/elastic-examples/apache_logs`, 'utf8').trimEnd().split('\n');
const AUTH = readFileSync(`${ROOT}/data/elastic-examples/auth.log`, 'utf8').trimEnd().split('\n');


/** 20 files of the access log and 8 of auth.log (in time order, mtimes in that order). */
function fillDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const base = Date.UTC(2026, 0, 1) / 1000;
  let n = 0;
  const write = (name: string, lines: string[]) => {
    const p = join(dir, name);
    writeFileSync(p, lines.join('\n') + '\n');
    utimesSync(p, base + n, base + n);
    n++;
  };
  for (let i = 0; i < 20; i++) write(`access-${String(i).padStart(2, '0')}.log`, LOG.slice(i * 500, (i + 1) * 500));
  for (let i = 0; i < 8; i++) write(`auth-${i}.log`, AUTH.slice(i * 900, (i + 1) * 900));
}

const JOB = (dir: string) => [
  '--watch', dir, '--once', '--settle', '0', '--max-files-per-batch', '2', '--batch', '50ms',
  '--filter', 'l => / HTTP\\/1\\.[01]" \\d{3} /.test(l)', // access-log lines only (auth.log has a few "GET / HTTP/1.1" probes)
  '--event-time', 'l => l.split("[")[1].split("]")[0]',
  '--map', 'l => { const f = l.split(" "); return [f[8], +f[9] || 0] }',
  '--reduce-by-key', 'sum', '--window', '1h', '--slide', '30m', '--watermark', '10m', '--format', 'tsv',
];

function run(args: string[], killAfterMs?: number, env: Record<string, string> = {}): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.resume();
    let timer: NodeJS.Timeout | undefined;
    if (killAfterMs !== undefined) timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stderr });
    });
  });
}

function nextBatchId(ck: string): number {
  const dir = join(ck, 'offsets');
  if (!existsSync(dir)) return 0;
  const ids = readdirSync(dir).map((f) => Number(f.split('.')[0])).filter(Number.isFinite);
  return ids.length ? Math.max(...ids) + 1 : 0;
}

describe('crash equivalence with kill -9 (watched directory + --output FILE)', () => {
  it(`${CYCLES} kills across runs, output identical to a run without crashes`, async () => {
    const base = mkdtempSync(join(tmpdir(), 'dstream-crashdir-'));
    fillDir(join(base, 'ref-in'));
    const ref = await run([...JOB(join(base, 'ref-in')), '--output', join(base, 'ref.tsv')]);
    expect(ref.stderr).toBe('');
    expect(ref.code).toBe(0);
    const expected = readFileSync(join(base, 'ref.tsv'), 'utf8');
    expect(expected.split('\n').length).toBeGreaterThan(500);

    const random = rng(Number(process.env.DSTREAM_CRASH_SEED ?? 7));
    const points = ['after-offsets', 'after-output', 'after-snapshot'];
    let kills = 0;
    let trial = 0;
    while (kills < CYCLES) {
      trial++;
      const input = join(base, `in${trial}`);
      fillDir(input);
      const ck = join(base, `ck${trial}`);
      const out = join(base, `out${trial}.tsv`);
      const interval = trial % 2 === 0 ? ['--checkpoint-interval', '100ms'] : [];
      const args = [...JOB(input), '--checkpoint', ck, '--output', out, ...interval];
      for (let k = 0; k < 5 && kills < CYCLES; k++) {
        const aimed = k % 2 === 1;
        const env: Record<string, string> = aimed ? { DSTREAM_FAULT: `${points[(kills + trial) % 3]}@${nextBatchId(ck) + Math.floor(random() * 4)}` } : {};
        const r = await run(args, aimed ? 5000 : 120 + Math.floor(random() * 600), env);
        expect(r.stderr).not.toMatch(/internal error|TypeError|RangeError/);
        kills++;
      }
      const last = await run(args);
      expect(last.stderr).not.toMatch(/internal error/);
      expect(last.code).toBe(0);
      expect(readFileSync(out, 'utf8')).toBe(expected);
    }
  }, 900_000);
});
