/**
 * `--listen` with `--wal`: lines a producer sent are in the write-ahead log
 * before they belong to a batch, so a kill -9 right after the producer is done
 * loses none: the restarted job (same command) replays them, and the output
 * file counts every line exactly once.
 */
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, statSync, watch } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT } from '../helpers/run-cli.js';

const LINES = 5000;

function startJob(args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT });
  let stderr = '';
  const port = new Promise<number>((res) => child.stderr.on('data', (d) => {
    stderr += d;
    const m = /listening on 127\.0\.0\.1:(\d+)/.exec(stderr);
    if (m) res(Number(m[1]));
  }));
  child.stdout.resume();
  const closed = new Promise<number | null>((res) => child.on('close', (code) => res(code)));
  return { child, port, closed, stderr: () => stderr };
}

/** Resolves when `path` has at least `bytes` bytes (fs.watch events on its directory). */
function grows(path: string, bytes: number, dir: string): Promise<void> {
  return new Promise((res) => {
    const check = () => existsSync(path) && statSync(path).size >= bytes;
    if (check()) return res();
    const w = watch(dir, () => {
      if (check()) {
        w.close();
        res();
      }
    });
  });
}

describe('--listen with --wal survives kill -9', () => {
  it('every line a producer sent is counted exactly once across a crash', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dstream-tcpwal-'));
    const ck = join(dir, 'ck');
    const out = join(dir, 'out.tsv');
    // A long batch interval: the lines are logged but not yet in a committed batch when the kill comes.
    // --idle-timeout 3s: the producer connects, and the kill follows its close, well within it on a busy
    // machine (timers measured ≤ 160 ms late), so the first run cannot end by itself before the kill.
    const args = ['--listen', '127.0.0.1:0', '--once', '--idle-timeout', '3s', '--batch', '10s', '--checkpoint', ck, '--wal', '--count', '--format', 'tsv', '--output', out];
    const first = startJob(args);
    const port = await first.port;
    const payload = Array.from({ length: LINES }, (_, i) => `line ${i}\n`).join('');
    await new Promise<void>((res) => {
      const s = connect(port, '127.0.0.1', () => s.end(payload));
      s.on('close', () => res());
    });
    await grows(join(ck, 'wal-0', '0.log'), Buffer.byteLength(payload), join(ck, 'wal-0'));
    first.child.kill('SIGKILL');
    await first.closed;
    const second = startJob(args);
    expect(await second.closed).toBe(0);
    const counts = readFileSync(out, 'utf8').trim().split('\n').map(Number);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(LINES);
  }, 60_000);
});
