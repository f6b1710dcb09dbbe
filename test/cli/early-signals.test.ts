/**
 * start.cts `catchEarlySignals`: a stop signal before the CLI has its own handlers is kept, and
 * handed to the first handler that is added (emitted again once), a second SIGINT meanwhile exits
 * 130. Each case runs in a child process that signals itself and waits for the signal to have been
 * kept (an event: `kept()` turns 1), never for a guessed time.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const START = fileURLToPath(new URL('../../dist/bundle/start.cjs', import.meta.url));

/** Runs `body` after `early = catchEarlySignals()` and a helper `kept(n, then)` that waits until n signals are kept. */
function child(body: string): { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string } {
  const code = `const early = require(${JSON.stringify(START)}).catchEarlySignals();
const kept = (n, then) => (early.kept() >= n ? then() : setImmediate(() => kept(n, then)));
${body}`;
  return spawnSync(process.execPath, ['-e', code], { encoding: 'utf8' });
}

describe('stop signals before the CLI has its handlers', () => {
  it('a kept SIGINT goes, once, to the first handler added; the early handlers are gone after it', () => {
    const r = child(`process.kill(process.pid, 'SIGINT');
kept(1, () => {
  process.on('SIGINT', (sig) => {
    console.log('handled ' + sig + ', listeners ' + process.listenerCount('SIGINT') + ' ' + process.listenerCount('SIGTERM'));
    process.exit(0);
  });
  console.log('installed');
});`);
    expect(r.signal).toBeNull();
    expect(r.stdout).toBe('installed\nhandled SIGINT, listeners 1 0\n');
    expect(r.status).toBe(0);
  });

  it('a SIGTERM is kept and handed over the same way', () => {
    const r = child(`process.kill(process.pid, 'SIGTERM');
kept(1, () => process.on('SIGTERM', (sig) => { console.log('handled ' + sig); process.exit(0); }));`);
    expect(r.signal).toBeNull();
    expect(r.stdout).toBe('handled SIGTERM\n');
    expect(r.stderr).toBe('dstream: SIGTERM while starting up: handled once start-up is done (SIGINT to abort)\n');
  });

  it('a second SIGINT before any handler exits 130', () => {
    const r = child(`process.kill(process.pid, 'SIGINT');
kept(1, () => process.kill(process.pid, 'SIGINT'));
setInterval(() => {}, 1 << 30);`);
    expect(r.signal).toBeNull();
    expect(r.stderr).toBe('dstream: SIGINT while starting up: handled once start-up is done (again to abort)\ndstream: SIGINT again: aborting\n');
    expect(r.status).toBe(130);
  });
});
