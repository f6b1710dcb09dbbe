/**
 * `dstream cat --follow | head -1` on a quiet output: once the reader of its stdout has gone, cat
 * exits 0 although no row comes to write (it used to wait for a next row that may never come). Run
 * as a bash pipeline, as users write it; the test waits for bash's exit (an event: a cat that hangs
 * fails by the test's timeout) and reads cat's exit code from PIPESTATUS. The watch is GNU tail's
 * (src/cli/reader-gone.ts): skipped where tail is not GNU coreutils.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT } from '../helpers/run-cli.js';
import { publishFile, runDstream } from './procs.js';
import { redisAvailable, startRedis, type RedisServer } from './redis-harness.js';

const gnuTail = /GNU coreutils/.test(spawnSync('tail', ['--version'], { encoding: 'utf8' }).stdout ?? '');

/** Runs `script` in bash (`$0` = bin/dstream.js, `$1` = `arg`); resolves with its exit code, stdout and stderr once it has exited. */
function bash(script: string, arg: string): Promise<{ code: number | null; out: string; err: string }> {
  const sh = spawn('bash', ['-c', script, BIN, arg], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  sh.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  sh.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  return new Promise((res) => sh.on('close', (code) => res({ code, out, err })));
}

describe.skipIf(!redisAvailable() || !gnuTail)('dstream cat --follow | head -1', () => {
  let redis: RedisServer;
  let dir: string;
  beforeAll(async () => {
    redis = await startRedis();
    dir = mkdtempSync(join(tmpdir(), 'dstream-reader-gone-'));
    const file = join(dir, 'in.txt');
    writeFileSync(file, 'a\nb\na\n');
    await publishFile(redis.url('quiet'), 1, file);
    const job = await runDstream(['--from', redis.url('quiet', 'g'), '--map', 'l => l.toUpperCase()', '--to', redis.url('quiet-out')]);
    expect(job.code, job.stderr).toBe(0);
  });
  afterAll(async () => {
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('exits 0 once the reader has gone, with nothing more to write', async () => {
    const r = await bash('node "$0" cat "$1" --follow | head -1; echo "cat exit ${PIPESTATUS[0]}"', redis.url('quiet-out'));
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe('A\ncat exit 0\n');
    expect(r.err).toBe('');
  }, 60_000);

  it('killed -9, leaves nothing holding the pipe: the reader still gets its end of input', async () => {
    // The reader takes cat's 3 rows, kills cat with -9, then waits for the end of its input.
    const pid = join(dir, 'cat.pid');
    const r = await bash(`{ node "$0" cat "$1" --follow & echo $! > ${pid}; wait; } | { head -3 >/dev/null; kill -9 $(cat ${pid}); cat >/dev/null; echo "end of input"; }`, redis.url('quiet-out'));
    expect(r.out).toBe('end of input\n');
    expect(r.code).toBe(0);
  }, 60_000);
});
