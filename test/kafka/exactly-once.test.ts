/**
 * Exactly once through kill -9, on a real broker: a windowed count of the
 * bundled access log (3-partition topic) read with --kafka … --checkpoint,
 * killed with SIGKILL at random moments of the batch protocol (an offset-log
 * or commit-log file appearing) and restarted until it finishes, equals the
 * run without crashes (the checkpointed runs with --drain: --once --checkpoint keeps open windows
 * for the next run otherwise) — byte for byte with --output FILE, every row once with
 * --output kafka://… read back read_committed. A few kills here; 30 each with
 * DSTREAM_LONG=1. Also: the broker stopped and restarted in the middle of a job.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { accessLogLines, createTopic, hasJava, produceLines, readTopic, SKIP_REASON, startBroker, type Broker } from './broker.js';
import { startJob, whenCheckpointFile, whenStderr } from './procs.js';
import { runCli } from '../helpers/run-cli.js';
import { rng } from '../helpers/rng.js';

if (!hasJava) console.warn(`skipping test/kafka/exactly-once.test.ts: ${SKIP_REASON}`);

const KILLS = process.env.DSTREAM_LONG === '1' ? 30 : 3;
/** 10 000 records in batches of at most 100: about 100 batches, room for 30 kills one to three batches apart. */
const JOB = ['--kafka-start', 'earliest', '--once', '--event-time', 'auto', '--watermark', '5m', '--map', 'l => l.split(" ")[8]',
  '--count-by-value', '--window', '1h', '--batch', '100ms', '--max-records-per-batch', '100'];

/** The highest batch id in the checkpoint's offset log, −1 when there is none. */
function lastBatchId(ck: string): number {
  try {
    return Math.max(-1, ...readdirSync(join(ck, 'offsets')).map((f) => Number.parseInt(f, 10)).filter((n) => Number.isInteger(n)));
  } catch {
    return -1;
  }
}

describe.skipIf(!hasJava)('Kafka exactly once through kill -9', () => {
  let broker: Broker;
  let tmp: string;
  /** The run without crashes, as tsv and as json rows without their processing time (sorted). */
  let expectedTsv: string;
  let expectedRows: string[];
  const source = () => ['--kafka', broker.address, '--topic', 'access'];
  const noTime = (l: string) => l.replace(/"time":\d+,/, '');
  beforeAll(async () => {
    broker = startBroker();
    tmp = mkdtempSync(join(tmpdir(), 'dstream-kafka-eo-'));
    await createTopic(broker.address, 'access', 3);
    await produceLines(broker.address, 'access', accessLogLines(), 3);
    for (const format of ['tsv', 'json']) {
      const r = await runCli([...source(), ...JOB, '--format', format, '--output', join(tmp, `ref.${format}`)]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
    expectedTsv = readFileSync(join(tmp, 'ref.tsv'), 'utf8');
    expectedRows = readFileSync(join(tmp, 'ref.json'), 'utf8').trim().split('\n').map(noTime).sort();
  }, 300_000);
  afterAll(() => {
    broker?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  /** Runs the job on `ck` until it exits by itself, killing it `kills` times at random batch-protocol moments. */
  async function crashingRuns(args: string[], ck: string, kills: number, seed: number): Promise<number> {
    const random = rng(seed);
    let killed = 0;
    for (;;) {
      const job = startJob(args);
      if (killed < kills) {
        // One to three batches past what the checkpoint has: kill as its offsets (mid-batch) or its commit appear.
        const dir = join(ck, random() < 0.5 ? 'offsets' : 'commits');
        const target = lastBatchId(ck) + 1 + Math.floor(random() * 3);
        if (await whenCheckpointFile(job, dir, target)) {
          job.child.kill('SIGKILL');
          await job.exit;
          killed++;
          continue;
        }
      }
      const { code } = await job.exit;
      // Recovery says what it restored; a fresh broker's group coordinator may take a moment (retried, said).
      expect(job.stderr.replace(/^dstream: (checkpoint: .*|kafka output: .*(retrying with back-off.*|reconnected to .*))\n/gm, '')).toBe('');
      expect(code).toBe(0);
      return killed;
    }
  }

  it(`--output FILE: ${KILLS} kills -9 and restarts give the same file as no crash, byte for byte`, async () => {
    expect(expectedTsv.split('\n').length).toBeGreaterThan(200);
    const ck = join(tmp, 'ck-file');
    const out = join(tmp, 'out.tsv');
    const killed = await crashingRuns([...source(), ...JOB, '--drain', '--format', 'tsv', '--checkpoint', ck, '--output', out], ck, KILLS, 17);
    expect(killed).toBe(KILLS);
    expect(readFileSync(out, 'utf8')).toBe(expectedTsv);
  }, 600_000 + KILLS * 20_000);

  it(`--output kafka://: ${KILLS} kills -9 and restarts, read back read_committed: every row once`, async () => {
    await createTopic(broker.address, 'counts', 2);
    const ck = join(tmp, 'ck-kafka');
    const killed = await crashingRuns([...source(), ...JOB, '--drain', '--checkpoint', ck, '--output', `kafka://${broker.address}/counts`], ck, KILLS, 42);
    expect(killed).toBe(KILLS);
    const rows = (await readTopic(broker.address, 'counts')).map((kv) => kv.split('\t'));
    for (const [key, value] of rows) expect(key).toBe(String((JSON.parse(value!) as { key: unknown }).key));
    expect(rows.map(([, v]) => noTime(v!)).sort()).toEqual(expectedRows);
  }, 600_000 + KILLS * 20_000);

  it('the broker stopped and restarted mid-job: the job waits, says so, and the result is exact', async () => {
    // Kafka in and out: every batch needs the broker (a transaction), so the job is there when it goes away.
    await createTopic(broker.address, 'counts-b', 2);
    const ck = join(tmp, 'ck-broker');
    const job = startJob([...source(), ...JOB, '--drain', '--checkpoint', ck, '--output', `kafka://${broker.address}/counts-b`]);
    expect(await whenCheckpointFile(job, join(ck, 'commits'), 5)).toBe(true);
    broker.stop();
    await whenStderr(job, /kafka( output)?: .*retrying with back-off/);
    broker.restart();
    const { code } = await job.exit;
    expect(job.stderr).toMatch(/kafka( output)?: reconnected to /);
    expect(code).toBe(0);
    const rows = await readTopic(broker.address, 'counts-b');
    expect(rows.map((kv) => noTime(kv.split('\t')[1]!)).sort()).toEqual(expectedRows);
  }, 300_000);
});
