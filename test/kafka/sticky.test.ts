/**
 * Sticky, cooperative assignment on a real broker (kafka/assignor.ts, worker.ts `rebalance`): a
 * third worker joining a 2-worker job gets the partitions that move, and only those are opened from
 * the committed state; the units the first two keep are not rebuilt; the output still equals the
 * local run byte for byte. Every wait is for an event: a line on a worker's stderr, or its exit; a
 * worker is held in a step with DSTREAM_FAULT=pause-before-commit@N until the test sends SIGUSR2
 * (its event loop, heartbeats included, runs on). `job status` names each worker's partitions.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCESS_LOG, accessLogLines, createTopic, hasJava, localRunOf, produceLines, SKIP_REASON, startBroker, type Broker } from './broker.js';
import { startJob, waitingFor, whenStderr, type Job } from './procs.js';
import { runCli } from '../helpers/run-cli.js';
import { waitFor } from '../helpers/wait.js';

const haveData = existsSync(ACCESS_LOG);
if (!hasJava) console.warn(`skipping test/kafka/sticky.test.ts: ${SKIP_REASON}`);
else if (!haveData) console.warn(`skipping test/kafka/sticky.test.ts: ${ACCESS_LOG} is absent`);

const OPS = ['--event-time', 'l => l.split("[")[1].split("]")[0]', '--map', 'l => l.split(" ")[8]', '--count-by-value', '--window', '5m', '--watermark', '1m'];

/** Resolves with the first truthy `pred(job.stderr)` (tested on each chunk); rejects if the job exits first. */
function whenStderrHas<T>(job: Job, pred: (stderr: string) => T | undefined): Promise<T> {
  return new Promise((res, rej) => {
    const first = pred(job.stderr);
    if (first) return res(first);
    const on = () => {
      const v = pred(job.stderr);
      if (v) {
        job.child.stderr!.off('data', on);
        res(v);
      }
    };
    job.child.stderr!.on('data', on);
    void job.exit.then(() => {
      const v = pred(job.stderr);
      if (v) res(v);
      else rej(new Error(`job exited before the expected stderr; stderr:\n${job.stderr}`));
    });
  });
}

/** The input-partition lines of a worker's stderr: generation and the rest of the line. */
const inputLines = (stderr: string) => [...stderr.matchAll(/input partitions? .*?assigned \(generation (\d+)\)(.*)$/gm)].map((m) => ({ generation: Number(m[1]), line: m[0] }));

/** The partitions a worker's stderr says it opened from the committed state, per stage, in order (repeats kept). */
function opened(stderr: string): { input: number[]; key: number[] } {
  const out = { input: [] as number[], key: [] as number[] };
  for (const m of stderr.matchAll(/^dstream: (?:no )?(input|key) partitions?.*?\(generation \d+\):.*?opened ([\d,]+) from the committed state/gm)) {
    out[m[1] as 'input' | 'key'].push(...m[2]!.split(',').map(Number));
  }
  return out;
}

