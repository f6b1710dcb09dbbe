/**
 * A distributed worker whose every record failed in one function exits 1 with the local run's
 * lines (the skipped-records summary, then `no record got through …; exit 1`), on Redis and on
 * Kafka; it used to exit 0 with an empty answer, which looks like an empty input. One record
 * that gets through keeps exit 0, as locally. Each backend's server is started here.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { createTopic, hasJava, produceLines } from '../kafka/broker.js';
import { publishFile, runDstream } from './procs.js';
import { redisAvailable } from './redis-harness.js';
import { brokerPerSuite, redisPerSuite } from '../helpers/servers.js';

const LINES = ['a 1', 'b 2', 'c 3', 'a 4'];
/** Throws for every line but one starting with `pass` (none of LINES). */
const EVENT_TIME = 'l => { if (!l.startsWith("pass")) throw new Error("no time here"); return 0 }';
const OPS = ['--event-time', EVENT_TIME, '--map', 'l => l.split(" ")[0]', '--count-by-value', '--window', '5m'];

/** The local run's last two stderr lines (summary and refusal) and its exit code, on `lines`. */
async function local(lines: string[]): Promise<{ code: number | null; tail: string[] }> {
  const r = await runCli([...OPS, '--format', 'tsv'], lines.join('\n') + '\n');
  return { code: r.code, tail: r.stderr.trimEnd().split('\n').slice(-2) };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dstream-all-failed-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!redisAvailable())('every record failed in --event-time: Redis worker', () => {
  const server = redisPerSuite();

  it('exits 1 with the local run\'s summary and refusal; one record through keeps exit 0', async () => {
    const redis = server();
    const want = await local(LINES);
    expect(want.code).toBe(1);
    expect(want.tail[0]).toMatch(/^dstream: 4 records skipped \(4 by --event-time 'l => .*'\)$/);
    expect(want.tail[1]).toMatch(/^dstream: no record got through --event-time 'l => .*': all 4 failed in it \(first errors above\); exit 1$/);
    const file = join(dir, 'redis.txt');
    writeFileSync(file, LINES.join('\n') + '\n');
    await publishFile(redis.url('bad'), 2, file);
    const w = await runDstream(['--from', redis.url('bad', 'j'), ...OPS, '--to', redis.url('bad-out')]);
    expect(w.code, w.stderr).toBe(1);
    const err = w.stderr.split('\n');
    expect(err).toEqual(expect.arrayContaining(want.tail));
    expect(err.indexOf(want.tail[1]!)).toBe(err.indexOf(want.tail[0]!) + 1);

    const mixed = [...LINES, 'pass 5'];
    expect((await local(mixed)).code).toBe(0);
    writeFileSync(file, mixed.join('\n') + '\n');
    await publishFile(redis.url('mixed'), 2, file);
    const ok = await runDstream(['--from', redis.url('mixed', 'j'), ...OPS, '--to', redis.url('mixed-out')]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toMatch(/^dstream: 4 records skipped \(4 by --event-time /m);
    expect(ok.stderr).not.toMatch(/no record got through/);
  });
});

describe.skipIf(!hasJava)('every record failed in --event-time: Kafka worker', () => {
  const server = brokerPerSuite();

  it('exits 1 with the local run\'s summary and refusal (--once)', async () => {
    const broker = server();
    const want = await local(LINES);
    await createTopic(broker.address, 'bad', 2);
    await produceLines(broker.address, 'bad', LINES, 2);
    const w = await runCli(['--from', `kafka://${broker.address}/bad?group=j`, ...OPS, '--to', `kafka://${broker.address}/bad-out`, '--once']);
    expect(w.code, w.stderr).toBe(1);
    const err = w.stderr.split('\n');
    expect(err).toEqual(expect.arrayContaining(want.tail));
    expect(err.indexOf(want.tail[1]!)).toBe(err.indexOf(want.tail[0]!) + 1);
    expect(w.stderr).toMatch(/done: the job is complete\n$/);
  }, 120_000);
});
