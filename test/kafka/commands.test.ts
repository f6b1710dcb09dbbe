/**
 * The subcommands on Kafka through the `LogBackend` (kafka/backend.ts), on a real broker started by
 * this file: `dstream publish kafka://…` of the bundled access log, a `--once` job with `--top 3`
 * after the windowed count, `dstream cat` (tsv, json, text) and `dstream cat --follow` started while
 * the job runs: each equals the local run of the same flags byte for byte.
 * Every wait is for an event: a line on stderr or stdout, or a process's exit.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ACCESS_LOG, hasJava, localRunOf, SKIP_REASON } from './broker.js';
import { startJob, whenOutput, whenStderr } from './procs.js';
import { runCli } from '../helpers/run-cli.js';
import { brokerPerSuite } from '../helpers/servers.js';

const haveData = existsSync(ACCESS_LOG);
if (!hasJava) console.warn(`skipping test/kafka/commands.test.ts: ${SKIP_REASON}`);
else if (!haveData) console.warn(`skipping test/kafka/commands.test.ts: ${ACCESS_LOG} is absent`);

const OPS = ['--event-time', 'l => l.split("[")[1].split("]")[0]', '--map', 'l => l.split(" ")[8]', '--count-by-value', '--window', '5m', '--watermark', '1m', '--top', '3'];

const localRun = (format: string): string => localRunOf(OPS, format);

describe.skipIf(!hasJava || !haveData)('publish, --top, cat and cat --follow on Kafka', () => {
  const server = brokerPerSuite(300_000);

  it('publish kafka:// then a --once job with --top 3: cat and cat --follow equal the local run', async () => {
    const broker = server();
    const pub = await runCli(['publish', `kafka://${broker.address}/logs`, '--partitions', '4'], { file: ACCESS_LOG });
    expect(pub.stderr).toMatch(/published 10000 lines to 4 partitions of 'logs'.*--once/);
    expect(pub.code).toBe(0);
    const again = await runCli(['publish', `kafka://${broker.address}/logs`, '--partitions', '3'], '');
    expect(again.code).toBe(2); // partitions are fixed at creation
    expect(again.stderr).toMatch(/has 4 partitions, not 3/);

    const to = `kafka://${broker.address}/top3`;
    const w = startJob(['--from', `kafka://${broker.address}/logs?group=top`, ...OPS, '--once', '--max-records-per-batch', '500', '--to', to]);
    await whenStderr(w, /joined/); // the job (and its output topic) exists from here on
    const follow = startJob(['cat', to, '--follow']);
    const local = localRun('tsv');
    expect((await w.exit).code, w.stderr).toBe(0);
    await whenOutput(follow, (s) => s.length >= local.length);
    follow.child.kill('SIGTERM');
    expect((await follow.exit).code, follow.stderr).toBe(0);
    expect(follow.stdout).toBe(local);
    for (const format of ['tsv', 'json', 'text']) {
      const r = await runCli(['cat', to, '--format', format]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout, format).toBe(format === 'tsv' ? local : localRun(format));
    }
  }, 300_000);
  it('job status names the live worker and the partitions it owns; reset refuses while it runs (exit 75)', async () => {
    const broker = server();
    await runCli(['publish', `kafka://${broker.address}/live`, '--partitions', '2'], { file: ACCESS_LOG });
    const url = `kafka://${broker.address}/live?group=watch`;
    const w = startJob(['--from', url, ...OPS, '--to', `kafka://${broker.address}/watch-out`]);
    await whenStderr(w, /joined/);
    // The group's assignment shows up once its rebalance completes: ask until it does (each ask is a
    // whole CLI run; the worker stays a member until SIGTERM).
    type Status = { members: { id: string }[]; units: { unit: string; owner: string }[] };
    let status: Status | undefined;
    for (let i = 0; i < 120; i++) {
      const r = await runCli(['job', 'status', url, '--json']);
      expect(r.code, r.stderr).toBe(0);
      status = JSON.parse(r.stdout) as Status;
      if (status.units.length > 0 && status.units.every((u) => u.owner !== '')) break;
    }
    const id = `:${w.child.pid}:`;
    expect(status!.members.map((m) => m.id)).toEqual([expect.stringContaining(id)]);
    expect(status!.units.every((u) => u.owner.includes(id)), JSON.stringify(status)).toBe(true);
    const reset = await runCli(['job', 'reset', url]);
    expect(reset.code).toBe(75);
    expect(reset.stderr).toMatch(/has 1 live worker; /);
    w.child.kill('SIGTERM');
    expect((await w.exit).code, w.stderr).toBe(0);
  }, 300_000);
});
