/**
 * `dstream publish|cat|job status kafka://…` with no broker at the address: exit 1 with a line that
 * names the broker that did not answer, never "internal error" (the breaker's finding). A free port
 * with nothing listening stands for a broker that is down.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { freePort } from './redis-harness.js';

describe('commands with the Kafka broker down', () => {
  it('publish, cat and job status exit 1 naming the broker, no internal error', async () => {
    const port = await freePort();
    const runs = [
      await runCli(['publish', `kafka://127.0.0.1:${port}/t`], 'x\n'),
      await runCli(['cat', `kafka://127.0.0.1:${port}/o`]),
      await runCli(['job', 'status', `kafka://127.0.0.1:${port}/t?group=g`]),
    ];
    for (const r of runs) {
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).not.toMatch(/internal error/);
      expect(r.stderr).toMatch(new RegExp(`^dstream: kafka 127\\.0\\.0\\.1:${port}: .*Connection to 127\\.0\\.0\\.1:${port} failed`));
    }
  }, 120_000);
});
