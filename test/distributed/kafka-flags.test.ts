/**
 * kafka:// commands refused before anything is read or any broker is reached: one line, exit 2.
 * (127.0.0.1:9 is the discard port: nothing there would answer as a broker.)
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';

const OPS = ['--event-time', 'l => l.split("[")[1].split("]")[0]', '--map', 'l => l', '--count-by-value', '--window', '5m'];

describe('kafka:// refusals', () => {
  it('--top after the window names the flag and why', async () => {
    const r = await runCli(['--from', 'kafka://127.0.0.1:9/t?group=g', ...OPS, '--top', '3', '--to', 'kafka://127.0.0.1:9/o']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--top after the window: not supported on kafka:\/\/ yet/);
  });
  it('--to on other brokers than --from', async () => {
    const r = await runCli(['--from', 'kafka://127.0.0.1:9/t?group=g', ...OPS, '--to', 'kafka://127.0.0.2:9/o']);
    expect(r.code).toBe(2);
  });
  it('publish, topic delete and cat --follow on kafka://', async () => {
    for (const args of [['publish', 'kafka://127.0.0.1:9/t'], ['topic', 'delete', 'kafka://127.0.0.1:9/t'], ['cat', 'kafka://127.0.0.1:9/o', '--follow']]) {
      const r = await runCli(args, '');
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
