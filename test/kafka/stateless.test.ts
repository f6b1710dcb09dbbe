/**
 * Stateless pipelines on Kafka (`--filter`/`--map`/`--flat-map` alone, no
 * aggregation): stage 1 writes the rows to `--to` in the transaction of its
 * input offsets. On a real broker started by this file, the bundled access
 * log in a 4-partition topic: two workers with `--once` give, through
 * `dstream cat`, the local run byte for byte in four formats; a worker killed
 * with kill -9 inside a transaction, with a replacement started, changes
 * nothing; `job status` counts every line; `job reset` deletes the job.
 * Every wait is for an event: a line on a worker's stderr, or its exit.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCESS_LOG, hasJava, localRunOf, readTopic, SKIP_REASON, startAccessBroker, type Broker } from './broker.js';
import { whenStderr, type Job } from './procs.js';
import { kafkaWorkers } from './workers.js';
import { runCli } from '../helpers/run-cli.js';

const haveData = existsSync(ACCESS_LOG);
if (!hasJava) console.warn(`skipping test/kafka/stateless.test.ts: ${SKIP_REASON}`);
else if (!haveData) console.warn(`skipping test/kafka/stateless.test.ts: ${ACCESS_LOG} is absent`);

/** A filter, a map to records and a flat-map that gives 0, 1 or 2 rows per line. */
const OPS = [
  '--filter', 'l => !l.includes("robots.txt")',
  '--map', 'l => { const f = l.split(" "); return { ip: f[0], status: Number(f[8]), bytes: f[9] === "-" ? 0 : Number(f[9]) }; }',
  '--flat-map', 'r => r.status >= 400 ? [r, { ip: r.ip, error: true }] : r.bytes > 100000 ? [] : [r]',
];

describe.skipIf(!hasJava || !haveData)('stateless pipelines on Kafka', () => {
  let broker: Broker;
  const local = new Map<string, string>();
  const { from, worker, cat, exited: exit0 } = kafkaWorkers(() => broker.address, OPS);
  const exited = async (j: Job) => {
    await exit0(j);
    expect(j.stderr).toMatch(/done: the job is complete/);
  };

  beforeAll(async () => {
    broker = await startAccessBroker();
    for (const f of ['tsv', 'csv', 'json', 'text']) local.set(f, localRunOf(OPS, f));
  }, 300_000);
  afterAll(() => broker?.close());

  it('two workers with --once equal the local run byte for byte in four formats; no internal repartition topic; status and reset', async () => {
    const ws = [worker('two'), worker('two')];
    for (const w of ws) await exited(w);
    expect(local.get('tsv')!.split('\n').length).toBeGreaterThan(9000);
    for (const f of ['tsv', 'csv', 'json', 'text']) expect(await cat('two', f), f).toBe(local.get(f));
    const st = await runCli(['job', 'status', from('two'), '--json']);
    expect(st.code).toBe(0);
    const status = JSON.parse(st.stdout) as { complete: boolean; inputPartitions: number; keyPartitions: number; units: { unit: string; done: boolean; lines?: number }[] };
    expect(status).toMatchObject({ complete: true, inputPartitions: 4, keyPartitions: 0 });
    expect(status.units.map((u) => u.unit)).toEqual(['s1:0', 's1:1', 's1:2', 's1:3']);
    expect(status.units.reduce((n, u) => n + (u.lines ?? 0), 0)).toBe(10_000);
    const reset = await runCli(['job', 'reset', from('two')]);
    expect(reset.code).toBe(0);
    expect(reset.stderr).toMatch(/dstream-two-changelog/);
    expect(reset.stderr).not.toMatch(/repartition/);
    expect(JSON.parse((await runCli(['job', 'status', from('two'), '--json'])).stdout)).toMatchObject({ exists: false });
  }, 300_000);

  it('kill -9 of a worker inside a transaction, with a replacement: the output equals the local run, no row written twice', async () => {
    // The victim, alone at first, pauses inside its second stage-1 transaction (rows sent, offsets not yet added): killed there.
    const victim = worker('kill', { DSTREAM_FAULT: 'stall-before-commit@2' });
    await whenStderr(victim, /DSTREAM_FAULT: stalling/);
    const other = worker('kill');
    await whenStderr(other, /joined/);
    victim.child.kill('SIGKILL');
    const replacement = worker('kill');
    await exited(other);
    await exited(replacement);
    expect(await cat('kill')).toBe(local.get('tsv'));
    expect(await cat('kill', 'json')).toBe(local.get('json'));
    // Every committed row record once: the ordinals of each input partition are strictly increasing.
    const seen = new Map<number, number>();
    for (const m of await readTopic(broker.address, 'out-kill')) {
      const [key, value] = m.split('\t') as [string, string];
      expect(key).toBe('dstream-lines');
      const { p, r } = JSON.parse(value) as { p: number; r: string };
      for (const row of r === '' ? [] : r.split('\n')) {
        const ordinal = (JSON.parse(row) as [number])[0];
        expect(ordinal).toBeGreaterThanOrEqual(seen.get(p) ?? 0);
        seen.set(p, ordinal);
      }
    }
  }, 300_000);
});
