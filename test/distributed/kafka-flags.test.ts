/**
 * kafka:// commands refused before anything is read or any broker is reached: one line, exit 2.
 * (127.0.0.1:9 is the discard port: nothing there would answer as a broker.)
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';

const OPS = ['--event-time', 'l => l.split("[")[1].split("]")[0]', '--map', 'l => l', '--count-by-value', '--window', '5m'];

describe('kafka:// refusals', () => {
  it('--to on other brokers than --from', async () => {
    const r = await runCli(['--from', 'kafka://127.0.0.1:9/t?group=g', ...OPS, '--to', 'kafka://127.0.0.2:9/o']);
    expect(r.code).toBe(2);
  });
  it('topic delete on kafka:// with a ?group= (topic delete itself runs: test/kafka/topic-delete.test.ts)', async () => {
    for (const args of [['topic', 'delete', 'kafka://127.0.0.1:9/t?group=g']]) {
      const r = await runCli(args, '');
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
