/**
 * `dstream topic delete kafka://BROKER/TOPIC` on a real broker started by this file: refused with
 * exit 75 while a job on the topic has a live worker (the Redis wording), nothing deleted; once the
 * worker has left (SIGTERM), the topic, every job's internal and output topics and its consumer
 * groups are deleted, and a job on another topic is left alone. Waits are for events (a line on
 * the worker's stderr, its exit).
 */
import { Admin } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTopic, hasJava, produceLines, SKIP_REASON, startBroker, type Broker } from './broker.js';
import { startJob, whenStderr } from './procs.js';
import { runCli } from '../helpers/run-cli.js';

if (!hasJava) console.warn(`skipping test/kafka/topic-delete.test.ts: ${SKIP_REASON}`);

const LINES = Array.from({ length: 200 }, (_, i) => `line ${i} ${i % 7}`);
const OPS = ['--filter', 'l => l.endsWith(" 3")'];

describe.skipIf(!hasJava)('dstream topic delete kafka://', () => {
  let broker: Broker;
  let admin: Admin;
  const url = (topic: string, job?: string) => `kafka://${broker.address}/${topic}${job ? `?group=${job}` : ''}`;
  const topics = async () => (await admin.listTopics()).filter((t) => !t.startsWith('__')).sort();
  const groups = async () => [...(await admin.listGroups()).keys()].sort();

  beforeAll(async () => {
    broker = startBroker();
    admin = new Admin({ clientId: 'dstream-test', bootstrapBrokers: [broker.address], retries: 5, retryDelay: 200 });
    for (const t of ['logs', 'other']) {
      await createTopic(broker.address, t, 2);
      await produceLines(broker.address, t, LINES, 2);
    }
  }, 300_000);
  afterAll(async () => {
    await admin?.close();
    broker?.close();
  });

  it('exit 75 while a job on the topic has a live worker; then the topic, its jobs\' topics and groups are gone, other topics kept', async () => {
    const done = await runCli(['--from', url('logs', 'ended'), ...OPS, '--once', '--to', url('ended-out')]);
    expect(done.code, done.stderr).toBe(0);
    const kept = await runCli(['--from', url('other', 'kept'), ...OPS, '--once', '--to', url('kept-out')]);
    expect(kept.code, kept.stderr).toBe(0);
    const live = startJob(['--from', url('logs', 'live'), ...OPS, '--to', url('live-out')]);
    await whenStderr(live, /input partitions 0,1 assigned/);

    const refused = await runCli(['topic', 'delete', url('logs')]);
    expect(refused.code).toBe(75);
    expect(refused.stderr).toMatch(/^dstream: job live has 1 live worker; stop them first \(SIGTERM\), then try again/);
    expect(await topics()).toContain('dstream-ended-meta');
    expect(await topics()).toContain('logs');

    live.child.kill('SIGTERM');
    expect(await live.exit).toEqual({ code: 0, signal: null });
    const deleted = await runCli(['topic', 'delete', url('logs')]);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stderr).toMatch(/^dstream: topic 'logs' deleted with its jobs and their outputs \(\d+ topics and groups\)/);
    expect(await topics()).toEqual(['dstream-kept-changelog', 'dstream-kept-meta', 'kept-out', 'other']);
    expect((await groups()).filter((g) => !g.startsWith('dstream-test'))).toEqual(['kept']);
    const again = await runCli(['topic', 'delete', url('logs')]);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/topic 'logs' does not exist: nothing to delete/);
    expect(await runCli(['cat', url('kept-out')])).toMatchObject({ code: 0, stdout: LINES.filter((l) => l.endsWith(' 3')).join('\n') + '\n' });
  }, 300_000);
});
