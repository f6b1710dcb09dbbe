/**
 * Workers of a distributed Kafka job for the tests in this folder: each is `dstream --from
 * kafka://BROKER/access?group=JOB OPS --once --lease 6s [--max-records-per-batch 500] --to
 * kafka://BROKER/out-JOB` (500 records per partition and transaction: room for faults in the
 * middle), started with extra environment (DSTREAM_FAULT); `cat` prints its output topic and
 * `exited` expects a clean exit 0.
 */
import { expect } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { startJob, type Job } from './procs.js';

/**
 * @param address the broker's address (read when a worker starts: the broker is started in beforeAll).
 * @param batch flags after `ops` (a state job's own --max-records-per-batch: none).
 */
export function kafkaWorkers(address: () => string, ops: string[], batch = ['--max-records-per-batch', '500']) {
  const from = (job: string) => `kafka://${address()}/access?group=${job}`;
  const to = (job: string) => `kafka://${address()}/out-${job}`;
  const worker = (job: string, env: Record<string, string> = {}): Job => {
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      return startJob(['--from', from(job), ...ops, '--once', '--lease', '6s', ...batch, '--to', to(job)]);
    } finally {
      process.env = saved;
    }
  };
  const cat = async (job: string, format = 'tsv') => {
    const r = await runCli(['cat', to(job), '--format', format]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    return r.stdout;
  };
  const exited = async (j: Job) => {
    const e = await j.exit;
    expect(e, j.stderr).toEqual({ code: 0, signal: null });
  };
  return { from, to, worker, cat, exited };
}
