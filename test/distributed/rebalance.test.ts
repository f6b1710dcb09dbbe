/**
 * Rebalancing on a live topic: the publisher's stdin is a pipe held open by the
 * test, so the job cannot finish. One worker starts, two more join; once all three
 * hold leases (job status --json), one gets SIGTERM and must exit 0 within a few
 * seconds (finish its batch, commit, release: job status shows none of its leases
 * right after its exit, well within the 1 s lease). The second half of the input
 * trickles in meanwhile; then stdin is closed (EOF markers); the two remaining
 * workers exit 0 on their own and the output is exact.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { bigApacheLog, STATUS_JOB } from './data.js';
import { allExit, catRows, crashText, delay, diffRows, duplicates, jobStatus, leaseHolders, procForOwner, startDstream, startWorker, tail, waitFor, type Proc } from './procs.js';
import { redisAvailable } from './redis-harness.js';
import { useRedisSuite } from './suite.js';

const COPIES = Number(process.env.DSTREAM_REBALANCE_COPIES ?? 10);
const ARGS = ['--lease', '1s', '--batch', '100ms', '--key-partitions', '8'];

function write(stream: NodeJS.WritableStream, data: Buffer): Promise<void> {
  return new Promise((res, rej) => stream.write(data, (e) => (e ? rej(e) : res())));
}

describe.skipIf(!redisAvailable())('distributed: workers join and leave a live job', () => {
  const suite = useRedisSuite({ job: STATUS_JOB, file: () => bigApacheLog(COPIES), publish: false, removeData: true });
  const procs = suite.procs;
  let input: Buffer;
  beforeAll(() => {
    input = readFileSync(suite.file);
  });

  it('1 worker, +2, SIGTERM one, finish publishing: exact', async () => {
    const t0 = Date.now();
    const topic = suite.redis.url('live');
    const from = suite.redis.url('live', 'rebalance');
    const to = suite.redis.url('rebalance-out');
    const pub = startDstream(['publish', topic, '--partitions', '4'], { stdin: 'pipe', name: 'publisher' });
    procs.add(pub);
    const half = input.lastIndexOf(10, Math.floor(input.length / 2)) + 1;
    await write(pub.child.stdin!, input.subarray(0, half));

    const w1 = startWorker(from, to, STATUS_JOB, ARGS, { name: 'worker 1' });
    procs.add(w1);
    await waitFor('worker 1 to hold leases', async () => leaseHolders(await jobStatus(from)).length > 0, 60_000, 200);
    // The second half trickles in (64 KiB every 10 ms, ~2–3 s) while workers join and leave.
    const feed = (async () => {
      for (let pos = half; pos < input.length; pos += 64 * 1024) {
        await write(pub.child.stdin!, input.subarray(pos, Math.min(input.length, pos + 64 * 1024)));
        await delay(10);
      }
    })();
    const w2 = startWorker(from, to, STATUS_JOB, ARGS, { name: 'worker 2' });
    const w3 = startWorker(from, to, STATUS_JOB, ARGS, { name: 'worker 3' });
    procs.add(w2);
    procs.add(w3);
    let lastStatus: unknown;
    const owners = await waitFor('all 3 workers to hold leases', async () => {
      lastStatus = await jobStatus(from);
      const o = new Set(leaseHolders(lastStatus).map((h) => h.owner));
      return o.size >= 3 ? o : undefined;
    }, 60_000, 200).catch((e) => {
      throw new Error(`${String(e)}\nlast job status: ${JSON.stringify(lastStatus).slice(0, 2000)}`);
    });
    const tLeases = Date.now();
    expect([w1, w2, w3].every((w) => w.running()), 'the job cannot have finished: no EOF yet').toBe(true);

    // SIGTERM one of them: the one whose id names its pid if the status shows pids, else worker 2.
    const named = [...owners].map((o) => procForOwner(o, [w1, w2, w3])).filter(Boolean) as Proc[];
    const leaving = named.find((w) => w !== w1) ?? w2;
    const termAt = Date.now();
    void leaving.term();
    // It exits 0 before the publisher's EOF, so it did not wait for the end of the job; the deadline is only a safety net.
    const e = await allExit([leaving], 60_000);
    const termMs = Date.now() - termAt;
    expect(e[0], `${leaving.name} after SIGTERM; stderr:\n${tail(leaving.stderr())}`).toEqual({ code: 0, signal: null });
    // Its leases were released, not left to expire (the 1 s lease would still show now).
    const after = leaseHolders(await jobStatus(from)).filter((h) => procForOwner(h.owner, [leaving]) === leaving);
    expect(after, `leases still held by ${leaving.name} right after its exit`).toEqual([]);

    await feed;
    pub.child.stdin!.end();
    const pe = await allExit([pub], 120_000);
    expect(pe[0], `publisher stderr:\n${tail(pub.stderr())}`).toEqual({ code: 0, signal: null });

    const rest = [w1, w2, w3].filter((w) => w !== leaving);
    const exits = await allExit(rest, 180_000);
    for (const [i, x] of exits.entries()) expect(x, `${rest[i]!.name} stderr:\n${tail(rest[i]!.stderr())}`).toEqual({ code: 0, signal: null });
    for (const w of [w1, w2, w3]) expect(crashText(w.stderr()), w.stderr()).toBeUndefined();
    // No replay on the graceful stop: no stage-1 batch is redone, key partitions move with their open windows.
    for (const w of [w1, w2, w3]) expect(w.stderr(), `${w.name} replayed a planned batch`).not.toMatch(/replaying batch/);
    expect(rest.map((w) => w.stderr()).join('\n'), 'a key partition taken over from the stopped worker').toMatch(/took over key partition \d+ from a graceful hand-over: (1 open pane|(0|[2-9]|\d\d+) open panes), no replay/);
    const got = await catRows(to);
    expect(duplicates(got), 'rows appearing twice').toEqual([]);
    if (got.join('\n') !== suite.expected.join('\n')) expect.fail(diffRows(suite.expected, got));
    console.log(`rebalance: 3 lease holders after ${tLeases - t0} ms; ${leaving.name} exited 0 ${termMs} ms after SIGTERM; exact (${got.length} rows) in ${Date.now() - t0} ms`);
  }, 300_000);
});
