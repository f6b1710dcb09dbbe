/**
 * Rebuilding open windows after a takeover: 1-hour windows sliding every minute
 * (60 windows open per key at any time), 2 workers. The publisher's stdin is a pipe
 * the test holds: a quarter of the input is published; once rows are committed and
 * both workers hold key partitions, the rest trickles in, and when the busiest key
 * partition (found through `job status --json`) has committed new rows, its owner is
 * killed with SIGKILL and a new worker started; then stdin is closed. Whoever takes
 * over that key partition must log `rebuilt key partition Q: … in N ms` (a replay of
 * its input stream: the killed worker left no hand-over); the output is exact.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { bigApacheLog } from './data.js';
import { allExit, catRows, crashText, delay, diffRows, duplicates, jobStatus, procForOwner, startDstream, startWorker, tail, waitFor, type Proc } from './procs.js';
import { redisAvailable } from './redis-harness.js';
import { useRedisSuite } from './suite.js';

const COPIES = Number(process.env.DSTREAM_REBUILD_COPIES ?? 10);
const JOB = ['--event-time', 'l => l.split("[")[1].split("]")[0]', '--map', 'l => l.split(" ")[8]',
  '--count-by-value', '--window', '1h', '--slide', '1m', '--watermark', '1m'];
const ARGS = ['--lease', '1s', '--batch', '100ms', '--key-partitions', '8'];

function write(stream: NodeJS.WritableStream, data: Buffer): Promise<void> {
  return new Promise((res, rej) => stream.write(data, (e) => (e ? rej(e) : res())));
}

describe.skipIf(!redisAvailable())('distributed: open windows rebuilt after kill -9 of their owner', () => {
  const suite = useRedisSuite({ job: JOB, file: () => bigApacheLog(COPIES), publish: false, removeData: true });
  const procs = suite.procs;
  let input: Buffer;
  beforeAll(() => {
    input = readFileSync(suite.file);
  });

  it('kill -9 the key-partition owner mid-job, restart: rebuilt, exact', async () => {
    const t0 = Date.now();
    const from = suite.redis.url('apache', 'rebuild');
    const to = suite.redis.url('rebuild-out');
    const pub = startDstream(['publish', suite.redis.url('apache'), '--partitions', '4'], { stdin: 'pipe', name: 'publisher' });
    procs.add(pub);
    const quarter = input.lastIndexOf(10, Math.floor(input.length / 4)) + 1;
    await write(pub.child.stdin!, input.subarray(0, quarter));
    const a = startWorker(from, to, JOB, ARGS, { name: 'worker A' });
    const b = startWorker(from, to, JOB, ARGS, { name: 'worker B' });
    procs.add(a);
    procs.add(b);
    type Unit = { unit: string; owner: string; rows?: number };
    const keyUnits = (st: unknown) => ((st as { units?: Unit[] }).units ?? []).filter((u) => u.unit.startsWith('s2:'));
    let lastStatus: unknown;
    const statusError = (e: unknown) => {
      throw new Error(`${String(e)}\nlast job status: ${JSON.stringify(lastStatus).slice(0, 3000)}`);
    };
    // Rows are committed and both workers hold key partitions (after this, no more
    // graceful hand-overs between them: a takeover must rebuild from the input stream).
    await waitFor('rows committed and key partitions on both workers', async () => {
      lastStatus = await jobStatus(from);
      const owners = new Set(keyUnits(lastStatus).map((u) => procForOwner(u.owner, [a, b])));
      return owners.has(a) && owners.has(b) && (await catRows(to)).length > 0;
    }, 120_000, 200).catch(statusError);
    const before = new Map(keyUnits(lastStatus).map((u) => [u.unit, u.rows ?? 0]));
    // The rest trickles in (64 KiB every 10 ms): the job is busy, and cannot finish before stdin ends.
    const feed = (async () => {
      for (let pos = quarter; pos < input.length; pos += 64 * 1024) {
        await write(pub.child.stdin!, input.subarray(pos, Math.min(input.length, pos + 64 * 1024)));
        await delay(10);
      }
    })();
    // The victim: the owner of the busiest key partition (status 200, present in almost
    // every minute: its 1 h windows are always open), once it has committed new rows.
    let victim: Proc | undefined;
    let victimUnits: string[] = [];
    await waitFor('the busiest key partition to commit rows while input flows', async () => {
      lastStatus = await jobStatus(from);
      const busiest = keyUnits(lastStatus).sort((x, y) => (y.rows ?? 0) - (x.rows ?? 0))[0];
      if (!busiest || (busiest.rows ?? 0) <= (before.get(busiest.unit) ?? 0)) return false;
      victim = procForOwner(busiest.owner, [a, b]);
      victimUnits = victim ? [busiest.unit] : [];
      return victim !== undefined;
    }, 60_000, 100).catch(statusError);
    expect(a.running() && b.running(), `both workers still running mid-job; stderr:\n${tail(a.stderr(), 1000)}\n${tail(b.stderr(), 1000)}`).toBe(true);
    victim = victim!;
    const how = `owner of ${victimUnits[0]}, the key partition with the most rows, committing`;
    const killedAt = Date.now();
    await victim.kill9();
    const survivor = victim === a ? b : a;
    const c = startWorker(from, to, JOB, ARGS, { name: 'worker C (replacement)' });
    procs.add(c);
    await feed;
    pub.child.stdin!.end();
    const exits = await allExit([survivor, c], 180_000);
    expect((await pub.exited).code, `publisher stderr:\n${tail(pub.stderr())}`).toBe(0);
    expect(exits[0], `${survivor.name} stderr:\n${tail(survivor.stderr())}`).toEqual({ code: 0, signal: null });
    expect(exits[1], `${c.name} stderr:\n${tail(c.stderr())}`).toEqual({ code: 0, signal: null });
    for (const w of [survivor, c]) expect(crashText(w.stderr()), w.stderr()).toBeUndefined();
    const got = await catRows(to);
    expect(duplicates(got), 'rows appearing twice').toEqual([]);
    if (got.join('\n') !== suite.expected.join('\n')) expect.fail(diffRows(suite.expected, got));
    const rebuilt = [survivor, c].flatMap((w) => w.stderr().split('\n').filter((l) => /\b(rebuilt|took over)\b/.test(l)).map((l) => `${w.name}: ${l}`));
    const numbers = victimUnits.map((u) => u.split(':')[1]);
    const ofVictim = rebuilt.filter((l) => numbers.some((q) => new RegExp(`rebuilt\\D*\\b${q}\\b`).test(l)));
    expect(ofVictim.length, `a worker logs "rebuilt" for one of ${victimUnits.join(', ')} after the takeover; stderr:\n${tail(survivor.stderr(), 1500)}\n${tail(c.stderr(), 1500)}`).toBeGreaterThan(0);
    console.log(`rebuild: killed ${victim.name} (${how}) ${killedAt - t0} ms in; exact (${got.length} rows) in ${Date.now() - t0} ms\n  ${rebuilt.join('\n  ')}`);
  }, 300_000);
});
