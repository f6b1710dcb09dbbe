/**
 * `dstream cat URL --follow` started before any job writes to URL waits for the output (as tail -F),
 * saying so once on stderr, then prints the rows once a job creates it; without --follow it still
 * exits 1 at once. On a real redis-server started here (the Kafka case: test/kafka/broker-down.test.ts).
 * Every wait is for an event: the stderr line, the rows on stdout, an exit.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJob, waitingFor, whenOutput, whenStderr } from '../kafka/procs.js';
import { runCli } from '../helpers/run-cli.js';
import { publishFile } from './procs.js';
import { redisAvailable, startRedis, type RedisServer } from './redis-harness.js';

if (!redisAvailable()) console.warn('skipping test/distributed/cat-follow-wait.test.ts: redis-server is not installed');

const LINES = Array.from({ length: 50 }, (_, i) => `line ${i}`);
const OPS = ['--filter', 'l => l.endsWith("7")', '--map', 'l => l.toUpperCase()'];

describe.skipIf(!redisAvailable())('dstream cat --follow before the job exists', () => {
  let redis: RedisServer;
  let dir: string;
  beforeAll(async () => {
    redis = await startRedis();
    dir = mkdtempSync(join(tmpdir(), 'dstream-cat-wait-'));
  }, 60_000);
  afterAll(async () => {
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('waits for the output stream, saying so once, then prints the job\'s rows; SIGTERM: exit 0', async () => {
    const none = await runCli(['cat', redis.url('out')]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^dstream: no output stream 'out' on 127\.0\.0\.1:\d+ \(a job creates it/);

    const cat = startJob(['cat', redis.url('out'), '--follow']);
    waitingFor('cat to say it waits for the output stream');
    await whenStderr(cat, /^dstream: waiting for output stream 'out' on 127\.0\.0\.1:\d+ \(a job creates it: dstream --from URL\?group=JOB \.\.\. --to redis:\/\/127\.0\.0\.1:\d+\/out\)$/m);
    const file = join(dir, 'in.log');
    writeFileSync(file, LINES.join('\n') + '\n');
    await publishFile(redis.url('in'), 2, file);
    const w = await runCli(['--from', redis.url('in', 'j'), ...OPS, '--to', redis.url('out')]);
    expect(w.code, w.stderr).toBe(0);
    const expected = LINES.filter((l) => l.endsWith('7')).map((l) => l.toUpperCase()).join('\n') + '\n';
    waitingFor('cat to print the job\'s rows');
    await whenOutput(cat, (s) => s === expected);
    cat.child.kill('SIGTERM');
    expect(await cat.exit, cat.stderr).toEqual({ code: 0, signal: null });
    expect(cat.stderr.match(/waiting for output stream/g)).toHaveLength(1);
  }, 120_000);
});