describe.skipIf(!hasJava || !haveData)('sticky, cooperative assignment on Kafka', () => {
  let broker: Broker;
  const from = (job: string) => `kafka://${broker.address}/access?group=${job}`;
  const to = (job: string) => `kafka://${broker.address}/out-${job}`;
  const worker = (job: string, fault?: string): Job => {
    const saved = process.env.DSTREAM_FAULT;
    if (fault) process.env.DSTREAM_FAULT = fault;
    else delete process.env.DSTREAM_FAULT;
    try {
      return startJob(['--from', from(job), ...OPS, '--once', '--lease', '6s', '--max-records-per-batch', '500', '--to', to(job)]);
    } finally {
      if (saved === undefined) delete process.env.DSTREAM_FAULT;
      else process.env.DSTREAM_FAULT = saved;
    }
  };

  beforeAll(async () => {
    broker = startBroker();
    await createTopic(broker.address, 'access', 4);
    await produceLines(broker.address, 'access', accessLogLines(), 4);
  }, 300_000);
  afterAll(() => broker?.close());

  it('a third worker joining two: only the moved partitions are opened anew, the kept ones are not rebuilt; the output equals the local run', async () => {
    // a: alone, one transaction committed, held in its second (every partition is its own).
    const a = worker('join', 'pause-before-commit@2');
    waitingFor('a to pause in its second transaction');
    await whenStderr(a, /DSTREAM_FAULT: pausing/);
    // b joins: a keeps half, the other half is revoked (given to nobody while a holds it).
    const b = worker('join', 'pause-before-commit@1');
    waitingFor("b's first input-partition line");
    expect(await whenStderrHas(b, (e) => /^dstream: (?:no )?input partitions? .*?assigned.*$/m.exec(e)?.[0]), b.stderr).toMatch(/: no input partitions assigned/);
    a.child.kill('SIGUSR2'); // a finishes its step (refused if the generation moved), releases the revoked half, joins again
    waitingFor('b to pause in its first transaction');
    await whenStderr(b, /DSTREAM_FAULT: pausing/); // b got its half and is held in its first transaction
    // job status names each worker's input partitions as the sticky assignor gave them.
    // (Read again while the group rebalances, which it may do once more: a's release may have ridden on a join under way.)
    const id = (w: Job) => /worker (\S+) joined/.exec(w.stderr)![1]!;
    waitingFor('job status to name an owner of every input partition');
    const { st, owners } = await waitFor('every input partition owned in job status', async () => {
      const st = await runCli(['job', 'status', from('join'), '--json']);
      expect(st.code, st.stderr).toBe(0);
      const owners = (JSON.parse(st.stdout) as { units: { unit: string; owner: string }[] }).units.filter((u) => u.unit.startsWith('s1:'));
      return owners.length === 4 && owners.every((u) => u.owner !== '') && { st, owners };
    }, 120_000, 200);
    const bHolds = /input partitions (\d+,\d+) assigned/.exec(b.stderr)![1]!.split(',').map((p) => `s1:${p}`);
    expect(owners.map((u) => [u.unit, u.owner]), st.stdout).toEqual(owners.map((u) => [u.unit, bHolds.includes(u.unit) ? id(b) : id(a)]));
    // c joins a 2-worker job: one input partition of four moves to it, and 5 key partitions of 16.
    const c = worker('join');
    waitingFor("c's first input-partition line");
    const joinedIn = await whenStderrHas(c, (e) => inputLines(e)[0]?.generation); // c's first generation: the partition that moves is revoked
    waitingFor(`a's input-partition line of generation ${joinedIn} or later`);
    const aSaw = await whenStderrHas(a, (e) => inputLines(e).find((l) => l.generation >= joinedIn)?.line);
    // Revoked from a (running): c gets it while b is still held, so the job cannot end before. From b: once b goes on.
    waitingFor('c to be given input partitions');
    if (/released/.test(aSaw)) await whenStderr(c, /input partitions? [\d,]+ assigned/);
    b.child.kill('SIGUSR2');
    waitingFor('a, b and c to exit');
    for (const w of [a, b, c]) expect(await w.exit, w.stderr).toEqual({ code: 0, signal: null });
    waitingFor('');
    const r = await runCli(['cat', to('join'), '--format', 'tsv']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(localRunOf(OPS, 'tsv'));

    // (Once a --once job is complete the workers leave one by one and the last ones are given the rest,
    // all done, and open it to see so: only the lines up to c's arrival and c's first share are exact.)
    for (const w of [a, b, c]) expect(w.stderr).not.toMatch(/lost|kafka error/); // no unit dropped for an unknown outcome
    const first = (w: Job, stage: 'input' | 'key') => opened(new RegExp(`^.*${stage} partitions? [\\d,]+ assigned.*$`, 'm').exec(w.stderr)?.[0] ?? '')[stage];
    expect(first(a, 'input'), a.stderr).toEqual([0, 1, 2, 3]); // a alone opened every partition
    expect(first(a, 'key'), a.stderr).toHaveLength(16);
    expect(first(b, 'input'), b.stderr).toHaveLength(2); // the half a released
    // c joining: a's line of that generation keeps what a holds and opens nothing; b's first line after its pause neither.
    expect(aSaw, a.stderr).toMatch(/: kept [\d,]+(; released \d+ to the group)?$/);
    const bAfter = inputLines(b.stderr.slice(b.stderr.indexOf('DSTREAM_FAULT: pausing'))).find((l) => l.generation >= joinedIn);
    expect(bAfter?.line, b.stderr).toMatch(/: kept [\d,]+(; released \d+ to the group)?$/);
    // c's first input partitions: the one of four that moved to it; of 16 key partitions its quota is 5
    // (6, 5, 5; b may still have been taking its half of them when c joined).
    expect(first(c, 'input'), c.stderr).toHaveLength(1);
    expect(first(c, 'key').length >= 1 && first(c, 'key').length <= 5, c.stderr).toBe(true);
    // The count at the end is the sum of the units each rebalance line says were opened.
    const total = (w: Job) => Number(/dstream: (\d+) units? opened from the committed state, \d+ kept across rebalances/.exec(w.stderr)?.[1]);
    expect([a, b, c].map(total)).toEqual([a, b, c].map((w) => opened(w.stderr)).map((o) => o.input.length + o.key.length));
  }, 300_000);
});
