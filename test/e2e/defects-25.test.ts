/**
 * Regression tests for small defects found in session 24, one `describe` per defect, each running
 * the real `bin/dstream.js`.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';

/** A Redis URL nothing listens on: these refusals come before any connection. */
const NOWHERE = 'redis://127.0.0.1:1';

describe('a distributed refusal names the operator that breaks the shape', () => {
  it('an operator after --top is named, not the missing --event-time (exit 2, before any connection)', async () => {
    const r = await runCli(['--from', `${NOWHERE}/in?group=g`, '--to', `${NOWHERE}/out`,
      '--map', 'l => l', '--count-by-value', '--window', '5m', '--top', '3', '--map', 'r => r']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/\(--map after the --top is not supported: a window's rows are spread over key partitions and only dstream cat sees them together\)\n$/);
  });

  it('a missing --event-time says why and where it goes', async () => {
    const r = await runCli(['--from', `${NOWHERE}/in?group=g`, '--to', `${NOWHERE}/out`, '--map', 'l => l', '--count-by-value', '--window', '5m']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\(--event-time is missing: workers on other machines have other clocks, so windows follow event time; add --event-time FN before --count-by-value\)\n$/);
  });
});
