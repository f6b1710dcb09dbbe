/**
 * A redis:// worker refuses the flags its backend cannot run before it connects (redis/run.ts, since
 * the CLI hands every backend the same `WorkerSettings`): one line, exit 2, nothing read.
 * (127.0.0.1:9 is the discard port: a worker that tried to connect there would retry forever.)
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';

const FROM = 'redis://127.0.0.1:9/t?group=g';
const OPS = ['--event-time', 'l => l.split("[")[1].split("]")[0]', '--map', 'l => l.split(" ")[8]', '--count-by-value', '--window', '5m'];

describe('redis:// refusals before connecting', () => {
  it('--once: a worker stops by itself', async () => {
    const r = await runCli(['--from', FROM, ...OPS, '--once', '--to', 'redis://127.0.0.1:9/o'], '');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('dstream: --once: a worker stops by itself when the job is complete (input published from a file, or ended by dstream publish < /dev/null)\n');
  });

  it('--max-records-per-batch without --update-state-by-key', async () => {
    const r = await runCli(['--from', FROM, ...OPS, '--max-records-per-batch', '5', '--to', 'redis://127.0.0.1:9/o'], '');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')).toHaveLength(2);
    expect(r.stderr).toMatch(/^dstream: --max-records-per-batch: a redis worker's stage-1 batch is what its input partition holds/);
  });
});
