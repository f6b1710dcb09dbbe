/**
 * Regression tests for the breaker's findings on session 29's round 1 (fixes lane), each running the real
 * `bin/dstream.js`.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';

describe('--workers with no value', () => {
  it('says it needs a value, as other flags do (exit 2)', async () => {
    const r = await runCli(['--workers'], 'a\n');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('dstream: --workers needs a value\n');
  });
});
