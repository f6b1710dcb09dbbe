/**
 * A job created on a Redis topic after retention trimmed input another job had read: on a topic
 * published from a file (bounded) it is refused at start (exit 2, nothing created), since its answer
 * would leave those entries out; on live input it runs from the oldest entry kept and says so on
 * stderr, and `job status` counts the entries as missed (lag 0 once done, not the trimmed count).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobStatus, runDstream } from './procs.js';
import { redisAvailable, startRedis, type RedisServer } from './redis-harness.js';

const LINES = Array.from({ length: 10 }, (_, i) => `${i + 1}`).join('\n') + '\n';
const JOB = ['--map', 'l => l'];

describe.skipIf(!redisAvailable())('distributed: a job created after its topic was trimmed', () => {
  let redis: RedisServer;
  let file: string;

  beforeAll(async () => {
    redis = await startRedis();
    file = join(mkdtempSync(join(tmpdir(), 'dstream-trimmed-')), 'ten.txt');
    writeFileSync(file, LINES);
  }, 60_000);
  afterAll(async () => redis?.stop());

  /** Runs one worker of job `group` over `topic` to its end. */
  const runJob = (topic: string, group: string, extra: string[] = []) =>
    runDstream(['--from', redis.url(topic, group), ...JOB, '--to', redis.url(`${topic}-${group}`), ...extra]);

  it('bounded topic: the second job is refused (exit 2) and not created', async () => {
    const pub = await runDstream(['publish', redis.url('file'), '--partitions', '2'], { stdin: { file } });
    expect(pub.code, pub.stderr).toBe(0);
    const first = await runJob('file', 'a');
    expect(first.code, first.stderr).toBe(0);
    const second = await runJob('file', 'b');
    expect(second.code, second.stderr).toBe(2);
    expect(second.stderr).toContain("dstream: job b would miss 2 input entries of topic 'file' that retention trimmed once its other jobs had read them");
    expect(second.stderr).toContain('--keep-input');
    expect((await jobStatus(redis.url('file', 'b'))).exists).toBe(false);
  }, 60_000);

  it('live topic: the second job warns, and job status shows the entries missed with lag 0 and done', async () => {
    const pub = await runDstream(['publish', redis.url('live'), '--partitions', '2'], { input: LINES });
    expect(pub.code, pub.stderr).toBe(0);
    const first = await runJob('live', 'a', ['--idle-timeout', '1s']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).not.toContain('warning');
    const second = await runJob('live', 'b', ['--idle-timeout', '1s']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain("dstream: warning: job 'b' on topic 'live' starts at the oldest input entry the topic holds: 2 entries before it were trimmed by retention");
    const s = await jobStatus(redis.url('live', 'b'));
    expect(s.units.map((u: { lag: number; missed?: number; done: boolean }) => [u.lag, u.missed, u.done])).toEqual([[0, 1, true], [0, 1, true]]);
    const text = await runDstream(['job', 'status', redis.url('live', 'b')]);
    expect(text.stdout).toContain('missed: 2 input entries, trimmed by retention before the job was created; its answer leaves them out\n');
    const a = await jobStatus(redis.url('live', 'a'));
    expect(a.units.map((u: { lag: number; missed?: number }) => [u.lag, u.missed])).toEqual([[0, undefined], [0, undefined]]);
  }, 60_000);
});
