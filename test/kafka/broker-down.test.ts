/**
 * A Kafka worker started while the broker is down waits for it (run.ts `untilReachable`; the output
 * topic's partition count is asked inside the worker loop, retried as every other call): stderr says
 * once that it is waiting, the broker is then started (same port, same data), and the `--once` job
 * runs to its end with the local run's rows; then `dstream cat --follow` started before a job waits
 * for its output. Every wait is for an event: the stderr line, the
 * broker's start script returning, the worker's exit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTopic, hasJava, produceLines, SKIP_REASON, startBroker, type Broker } from './broker.js';
import { startJob, waitingFor, whenOutput, whenStderr } from './procs.js';
import { runCli } from '../helpers/run-cli.js';

if (!hasJava) console.warn(`skipping test/kafka/broker-down.test.ts: ${SKIP_REASON}`);

const LINES = Array.from({ length: 200 }, (_, i) => `line ${i} ${'x'.repeat(i % 7)}`);

describe.skipIf(!hasJava)('a Kafka worker started while the broker is down', () => {
  let broker: Broker;
  beforeAll(async () => {
    broker = startBroker();
    await createTopic(broker.address, 'in', 2);
    await produceLines(broker.address, 'in', LINES, 2);
    broker.stop();
  }, 300_000);
  afterAll(() => broker?.close());

  it('says once that it waits, then joins when the broker is up and ends the --once job with exact rows (exit 0)', async () => {
    const ops = ['--filter', 'l => l.endsWith("x")', '--map', 'l => l.toUpperCase()'];
    const w = startJob(['--from', `kafka://${broker.address}/in?group=down`, ...ops, '--once', '--to', `kafka://${broker.address}/out`]);
    waitingFor('the worker to say it waits for the broker');
    await whenStderr(w, /dstream: waiting for the broker at 127\.0\.0\.1:\d+ \(.*\): retrying until it answers/);
    expect(w.child.exitCode).toBeNull();
    broker.restart();
    waitingFor('the worker to end the job');
    expect(await w.exit, w.stderr).toEqual({ code: 0, signal: null });
    expect(w.stderr.match(/waiting for the broker/g)).toHaveLength(1);
    expect(w.stderr).toMatch(/the broker at 127\.0\.0\.1:\d+ answers\n(.*\n)*dstream: worker \S+ joined job 'down'/);
    const local = await runCli([...ops, '--format', 'tsv'], LINES.join('\n') + '\n');
    const cat = await runCli(['cat', `kafka://${broker.address}/out`]);
    expect(cat.code, cat.stderr).toBe(0);
    expect(cat.stdout).toBe(local.stdout);
    expect(cat.stdout.split('\n')).toHaveLength(LINES.filter((l) => l.endsWith('x')).length + 1);
  }, 300_000);

  it('dstream cat --follow started before the job waits for its output, saying so once, then prints its rows (as on Redis: test/distributed/cat-follow-wait.test.ts)', async () => {
    const ops = ['--filter', 'l => l.endsWith("xxx")'];
    const cat = startJob(['cat', `kafka://${broker.address}/out2`, '--follow']);
    waitingFor('cat to say it waits for the output stream');
    await whenStderr(cat, /^dstream: waiting for output stream 'out2' on 127\.0\.0\.1:\d+ \(a job creates it/m);
    const w = startJob(['--from', `kafka://${broker.address}/in?group=follow`, ...ops, '--once', '--to', `kafka://${broker.address}/out2`]);
    expect(await w.exit, w.stderr).toEqual({ code: 0, signal: null });
    const local = await runCli([...ops, '--format', 'tsv'], LINES.join('\n') + '\n');
    waitingFor('cat to print the job\'s rows');
    await whenOutput(cat, (s) => s === local.stdout);
    cat.child.kill('SIGTERM');
    expect(await cat.exit, cat.stderr).toEqual({ code: 0, signal: null });
    expect(cat.stderr.match(/waiting for output stream/g)).toHaveLength(1);
  }, 120_000);
});
