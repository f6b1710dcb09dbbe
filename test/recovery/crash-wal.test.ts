/**
 * Crash equivalence, with real kill -9: a windowed, keyed event-time job reads
 * stdin with a write-ahead log and writes `--output FILE`; it is killed at
 * random moments (and, via DSTREAM_FAULT, exactly between the offset log and
 * the commit), restarted with the same command, and fed again from the
 * durable length of its log (what a producer resending unacknowledged data
 * does). The final output file must be byte-identical to a run without crashes.
 *
 * Kills per run: DSTREAM_CRASH_CYCLES (default 10: two runs, with and without --checkpoint-interval;
 * 200 under `npm run test:long`).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, existsSync, openSync, readSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT } from '../helpers/run-cli.js';
import { soak } from '../helpers/long.js';
import { rng } from '../helpers/rng.js';

const INPUT = readFileSync(`${ROOT}/data/elastic-examples/apache_logs`);
const JOB = ['--batch', '100ms', '--event-time', 'l => l.split("[")[1].split("]")[0]', '--map', 'l => [l.split(" ")[8], +l.split(" ")[9] || 0]',
  '--reduce-by-key', 'sum', '--window', '1h', '--slide', '30m', '--format', 'tsv'];
const CYCLES = soak('DSTREAM_CRASH_CYCLES', 10, 200);


/** Where the log's complete lines end: the resume point of the producer. */
function walLength(dir: string): number {
  const wal = join(dir, 'wal');
  if (!existsSync(wal)) return 0;
  const segs = readdirSync(wal).map((f) => /^(\d+)\.log$/.exec(f)).filter(Boolean).map((m) => Number(m![1])).sort((a, b) => a - b);
  for (let i = segs.length - 1; i >= 0; i--) {
    const path = join(wal, `${segs[i]}.log`);
    const size = statSync(path).size;
    if (size === 0) continue;
    const fd = openSync(path, 'r');
    const buf = Buffer.alloc(size);
    readSync(fd, buf, 0, size, 0);
    closeSync(fd);
    const nl = buf.lastIndexOf(10);
    if (nl >= 0) return segs[i]! + nl + 1;
  }
  return 0;
}

function nextBatchId(dir: string): number {
  const offsets = join(dir, 'offsets');
  if (!existsSync(offsets)) return 0;
  const ids = readdirSync(offsets).map((f) => Number(f.split('.')[0])).filter((n) => Number.isFinite(n));
  return ids.length ? Math.max(...ids) + 1 : 0;
}

interface RunOptions {
  args: string[];
  input: Buffer;
  killAfterBytes?: number;
  killDelayMs?: number;
  env?: Record<string, string>;
}

/** Runs dstream feeding `input`; kills it with SIGKILL once `killAfterBytes` were written (after `killDelayMs`). */
function run(o: RunOptions): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...o.args], { cwd: ROOT, env: { ...process.env, ...o.env } });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.resume();
    child.stdin.on('error', () => {});
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
    let pos = 0;
    const CHUNK = 32 * 1024;
    const pump = () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (o.killAfterBytes !== undefined && pos >= o.killAfterBytes) {
        setTimeout(() => child.kill('SIGKILL'), o.killDelayMs ?? 0);
        return;
      }
      if (pos >= o.input.length) {
        if (o.killAfterBytes === undefined) child.stdin.end();
        else setTimeout(() => child.kill('SIGKILL'), o.killDelayMs ?? 0);
        return;
      }
      const part = o.input.subarray(pos, pos + CHUNK);
      pos += part.length;
      child.stdin.write(part, pump);
    };
    pump();
  });
}

describe('crash equivalence with kill -9 (stdin + --wal + --output FILE)', () => {
  it(`${CYCLES} kills across runs, output identical to a run without crashes`, async () => {
    const base = mkdtempSync(join(tmpdir(), 'dstream-crash-'));
    const ref = await run({ args: [...JOB, '--output', join(base, 'ref.tsv')], input: INPUT });
    expect(ref.code).toBe(0);
    const expected = readFileSync(join(base, 'ref.tsv'), 'utf8');
    expect(expected.split('\n').length).toBeGreaterThan(100);

    const random = rng(Number(process.env.DSTREAM_CRASH_SEED ?? 42));
    const points = ['after-offsets', 'after-output', 'after-snapshot'];
    let kills = 0;
    let trial = 0;
    while (kills < CYCLES) {
      trial++;
      const dir = join(base, `ck${trial}`);
      const out = join(base, `out${trial}.tsv`);
      const interval = trial % 2 === 0 ? ['--checkpoint-interval', '200ms'] : [];
      const args = [...JOB, '--checkpoint', dir, '--wal', '--output', out, ...interval];
      for (let k = 0; k < 5 && kills < CYCLES; k++) {
        const resume = walLength(dir);
        const rest = INPUT.subarray(resume);
        const aimed = k % 3 === 2;
        const env: Record<string, string> = aimed ? { DSTREAM_FAULT: `${points[(kills + trial) % 3]}@${nextBatchId(dir) + Math.floor(random() * 3)}` } : {};
        const r = await run({ args, input: rest, killAfterBytes: Math.floor(random() * rest.length), killDelayMs: Math.floor(random() * 150), env });
        expect(r.stderr).not.toMatch(/internal error|TypeError|RangeError/);
        kills++;
      }
      const last = await run({ args, input: INPUT.subarray(walLength(dir)) });
      expect(last.stderr).not.toMatch(/internal error/);
      expect(last.code).toBe(0);
      expect(readFileSync(out, 'utf8')).toBe(expected);
    }
  }, 600_000);
});
